// Hugging Face configs as llama architectures: LlamaConfig (model_type llama)
// and DeciLMConfig (model_type nemotron-nas, per-layer block_configs), read as
// transformers builds them (LlamaConfig/modeling_llama.py, and DeciLM's
// configuration_decilm.py/modeling_decilm.py, read for this).
// Fields without parameters (rope_theta, rope_scaling, rms_norm_eps,
// max_position_embeddings, pretraining_tp, token ids, dtype) do not change the
// network zerolm scores and are not read; every field that would change it and
// that the llama space cannot hold is refused, naming the field and value.
#include <cmath>
#include <optional>

#include "engine/core/error.hpp"
#include "search_spaces/json_fields.hpp"
#include "search_spaces/llama/llama.hpp"

namespace zerolm {

namespace {

using L = LlamaLimits;

bool present(const nlohmann::json& object, const char* key) { return object.contains(key) && !object[key].is_null(); }

int bounded(const nlohmann::json& object, const char* key, const std::string& where, std::int64_t low,
            std::int64_t high) {
  const std::int64_t v = json_fields::integer(object, key, where);
  ZEROLM_CHECK(v >= low && v <= high, "field '{}{}': value {} is not in {}..{}", where, key, v, low, high);
  return static_cast<int>(v);
}

bool flag(const nlohmann::json& object, const char* key, const std::string& where, bool fallback) {
  if (!present(object, key)) return fallback;
  ZEROLM_CHECK(object[key].is_boolean(), "field '{}{}': value {} is not true|false", where, key, object[key].dump());
  return object[key].get<bool>();
}

// The head LlamaForCausalLM / DeciLMForCausalLM put on the model: any other class
// (a classifier, say) has other parameters.
void check_class(const nlohmann::json& config, const char* expected) {
  if (!present(config, "architectures")) return;
  const auto& classes = config["architectures"];
  ZEROLM_CHECK(classes.is_array() && classes.size() == 1 && classes[0] == expected,
               "field 'architectures': value {} is not [\"{}\"] (the network zerolm counts)", classes.dump(), expected);
}

// SubblockConfig: {no_op, replace_with_linear, ...}; true when the block is a no-op.
bool no_op(const nlohmann::json& block, const std::string& where) {
  ZEROLM_CHECK(block.is_object(), "field '{}': value {} is not an object", where, block.dump());
  const bool skipped = flag(block, "no_op", where + ".", false);
  ZEROLM_CHECK(!flag(block, "replace_with_linear", where + ".", false),
               "field '{}.replace_with_linear': value true; the llama space has no linear replacement blocks (only "
               "no_op)",
               where);
  if (present(block, "window_length") || present(block, "num_sink_tokens")) {
    ZEROLM_FAIL("field '{}': sliding-window or sink attention is not in the llama space", where);
  }
  return skipped;
}

}  // namespace

std::int64_t decilm_intermediate_size(double ffn_mult, std::int64_t hidden_size) {
  // round(ffn_mult, 6) as DeciLM's FFNConfig stores it (ties are not reachable
  // from six-decimal inputs), then int(2 * ffn_mult * n_embd / 3) evaluated left
  // to right in IEEE double and truncated, rounded up to a multiple of 256.
  const double rounded = std::nearbyint(ffn_mult * 1e6) / 1e6;
  const double width = 2.0 * rounded * static_cast<double>(hidden_size) / 3.0;
  const auto truncated = static_cast<std::int64_t>(width);
  return truncated % 256 == 0 ? truncated : truncated + 256 - truncated % 256;
}

LlamaArchitecture llama_from_hf_config(const nlohmann::json& config) {
  ZEROLM_CHECK(config.is_object(), "a Hugging Face config must be a JSON object, got {}", config.type_name());
  ZEROLM_CHECK(present(config, "model_type") && config["model_type"].is_string(), "field 'model_type' is missing");
  const std::string type = config["model_type"].get<std::string>();
  ZEROLM_CHECK(type == "llama" || type == "nemotron-nas", "field 'model_type': value '{}' is not llama|nemotron-nas",
               type);
  const bool decilm = type == "nemotron-nas";
  check_class(config, decilm ? "DeciLMForCausalLM" : "LlamaForCausalLM");
  if (present(config, "hidden_act")) {
    ZEROLM_CHECK(config["hidden_act"] == "silu", "field 'hidden_act': value {} is not \"silu\" (the SwiGLU gate)",
                 config["hidden_act"].dump());
  }

  LlamaArchitecture a;
  a.hidden_size = bounded(config, "hidden_size", "", 1, L::kMaxHidden);
  a.vocab_size = bounded(config, "vocab_size", "", 1, L::kMaxVocabulary);
  const int n = bounded(config, "num_hidden_layers", "", 1, L::kMaxLayers);
  const int heads = bounded(config, "num_attention_heads", "", 1, L::kMaxHeads);
  // PretrainedConfig's default ties; LlamaConfig's (and so DeciLMConfig's) does not.
  a.tie_word_embeddings = flag(config, "tie_word_embeddings", "", false);
  a.attention_bias = flag(config, "attention_bias", "", false);
  a.mlp_bias = flag(config, "mlp_bias", "", false);
  if (present(config, "initializer_range")) {
    ZEROLM_CHECK(config["initializer_range"].is_number(), "field 'initializer_range': value {} is not a number",
                 config["initializer_range"].dump());
    a.initializer_range = config["initializer_range"].get<double>();
  }

  // head_dim: LlamaConfig's own (transformers >= 4.45) or hidden_size // heads;
  // DeciLM's code always takes hidden_size // heads.
  if (present(config, "head_dim") && !decilm) {
    a.head_dim = bounded(config, "head_dim", "", 2, L::kMaxHeadDim);
  } else {
    ZEROLM_CHECK(a.hidden_size % heads == 0,
                 "field 'num_attention_heads': value {} does not divide hidden_size {} (head_dim is hidden_size / "
                 "heads{})",
                 heads, a.hidden_size, decilm ? " in DeciLM" : " when the config has none");
    a.head_dim = a.hidden_size / heads;
  }
  ZEROLM_CHECK(a.head_dim % 2 == 0, "field 'head_dim': value {} is odd (rotary positions pair dimensions)", a.head_dim);

  if (!decilm) {
    ZEROLM_CHECK(!present(config, "block_configs"),
                 "field 'block_configs': a model_type llama config has none (per-layer blocks are model_type "
                 "nemotron-nas)");
    const int kv =
        present(config, "num_key_value_heads") ? bounded(config, "num_key_value_heads", "", 1, heads) : heads;
    ZEROLM_CHECK(heads % kv == 0, "field 'num_key_value_heads': value {} does not divide num_attention_heads {}", kv,
                 heads);
    const int inner = bounded(config, "intermediate_size", "", 1, L::kMaxIntermediate);
    a.layers.assign(static_cast<std::size_t>(n), LlamaLayer{heads, kv, inner});
    return a;
  }

  ZEROLM_CHECK(present(config, "block_configs") && config["block_configs"].is_array(),
               "field 'block_configs' is missing or not a list (model_type nemotron-nas)");
  const auto& blocks = config["block_configs"];
  ZEROLM_CHECK(blocks.size() == static_cast<std::size_t>(n),
               "field 'block_configs': {} blocks for num_hidden_layers {}", blocks.size(), n);
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const std::string where = fmt::format("block_configs[{}]", i);
    const auto& block = blocks[i];
    ZEROLM_CHECK(block.is_object() && block.contains("attention") && block.contains("ffn"),
                 "field '{}': expected {{\"attention\": {{...}}, \"ffn\": {{...}}}}, got {}", where, block.dump());
    LlamaLayer layer;
    const auto& attention = block["attention"];
    if (!no_op(attention, where + ".attention")) {
      // n_heads_in_group is the GQA group size: KV heads = heads / group.
      const int group = bounded(attention, "n_heads_in_group", where + ".attention.", 1, heads);
      ZEROLM_CHECK(heads % group == 0,
                   "field '{}.attention.n_heads_in_group': value {} does not divide num_attention_heads {}", where,
                   group, heads);
      layer.heads = heads;
      layer.kv_heads = heads / group;
    }
    const auto& ffn = block["ffn"];
    if (!no_op(ffn, where + ".ffn")) {
      ZEROLM_CHECK(present(ffn, "ffn_mult") && ffn["ffn_mult"].is_number() && ffn["ffn_mult"].get<double>() > 0 &&
                       ffn["ffn_mult"].get<double>() <= 1e4,
                   "field '{}.ffn.ffn_mult': value {} is not a number in (0, 10000]", where,
                   ffn.contains("ffn_mult") ? ffn["ffn_mult"].dump() : "(missing)");
      const std::int64_t width = decilm_intermediate_size(ffn["ffn_mult"].get<double>(), a.hidden_size);
      ZEROLM_CHECK(width >= 1 && width <= L::kMaxIntermediate,
                   "field '{}.ffn.ffn_mult': value {} gives intermediate size {}, not in 1..{}", where,
                   ffn["ffn_mult"].dump(), width, L::kMaxIntermediate);
      layer.intermediate = static_cast<int>(width);
    }
    a.layers.push_back(layer);
  }
  return a;
}

namespace {

// The ffn_mult whose DeciLM width is `intermediate` at `hidden_size`, if one is.
std::optional<double> decilm_ffn_mult(std::int64_t intermediate, std::int64_t hidden_size) {
  // Widths round up to 256: any 2/3 * mult * hidden in (I - 256, I] gives I; try the
  // six-decimal values just below I * 3 / (2 hidden) first.
  const double top = std::floor(static_cast<double>(intermediate) * 1.5e6 / static_cast<double>(hidden_size)) / 1e6;
  for (int step = 0; step < 64; ++step) {
    const double mult = std::nearbyint((top - step * 1e-6) * 1e6) / 1e6;
    if (mult > 0 && decilm_intermediate_size(mult, hidden_size) == intermediate) return mult;
  }
  return std::nullopt;
}

}  // namespace

nlohmann::json llama_to_hf_config(const LlamaSpace& space, const Architecture& architecture) {
  const LlamaArchitecture a = space.decode(architecture);
  const auto refuse = [&](const std::string& why) {
    ZEROLM_FAIL("--format hf: {}: {}; use --format pytorch", space.summary(architecture), why);
  };
  bool equal = true;
  for (const auto& l : a.layers) {
    equal = equal && l == a.layers.front() && !l.skips_attention() && !l.skips_ffn();
  }
  // Fields every LlamaConfig and DeciLMConfig reads; rms_norm_eps and rope_theta
  // are those of zerolm's network (HF's LlamaConfig defaults eps to 1e-6).
  nlohmann::json config{{"vocab_size", a.vocab_size},
                        {"hidden_size", a.hidden_size},
                        {"num_hidden_layers", a.layers.size()},
                        {"tie_word_embeddings", a.tie_word_embeddings},
                        {"hidden_act", "silu"},
                        {"rms_norm_eps", 1e-5},
                        {"rope_theta", 10000.0},
                        {"initializer_range", a.initializer_range}};
  if (equal) {
    const LlamaLayer& l = a.layers.front();
    config["architectures"] = {"LlamaForCausalLM"};
    config["model_type"] = "llama";
    config["num_attention_heads"] = l.heads;
    config["num_key_value_heads"] = l.kv_heads;
    config["intermediate_size"] = l.intermediate;
    config["attention_bias"] = a.attention_bias;
    // Written only where they differ from what older LlamaConfigs assume
    // (head_dim: transformers >= 4.45; mlp_bias: >= 4.41), which would ignore them.
    if (a.head_dim * l.heads != a.hidden_size) config["head_dim"] = a.head_dim;
    if (a.mlp_bias) config["mlp_bias"] = true;
    return config;
  }
  // Layers differ or skip blocks: DeciLM / Nemotron-NAS block_configs, one global
  // head count with per-layer GQA groups and FFN multipliers (llama_from_hf_config).
  if (a.attention_bias || a.mlp_bias) refuse("DeciLM's per-layer blocks have no biases");
  int heads = 0;
  for (const auto& l : a.layers) {
    if (l.skips_attention()) continue;
    if (heads != 0 && l.heads != heads) {
      refuse(
          fmt::format("layers have {} and {} query heads; DeciLM's block_configs vary only KV groups", heads, l.heads));
    }
    heads = l.heads;
  }
  if (heads == 0) heads = a.hidden_size / a.head_dim;  // every attention skipped: no weights depend on it
  if (heads * a.head_dim != a.hidden_size) {
    refuse(fmt::format("head_dim {} x {} heads is not hidden_size {}; DeciLM takes head_dim = hidden_size / heads",
                       a.head_dim, heads, a.hidden_size));
  }
  nlohmann::json blocks = nlohmann::json::array();
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const LlamaLayer& l = a.layers[i];
    nlohmann::json attention{{"no_op", l.skips_attention()}, {"replace_with_linear", false}};
    if (!l.skips_attention()) attention["n_heads_in_group"] = l.heads / l.kv_heads;
    nlohmann::json ffn{{"no_op", l.skips_ffn()}, {"replace_with_linear", false}};
    if (!l.skips_ffn()) {
      const auto mult = decilm_ffn_mult(l.intermediate, a.hidden_size);
      if (!mult) {
        refuse(
            fmt::format("layer {}: no DeciLM ffn_mult gives intermediate size {} at hidden_size {} (widths are "
                        "multiples of 256)",
                        i, l.intermediate, a.hidden_size));
      }
      ffn["ffn_mult"] = *mult;
    }
    blocks.push_back({{"attention", attention}, {"ffn", ffn}});
  }
  config["architectures"] = {"DeciLMForCausalLM"};
  config["model_type"] = "nemotron-nas";
  // The model code ships with Nemotron-NAS checkpoints (configuration_decilm.py,
  // modeling_decilm.py): copy them beside config.json, load with trust_remote_code.
  config["auto_map"] = {{"AutoConfig", "configuration_decilm.DeciLMConfig"},
                        {"AutoModelForCausalLM", "modeling_decilm.DeciLMForCausalLM"}};
  config["num_attention_heads"] = heads;
  config["block_configs"] = blocks;
  return config;
}

}  // namespace zerolm
