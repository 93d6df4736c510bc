// The gpt2 space's record readers: the published benchmarks' records as
// architectures of this space, apart from the genome code (gpt2.cpp). An LTS
// (archai) record carries archai's model config (`config`: HfGPT2Flex or
// MemTransformerLM fields, read with archai's semantics); an HW-GPT-Bench record
// carries embed_dim, n_layer, per-layer n_head and mlp_ratio.
#include <fmt/format.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <vector>

#include "engine/core/error.hpp"
#include "search_spaces/gpt2/gpt2.hpp"
#include "search_spaces/gpt2/gpt2_protocols.hpp"
#include "search_spaces/json_fields.hpp"

namespace zerolm {

Architecture Gpt2Space::from_record(const nlohmann::json& record) const {
  ZEROLM_CHECK(record.is_object(), "a gpt2 record must be an object, got {}", record.type_name());
  Gpt2Architecture a;
  if (record.contains("config")) {  // LiteTransformerSearch (archai) record
    a = from_archai_config(record["config"]);
  } else if (record.contains("embed_dim")) {  // HW-GPT-Bench record
    a.d_model = json_fields::small_integer(record, "embed_dim", "");
    const std::int64_t n = json_fields::integer(record, "n_layer", "");
    ZEROLM_CHECK(n >= 1 && n <= 4096, "field 'n_layer': value {} is not in 1..4096", n);
    const auto heads = json_fields::integer_list(record, "n_head", "");
    const auto ratios = json_fields::integer_list(record, "mlp_ratio", "");
    ZEROLM_CHECK(heads.size() == static_cast<std::size_t>(n), "field 'n_head': {} entries for n_layer {}", heads.size(),
                 n);
    ZEROLM_CHECK(ratios.size() == static_cast<std::size_t>(n), "field 'mlp_ratio': {} entries for n_layer {}",
                 ratios.size(), n);
    for (std::size_t i = 0; i < heads.size(); ++i) {
      const std::int64_t width = json_fields::narrow(ratios[i], fmt::format("mlp_ratio[{}]", i)) *
                                 std::int64_t{a.d_model};  // both below 2^24: no overflow
      a.layers.push_back({json_fields::narrow(heads[i], fmt::format("n_head[{}]", i)),
                          json_fields::narrow(width, fmt::format("mlp_ratio[{}] * embed_dim", i))});
    }
    a.bias = json_fields::boolean(record, "bias", true);
    a.adaptive = false;
    a.vocab_size = choices_.adaptive ? Gpt2Choices::for_protocol(Gpt2Protocol::hwgpt).vocab_size : choices_.vocab_size;
  } else {
    ZEROLM_FAIL("record is neither an LTS record (field 'config') nor an HW-GPT-Bench record (field 'embed_dim')");
  }
  return encode(a);
}

namespace {
// archai's map_to_list for a per-layer field: a scalar means every layer; a list
// longer than n_layer is cut (a shorter one is refused: archai would repeat its
// first entry, which no LTS config relies on and which hides a truncated file).
std::vector<std::int64_t> per_layer_values(const nlohmann::json& c, const char* key, std::int64_t n_layer) {
  ZEROLM_CHECK(c.contains(key), "field 'config.{}' is missing", key);
  if (!c[key].is_array()) {
    return std::vector<std::int64_t>(static_cast<std::size_t>(n_layer),
                                     json_fields::integer_value(c[key], fmt::format("config.{}", key)));
  }
  auto values = json_fields::integer_list(c, key, "config.");
  ZEROLM_CHECK(values.size() >= static_cast<std::size_t>(n_layer), "field 'config.{}': {} entries for n_layer {}", key,
               values.size(), n_layer);
  values.resize(static_cast<std::size_t>(n_layer));
  return values;
}

double config_real(const nlohmann::json& c, const char* key, double fallback) {
  if (!c.contains(key) || c[key].is_null()) return fallback;
  ZEROLM_CHECK(c[key].is_number(), "field 'config.{}': value {} is not a number", key, c[key].dump());
  return c[key].get<double>();
}
}  // namespace

Gpt2Architecture Gpt2Space::from_archai_config(const nlohmann::json& c) const {
  ZEROLM_CHECK(c.is_object(), "field 'config': expected a mapping, got {}", c.type_name());
  // archai's MemTransformerLM reads more of the config than HfGPT2Flex does.
  const bool transxl = unit_->block == Gpt2BlockKind::relative;
  Gpt2Architecture a;
  const std::int64_t n = json_fields::integer(c, "n_layer", "config.");
  ZEROLM_CHECK(n >= 1 && n <= 4096, "field 'config.n_layer': value {} is not in 1..4096", n);
  a.d_model = json_fields::small_integer(c, "d_model", "config.");
  ZEROLM_CHECK(a.d_model >= 1, "field 'config.d_model': value {} must be positive", a.d_model);
  const auto heads = per_layer_values(c, "n_head", n);
  const auto inner = per_layer_values(c, "d_inner", n);
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    a.layers.push_back({json_fields::narrow(heads[i], fmt::format("n_head[{}]", i)),
                        json_fields::narrow(inner[i], fmt::format("d_inner[{}]", i))});
  }
  // d_head <= 0 means d_model / n_head per layer. HfGPT2Flex ignores d_head (its heads
  // always split d_model); MemTransformerLM takes a positive one, which this space
  // can hold only where it equals d_model / n_head.
  if (transxl && c.contains("d_head")) {
    const bool scalar = !c["d_head"].is_array();
    const std::int64_t first = scalar ? json_fields::integer_value(c["d_head"], "config.d_head") : 0;
    if (!scalar || first > 0) {
      const auto d_head = per_layer_values(c, "d_head", n);
      for (std::size_t i = 0; i < d_head.size(); ++i) {
        ZEROLM_CHECK(heads[i] >= 1 && d_head[i] * heads[i] == a.d_model,
                     "field 'config.d_head': value {} for layer {} is not d_model / n_head = {} / {} (a head width "
                     "other than d_model / n_head is not in this space)",
                     d_head[i], i, a.d_model, heads[i]);
      }
    }
  }
  a.bias = true;
  a.adaptive = json_fields::boolean(c, "adaptive", true);
  ZEROLM_CHECK(!unit_->adaptive_only || a.adaptive,
               "field 'config.adaptive': value false is not supported under protocol {}", unit_->name);
  if (transxl) {
    if (c.contains("attn_type")) {
      const auto attn_type = json_fields::integer(c, "attn_type", "config.");
      ZEROLM_CHECK(attn_type == 0, "field 'config.attn_type': value {} is not 0 (relative partial learnable attention)",
                   attn_type);
    }
    if (c.contains("sample_softmax")) {
      const auto sample_softmax = json_fields::integer(c, "sample_softmax", "config.");
      ZEROLM_CHECK(sample_softmax <= 0, "field 'config.sample_softmax': value {} (a sampled softmax) is not supported",
                   sample_softmax);
    }
    a.pre_lnorm = json_fields::boolean(c, "pre_lnorm", false);
  }
  if (c.contains("weight_init_type") && !c["weight_init_type"].is_null()) {
    ZEROLM_CHECK(c["weight_init_type"] == "normal", "field 'config.weight_init_type': value {} is not \"normal\"",
                 c["weight_init_type"].dump());
  }
  a.weight_init_std = config_real(c, "weight_init_std", kInitStd);
  a.proj_init_std = config_real(c, "proj_init_std", kProjectionInitStd);
  auto& e = a.adaptive_embedding;
  e.n_token = json_fields::integer(c, "n_token", "config.");
  if (a.adaptive) {
    e.d_embed = json_fields::small_integer(c, "d_embed", "config.");
    if (e.d_embed <= 0) e.d_embed = a.d_model;  // archai: d_embed -1 is d_model
    e.div_val = json_fields::small_integer(c, "div_val", "config.");
    e.tgt_len = c.contains("tgt_len") ? json_fields::small_integer(c, "tgt_len", "config.") : 192;
    e.cutoffs = AdaptiveEmbedding::clean_cutoffs(json_fields::integer_list(c, "cutoffs", "config."), e.n_token);
    e.tie_weight = json_fields::boolean(c, "tie_weight", true);
    if (c.contains("tie_projs") && !c["tie_projs"].is_null()) {
      const auto& t = c["tie_projs"];
      ZEROLM_CHECK(t.is_array(), "field 'config.tie_projs': expected a list of true|false, got {}", t.dump());
      // archai reads tie_projs[i] for every cluster i (entries beyond the clusters are unused).
      ZEROLM_CHECK(t.size() >= e.cutoffs.size(), "field 'config.tie_projs': {} entries for {} clusters", t.size(),
                   e.cutoffs.size());
      e.untied_projections = 0;
      for (std::size_t i = 0; i < e.cutoffs.size(); ++i) {
        ZEROLM_CHECK(t[i].is_boolean(), "field 'config.tie_projs[{}]': value {} is not true|false", i, t[i].dump());
        if (!t[i].get<bool>()) e.untied_projections |= 1U << i;
      }
    }
  } else {
    a.vocab_size = e.n_token;
  }
  return a;
}

}  // namespace zerolm
