#include "search_spaces/llama/llama.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "engine/core/error.hpp"
#include "search_spaces/json_fields.hpp"

namespace zerolm {

namespace {

using L = LlamaLimits;

// Genes: eight globals, then (heads, kv_heads, intermediate) per layer.
constexpr std::size_t kGlobalGenes = 8;
constexpr std::size_t kLayerGenes = 3;

std::vector<bool> bool_list(const nlohmann::json& c, const char* key) {
  ZEROLM_CHECK(c[key].is_array() && !c[key].empty(), "field 'choices.{}': expected a list such as [false, true]", key);
  std::vector<bool> out;
  for (const auto& b : c[key]) {
    ZEROLM_CHECK(b.is_boolean(), "field 'choices.{}': value {} is not true|false", key, b.dump());
    if (std::find(out.begin(), out.end(), b.get<bool>()) == out.end()) out.push_back(b.get<bool>());
  }
  return out;
}

std::vector<double> positive_numbers(const nlohmann::json& c, const char* key, double max) {
  ZEROLM_CHECK(c[key].is_array() && !c[key].empty(), "field 'choices.{}': expected a non-empty list of numbers", key);
  std::vector<double> out;
  for (std::size_t i = 0; i < c[key].size(); ++i) {
    const auto& v = c[key][i];
    ZEROLM_CHECK(v.is_number() && v.get<double>() > 0 && v.get<double>() <= max,
                 "field 'choices.{}[{}]': value {} is not a number in (0, {}]", key, i, v.dump(), max);
    out.push_back(v.get<double>());
  }
  return out;
}

std::vector<int> bounded_list(const nlohmann::json& c, const char* key, int max) {
  auto values = json_fields::positive_list(c, key);
  for (std::size_t i = 0; i < values.size(); ++i) {
    ZEROLM_CHECK(values[i] <= max, "field 'choices.{}[{}]': value {} exceeds {}", key, i, values[i], max);
  }
  return values;
}

std::unique_ptr<SearchSpace> make_llama_space(const SpaceOptions& options) {
  LlamaChoices choices;
  const auto& c = options.choices;
  if (c.contains("hidden_size")) choices.hidden_sizes = bounded_list(c, "hidden_size", L::kMaxHidden);
  if (c.contains("num_hidden_layers")) choices.layer_counts = bounded_list(c, "num_hidden_layers", L::kMaxLayers);
  if (c.contains("vocab_size")) {
    choices.vocab_sizes.clear();
    for (int v : bounded_list(c, "vocab_size", static_cast<int>(L::kMaxVocabulary))) choices.vocab_sizes.push_back(v);
  }
  if (c.contains("tie_word_embeddings")) choices.tie = bool_list(c, "tie_word_embeddings");
  if (c.contains("head_dim")) {
    choices.head_dims = bounded_list(c, "head_dim", L::kMaxHeadDim);
    for (std::size_t i = 0; i < choices.head_dims.size(); ++i) {
      ZEROLM_CHECK(choices.head_dims[i] % 2 == 0, "field 'choices.head_dim[{}]': value {} is odd (rotary needs pairs)",
                   i, choices.head_dims[i]);
    }
  }
  if (c.contains("attention_bias")) choices.attention_bias = bool_list(c, "attention_bias");
  if (c.contains("mlp_bias")) choices.mlp_bias = bool_list(c, "mlp_bias");
  if (c.contains("initializer_range")) choices.initializer_ranges = positive_numbers(c, "initializer_range", 1.0);
  if (c.contains("num_attention_heads")) choices.heads = bounded_list(c, "num_attention_heads", L::kMaxHeads);
  if (c.contains("num_key_value_heads")) choices.kv_heads = bounded_list(c, "num_key_value_heads", L::kMaxHeads);
  if (c.contains("intermediate_size")) {
    ZEROLM_CHECK(!c.contains("intermediate_ratio"),
                 "field 'choices.intermediate_size': give intermediate_size or intermediate_ratio, not both");
    choices.intermediate_sizes = bounded_list(c, "intermediate_size", L::kMaxIntermediate);
  }
  if (c.contains("intermediate_ratio")) choices.intermediate_ratios = positive_numbers(c, "intermediate_ratio", 64.0);
  if (c.contains("skip_attention")) choices.skip_attention = bool_list(c, "skip_attention");
  if (c.contains("skip_ffn")) choices.skip_ffn = bool_list(c, "skip_ffn");
  return std::make_unique<LlamaSpace>(std::move(choices));
}

bool is_model_type(const nlohmann::json& document, const char* type) {
  return document.is_object() && document.contains("model_type") && document["model_type"] == type;
}

}  // namespace

SpaceDescriptor llama_space_descriptor() {
  SpaceDescriptor d{"llama",
                    "LLaMA-style decoders (Hugging Face LlamaForCausalLM): per-layer query and KV heads (GQA), "
                    "SwiGLU widths, skipped attention or FFN blocks",
                    {{"hf",
                      "Hugging Face LlamaForCausalLM (DeciLM/Nemotron-NAS blocks where layers differ): "
                      "RMSNorm, rotary positions, GQA, SwiGLU, LM head tied or not"}},
                    {{"hidden_size", "model widths"},
                     {"num_hidden_layers", "layer counts"},
                     {"vocab_size", "vocabulary sizes"},
                     {"tie_word_embeddings", "LM head tied to the embedding: [false, true]"},
                     {"head_dim", "attention head widths (even)"},
                     {"attention_bias", "biases in q/k/v/o: [false, true]"},
                     {"mlp_bias", "biases in gate/up/down: [false, true]"},
                     {"initializer_range", "std of the initial weights"},
                     {"num_attention_heads", "query heads per layer (heads x head_dim <= hidden_size)"},
                     {"num_key_value_heads", "KV heads per layer (dividing the query heads)"},
                     {"intermediate_size", "SwiGLU widths per layer (replaces intermediate_ratio)"},
                     {"intermediate_ratio", "SwiGLU width as a multiple of hidden_size, rounded up to 256"},
                     {"skip_attention", "a layer's attention block may be skipped: [false, true]"},
                     {"skip_ffn", "a layer's FFN block may be skipped: [false, true]"}},
                    make_llama_space,
                    {{"hf",
                      "Hugging Face config.json per architecture: LlamaConfig (equal layers) or DeciLM/Nemotron-NAS "
                      "block_configs (per-layer, needs that model code); refused where neither builds it",
                      "config.json",
                      [](const SearchSpace& space, const Architecture& architecture, std::size_t) {
                        return llama_to_hf_config(dynamic_cast<const LlamaSpace&>(space), architecture);
                      },
                      false, "zerolm.json"}},
                    {},
                    ""};  // not in the benches: its default networks hold about a billion weights each
  const auto read = [](const SearchSpace& space, const nlohmann::json& document) {
    return dynamic_cast<const LlamaSpace&>(space).encode(llama_from_hf_config(document));
  };
  d.documents = {{"hf-llama", "Hugging Face config.json of model_type llama (LlamaForCausalLM)", "hf",
                  [](const nlohmann::json& document) { return is_model_type(document, "llama"); }, read},
                 {"hf-nemotron-nas",
                  "Hugging Face config.json of model_type nemotron-nas (DeciLMForCausalLM, per-layer block_configs)",
                  "hf", [](const nlohmann::json& document) { return is_model_type(document, "nemotron-nas"); }, read}};
  d.pytorch_module = llama_pytorch_module();
  return d;
}

LlamaSpace::LlamaSpace(LlamaChoices choices) : choices_(std::move(choices)) {
  const auto& c = choices_;
  ZEROLM_CHECK(!c.hidden_sizes.empty() && !c.layer_counts.empty() && !c.vocab_sizes.empty() && !c.tie.empty() &&
                   !c.head_dims.empty() && !c.attention_bias.empty() && !c.mlp_bias.empty() &&
                   !c.initializer_ranges.empty() && !c.skip_attention.empty() && !c.skip_ffn.empty(),
               "llama choices: every list must hold at least one value");
  // Every global configuration must offer its layers something.
  for (int h : c.hidden_sizes) {
    for (int d : c.head_dims) {
      const bool attends = std::find(c.skip_attention.begin(), c.skip_attention.end(), false) != c.skip_attention.end();
      if (!attends) continue;
      const auto options = attention_options(h, d);
      ZEROLM_CHECK(std::any_of(options.begin(), options.end(), [](const auto& o) { return o.first > 0; }),
                   "field 'choices.num_attention_heads': no query head count fits hidden_size {} with head_dim {} "
                   "(heads x head_dim must not exceed hidden_size, and a KV head count must divide it)",
                   h, d);
    }
    for (int width : ffn_options(h)) {
      ZEROLM_CHECK(width <= L::kMaxIntermediate,
                   "field 'choices.intermediate_ratio': width {} at hidden_size {} exceeds {}", width, h,
                   L::kMaxIntermediate);
    }
  }
}

std::vector<std::pair<int, int>> LlamaSpace::attention_options(int hidden_size, int head_dim) const {
  std::vector<std::pair<int, int>> out;
  const auto& c = choices_;
  if (std::find(c.skip_attention.begin(), c.skip_attention.end(), true) != c.skip_attention.end())
    out.push_back({0, 0});
  if (std::find(c.skip_attention.begin(), c.skip_attention.end(), false) == c.skip_attention.end()) return out;
  for (int heads : c.heads) {
    if (static_cast<std::int64_t>(heads) * head_dim > hidden_size) continue;
    for (int kv : c.kv_heads) {
      if (kv <= heads && heads % kv == 0) out.push_back({heads, kv});
    }
  }
  return out;
}

std::vector<int> LlamaSpace::ffn_options(int hidden_size) const {
  std::vector<int> out;
  const auto& c = choices_;
  if (std::find(c.skip_ffn.begin(), c.skip_ffn.end(), true) != c.skip_ffn.end()) out.push_back(0);
  if (std::find(c.skip_ffn.begin(), c.skip_ffn.end(), false) == c.skip_ffn.end()) return out;
  std::vector<int> widths = c.intermediate_sizes;
  if (widths.empty()) {
    for (double ratio : c.intermediate_ratios) {
      const double units = std::ceil(ratio * hidden_size / 256.0);
      widths.push_back(static_cast<int>(std::min(units * 256.0, 2.0 * L::kMaxIntermediate)));
    }
  }
  for (int w : widths) {
    if (std::find(out.begin(), out.end(), w) == out.end()) out.push_back(w);
  }
  return out;
}

std::vector<LlamaLayer> LlamaSpace::layer_options(int hidden_size, int head_dim) const {
  std::vector<LlamaLayer> out;
  for (const auto& [heads, kv] : attention_options(hidden_size, head_dim)) {
    for (int width : ffn_options(hidden_size)) out.push_back({heads, kv, width});
  }
  return out;
}

std::vector<LlamaArchitecture> LlamaSpace::global_configurations() const {
  std::vector<LlamaArchitecture> out;
  const auto& c = choices_;
  for (int h : c.hidden_sizes)
    for (int n : c.layer_counts)
      for (auto v : c.vocab_sizes)
        for (bool tie : c.tie)
          for (int d : c.head_dims)
            for (bool ab : c.attention_bias)
              for (bool mb : c.mlp_bias)
                for (double init : c.initializer_ranges) {
                  LlamaArchitecture a{h, v, tie, d, ab, mb, init, {}};
                  a.layers.resize(static_cast<std::size_t>(n));
                  out.push_back(std::move(a));
                }
  return out;
}

std::vector<Dimension> LlamaSpace::dimensions() const {
  const auto& c = choices_;
  auto texts = [](const auto& values) {
    std::vector<std::string> out;
    for (auto v : values) {
      if constexpr (std::is_same_v<std::decay_t<decltype(v)>, bool>) {
        out.push_back(v ? "true" : "false");
      } else {
        out.push_back(fmt::format("{}", v));
      }
    }
    return out;
  };
  std::vector<Dimension> dims{
      {"hidden_size", texts(c.hidden_sizes), "model width h"},
      {"num_hidden_layers", texts(c.layer_counts), "decoder layers"},
      {"vocab_size", texts(c.vocab_sizes), "vocabulary V"},
      {"tie_word_embeddings", texts(c.tie), "LM head tied to the embedding"},
      {"head_dim", texts(c.head_dims), "attention head width d"},
      {"attention_bias", texts(c.attention_bias), "biases in q/k/v/o"},
      {"mlp_bias", texts(c.mlp_bias), "biases in gate/up/down"},
      {"initializer_range", texts(c.initializer_ranges), "std of the initial weights"},
      {"skip_attention[]", texts(c.skip_attention), "attention block skipped (no parameters), per layer"},
      {"num_attention_heads[]", texts(c.heads), "query heads per layer, where heads x head_dim <= hidden_size"},
      {"num_key_value_heads[]", texts(c.kv_heads), "KV heads per layer, dividing the query heads"},
      {"skip_ffn[]", texts(c.skip_ffn), "FFN block skipped (no parameters), per layer"},
  };
  if (c.intermediate_sizes.empty()) {
    dims.push_back({"intermediate_ratio[]", texts(c.intermediate_ratios),
                    "SwiGLU width = ratio x hidden_size rounded up to 256, per layer"});
  } else {
    dims.push_back({"intermediate_size[]", texts(c.intermediate_sizes), "SwiGLU width, per layer"});
  }
  return dims;
}

Architecture LlamaSpace::encode(const LlamaArchitecture& a) const {
  ZEROLM_CHECK(a.hidden_size >= 1 && a.hidden_size <= L::kMaxHidden, "field 'hidden_size': value {} is not in 1..{}",
               a.hidden_size, L::kMaxHidden);
  ZEROLM_CHECK(a.vocab_size >= 1 && a.vocab_size <= L::kMaxVocabulary, "field 'vocab_size': value {} is not in 1..{}",
               a.vocab_size, L::kMaxVocabulary);
  ZEROLM_CHECK(a.head_dim >= 2 && a.head_dim <= L::kMaxHeadDim && a.head_dim % 2 == 0,
               "field 'head_dim': value {} is not an even width in 2..{}", a.head_dim, L::kMaxHeadDim);
  ZEROLM_CHECK(std::isfinite(a.initializer_range) && a.initializer_range > 0 && a.initializer_range <= 1,
               "field 'initializer_range': value {} is not in (0, 1]", a.initializer_range);
  const std::size_t n = a.layers.size();
  ZEROLM_CHECK(n >= 1 && n <= static_cast<std::size_t>(L::kMaxLayers),
               "field 'num_hidden_layers': value {} is not in 1..{}", n, L::kMaxLayers);
  std::vector<std::int64_t> g{a.hidden_size,
                              a.vocab_size,
                              a.tie_word_embeddings ? 1 : 0,
                              a.head_dim,
                              a.attention_bias ? 1 : 0,
                              a.mlp_bias ? 1 : 0,
                              std::bit_cast<std::int64_t>(a.initializer_range),
                              static_cast<std::int64_t>(n)};
  g.reserve(kGlobalGenes + kLayerGenes * n);
  for (std::size_t i = 0; i < n; ++i) {
    const LlamaLayer& l = a.layers[i];
    if (l.heads == 0) {
      ZEROLM_CHECK(l.kv_heads == 0, "field 'num_key_value_heads[{}]': value {} for a skipped attention (0 heads)", i,
                   l.kv_heads);
    } else {
      ZEROLM_CHECK(l.heads >= 1 && l.heads <= L::kMaxHeads,
                   "field 'num_attention_heads[{}]': value {} is not in 0..{} (0: attention skipped)", i, l.heads,
                   L::kMaxHeads);
      ZEROLM_CHECK(l.kv_heads >= 1 && l.kv_heads <= l.heads && l.heads % l.kv_heads == 0,
                   "field 'num_key_value_heads[{}]': value {} does not divide num_attention_heads {}", i, l.kv_heads,
                   l.heads);
    }
    ZEROLM_CHECK(l.intermediate >= 0 && l.intermediate <= L::kMaxIntermediate,
                 "field 'intermediate_size[{}]': value {} is not in 0..{} (0: FFN skipped)", i, l.intermediate,
                 L::kMaxIntermediate);
    g.insert(g.end(), {l.heads, l.kv_heads, l.intermediate});
  }
  return Architecture(name(), std::move(g));
}

LlamaArchitecture LlamaSpace::decode(const Architecture& architecture) const {
  check_space(architecture);
  const auto& g = architecture.genes();
  ZEROLM_ASSERT(g.size() >= kGlobalGenes && g.size() == kGlobalGenes + kLayerGenes * static_cast<std::size_t>(g[7]),
                "llama genes of length {}", g.size());
  LlamaArchitecture a;
  a.hidden_size = static_cast<int>(g[0]);
  a.vocab_size = g[1];
  a.tie_word_embeddings = g[2] != 0;
  a.head_dim = static_cast<int>(g[3]);
  a.attention_bias = g[4] != 0;
  a.mlp_bias = g[5] != 0;
  a.initializer_range = std::bit_cast<double>(g[6]);
  for (std::size_t i = 0; i < static_cast<std::size_t>(g[7]); ++i) {
    const std::size_t at = kGlobalGenes + kLayerGenes * i;
    a.layers.push_back({static_cast<int>(g[at]), static_cast<int>(g[at + 1]), static_cast<int>(g[at + 2])});
  }
  return a;
}

Architecture LlamaSpace::sample(CounterRng& rng) const {
  auto pick = [&rng](const auto& values) { return values[rng.below(values.size())]; };
  const auto& c = choices_;
  LlamaArchitecture a{
      pick(c.hidden_sizes), pick(c.vocab_sizes),        pick(c.tie), pick(c.head_dims), pick(c.attention_bias),
      pick(c.mlp_bias),     pick(c.initializer_ranges), {}};
  const int n = pick(c.layer_counts);
  const auto attention = attention_options(a.hidden_size, a.head_dim);
  const auto ffn = ffn_options(a.hidden_size);
  // Each dimension uniform: skip or not, then heads, then KV heads among the divisors.
  std::vector<int> heads;
  for (const auto& [h, kv] : attention) {
    if (h > 0 && std::find(heads.begin(), heads.end(), h) == heads.end()) heads.push_back(h);
  }
  std::vector<int> widths;
  for (int w : ffn) {
    if (w > 0) widths.push_back(w);
  }
  for (int i = 0; i < n; ++i) {
    LlamaLayer l;
    if (!pick(c.skip_attention)) {
      l.heads = pick(heads);
      std::vector<int> kvs;
      for (const auto& [h, kv] : attention) {
        if (h == l.heads) kvs.push_back(kv);
      }
      l.kv_heads = pick(kvs);
    }
    if (!pick(c.skip_ffn)) l.intermediate = pick(widths);
    a.layers.push_back(l);
  }
  return encode(a);
}

Architecture LlamaSpace::mutate(const Architecture& parent, CounterRng& rng) const {
  auto pick = [&rng](const auto& values) { return values[rng.below(values.size())]; };
  const auto& c = choices_;
  const LlamaArchitecture original = decode(parent);
  // A layer drawn afresh from the options of `a`'s globals.
  auto fresh_layer = [&](const LlamaArchitecture& a) { return pick(layer_options(a.hidden_size, a.head_dim)); };
  for (int attempt = 0; attempt < 64; ++attempt) {
    LlamaArchitecture a = original;
    const auto i = static_cast<std::size_t>(rng.below(a.layers.size()));
    switch (rng.below(10)) {
      case 0:
      case 1: {  // width or head width: layers the new globals cannot hold are re-drawn
        if (rng.below(2) == 0) {
          a.hidden_size = pick(c.hidden_sizes);
        } else {
          a.head_dim = pick(c.head_dims);
        }
        const auto options = layer_options(a.hidden_size, a.head_dim);
        const auto old_ffn = ffn_options(original.hidden_size), new_ffn = ffn_options(a.hidden_size);
        for (auto& l : a.layers) {
          // A ratio-derived width keeps its ratio.
          const auto at = std::find(old_ffn.begin(), old_ffn.end(), l.intermediate);
          if (at != old_ffn.end() && old_ffn.size() == new_ffn.size()) l.intermediate = new_ffn[at - old_ffn.begin()];
          if (std::find(options.begin(), options.end(), l) == options.end()) l = pick(options);
        }
        break;
      }
      case 2: {  // layer count: layers added or dropped at random places
        const auto n = static_cast<std::size_t>(pick(c.layer_counts));
        while (a.layers.size() > n)
          a.layers.erase(a.layers.begin() + static_cast<std::ptrdiff_t>(rng.below(a.layers.size())));
        while (a.layers.size() < n) {
          a.layers.insert(a.layers.begin() + static_cast<std::ptrdiff_t>(rng.below(a.layers.size() + 1)),
                          fresh_layer(a));
        }
        break;
      }
      case 3:
        if (rng.below(2) == 0) {
          a.vocab_size = pick(c.vocab_sizes);
        } else {
          a.tie_word_embeddings = pick(c.tie);
        }
        break;
      case 4:
        switch (rng.below(3)) {
          case 0: a.attention_bias = pick(c.attention_bias); break;
          case 1: a.mlp_bias = pick(c.mlp_bias); break;
          default: a.initializer_range = pick(c.initializer_ranges); break;
        }
        break;
      case 5:
      case 6: {  // a layer's attention block
        const auto attention = attention_options(a.hidden_size, a.head_dim);
        const auto [heads, kv] = pick(attention);
        a.layers[i].heads = heads;
        a.layers[i].kv_heads = kv;
        break;
      }
      default: {  // a layer's FFN block
        a.layers[i].intermediate = pick(ffn_options(a.hidden_size));
        break;
      }
    }
    if (a == original) continue;
    return encode(a);
  }
  return parent;
}

std::optional<std::uint64_t> LlamaSpace::size() const {
  std::uint64_t total = 0;
  for (const auto& g : global_configurations()) {
    const auto options = static_cast<std::uint64_t>(layer_options(g.hidden_size, g.head_dim).size());
    std::uint64_t count = 1;
    for (std::size_t l = 0; l < g.layers.size(); ++l) {
      if (__builtin_mul_overflow(count, options, &count)) return std::nullopt;
    }
    if (__builtin_add_overflow(total, count, &total)) return std::nullopt;
  }
  return total;
}

void LlamaSpace::enumerate(const std::function<void(const Architecture&)>& visit) const {
  ZEROLM_CHECK(size().has_value(), "search space 'llama': more than 2^64 architectures, too many to enumerate");
  enumerate_families(layered_families(), visit);
}

std::vector<LayeredFamily> LlamaSpace::layered_families() const {
  std::vector<LayeredFamily> families;
  for (const auto& g : global_configurations()) {
    const Architecture one = encode(g);  // its layers all skipped: only the globals' genes matter
    LayeredFamily family;
    family.prefix.assign(one.genes().begin(), one.genes().begin() + kGlobalGenes);
    family.layers = static_cast<std::int32_t>(g.layers.size());
    for (const LlamaLayer& l : layer_options(g.hidden_size, g.head_dim)) {
      family.options.push_back({l.heads, l.kv_heads, l.intermediate});
    }
    families.push_back(std::move(family));
  }
  return families;
}

nlohmann::json LlamaSpace::to_json(const Architecture& architecture) const {
  const LlamaArchitecture a = decode(architecture);
  std::vector<int> heads, kv, inner;
  for (const auto& l : a.layers) {
    heads.push_back(l.heads);
    kv.push_back(l.kv_heads);
    inner.push_back(l.intermediate);
  }
  return {{"hidden_size", a.hidden_size}, {"num_hidden_layers", a.layers.size()},
          {"vocab_size", a.vocab_size},   {"tie_word_embeddings", a.tie_word_embeddings},
          {"head_dim", a.head_dim},       {"attention_bias", a.attention_bias},
          {"mlp_bias", a.mlp_bias},       {"initializer_range", a.initializer_range},
          {"num_attention_heads", heads}, {"num_key_value_heads", kv},
          {"intermediate_size", inner}};
}

Architecture LlamaSpace::from_json(const nlohmann::json& v) const {
  ZEROLM_CHECK(v.is_object(), "a llama architecture must be a JSON object, got {}", v.type_name());
  static constexpr const char* kKeys[] = {
      "hidden_size",      "num_hidden_layers", "vocab_size",        "tie_word_embeddings", "head_dim",
      "attention_bias",   "mlp_bias",          "initializer_range", "num_attention_heads", "num_key_value_heads",
      "intermediate_size"};
  for (const auto& item : v.items()) {
    const std::string& key = item.key();  // a named variable: clang 14 cannot capture a structured binding
    ZEROLM_CHECK(std::any_of(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return key == k; }),
                 "field '{}' is not a llama field (expected hidden_size, num_hidden_layers, vocab_size, "
                 "tie_word_embeddings, head_dim, attention_bias, mlp_bias, initializer_range, num_attention_heads, "
                 "num_key_value_heads, intermediate_size)",
                 key);
  }
  LlamaArchitecture a;
  const std::int64_t n = json_fields::integer(v, "num_hidden_layers", "");
  ZEROLM_CHECK(n >= 1 && n <= L::kMaxLayers, "field 'num_hidden_layers': value {} is not in 1..{}", n, L::kMaxLayers);
  const std::int64_t hidden = json_fields::integer(v, "hidden_size", "");
  ZEROLM_CHECK(hidden >= 1 && hidden <= L::kMaxHidden, "field 'hidden_size': value {} is not in 1..{}", hidden,
               L::kMaxHidden);
  a.hidden_size = static_cast<int>(hidden);
  a.vocab_size = json_fields::integer(v, "vocab_size", "");
  const std::int64_t head_dim = json_fields::integer(v, "head_dim", "");
  ZEROLM_CHECK(head_dim >= 2 && head_dim <= L::kMaxHeadDim, "field 'head_dim': value {} is not in 2..{}", head_dim,
               L::kMaxHeadDim);
  a.head_dim = static_cast<int>(head_dim);
  a.tie_word_embeddings = json_fields::boolean(v, "tie_word_embeddings", false);
  a.attention_bias = json_fields::boolean(v, "attention_bias", false);
  a.mlp_bias = json_fields::boolean(v, "mlp_bias", false);
  if (v.contains("initializer_range")) {
    ZEROLM_CHECK(v["initializer_range"].is_number(), "field 'initializer_range': value {} is not a number",
                 v["initializer_range"].dump());
    a.initializer_range = v["initializer_range"].get<double>();
  }
  // Per layer: a list of num_hidden_layers entries, or one value for every layer.
  auto per_layer = [&](const char* key, std::int64_t low, std::int64_t high) {
    std::vector<std::int64_t> values;
    if (v.contains(key) && v[key].is_array()) {
      values = json_fields::integer_list(v, key, "");
      ZEROLM_CHECK(values.size() == static_cast<std::size_t>(n), "field '{}': {} entries for num_hidden_layers {}", key,
                   values.size(), n);
    } else {
      values.assign(static_cast<std::size_t>(n), json_fields::integer(v, key, ""));
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
      ZEROLM_CHECK(values[i] >= low && values[i] <= high, "field '{}[{}]': value {} is not in {}..{}", key, i,
                   values[i], low, high);
    }
    return values;
  };
  const auto heads = per_layer("num_attention_heads", 0, L::kMaxHeads);
  const auto kv = per_layer("num_key_value_heads", 0, L::kMaxHeads);
  const auto inner = per_layer("intermediate_size", 0, L::kMaxIntermediate);
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    a.layers.push_back({static_cast<int>(heads[i]), static_cast<int>(kv[i]), static_cast<int>(inner[i])});
  }
  return encode(a);
}

Architecture LlamaSpace::from_record(const nlohmann::json& record) const {
  return encode(llama_from_hf_config(record));
}

namespace {
constexpr std::string_view kEmbedTokens = "model.embed_tokens.weight";
}  // namespace

void LlamaSpace::lower(const Architecture& architecture, ModelSpec& out) const {
  check_space(architecture);
  const auto& g = architecture.genes();
  out.clear();
  out.layer_prefix = "model.layers";
  out.architecture_hash = architecture.hash();
  const std::int64_t h = g[0], V = g[1], d = g[3];
  const bool tie = g[2] != 0, attention_bias = g[4] != 0, mlp_bias = g[5] != 0;
  const Init w = Init::normal(std::bit_cast<double>(g[6]));
  const Init zero = Init::zeros(), one = Init::ones();
  const auto n = static_cast<std::int32_t>(g[7]);
  out.num_layers = n;
  out.add_matrix(kEmbedTokens, Role::embedding, -1, V, h, w);
  for (std::int32_t i = 0; i < n; ++i) {
    const std::size_t at = kGlobalGenes + kLayerGenes * static_cast<std::size_t>(i);
    const std::int64_t heads = g[at], kv = g[at + 1], F = g[at + 2];
    if (heads > 0) {  // DeciLM's no_op leaves nothing, not even the norm
      out.add_vector("input_layernorm.weight", Role::norm, i, h, one);
      out.add_matrix("self_attn.q_proj.weight", Role::attention, i, h, heads * d, w);
      if (attention_bias) out.add_vector("self_attn.q_proj.bias", Role::attention, i, heads * d, zero);
      out.add_matrix("self_attn.k_proj.weight", Role::attention, i, h, kv * d, w);
      if (attention_bias) out.add_vector("self_attn.k_proj.bias", Role::attention, i, kv * d, zero);
      out.add_matrix("self_attn.v_proj.weight", Role::attention, i, h, kv * d, w);
      if (attention_bias) out.add_vector("self_attn.v_proj.bias", Role::attention, i, kv * d, zero);
      out.add_matrix("self_attn.o_proj.weight", Role::attention, i, heads * d, h, w);
      if (attention_bias) out.add_vector("self_attn.o_proj.bias", Role::attention, i, h, zero);
      out.attention_score_width += static_cast<double>(heads * d);
      out.kv_cache_width += static_cast<double>(2 * kv * d);
      // KV heads change the work (the K/V projections show them), query heads change the width.
    }
    if (F > 0) {
      out.add_vector("post_attention_layernorm.weight", Role::norm, i, h, one);
      out.add_matrix("mlp.gate_proj.weight", Role::ffn, i, h, F, w);
      if (mlp_bias) out.add_vector("mlp.gate_proj.bias", Role::ffn, i, F, zero);
      out.add_matrix("mlp.up_proj.weight", Role::ffn, i, h, F, w);
      if (mlp_bias) out.add_vector("mlp.up_proj.bias", Role::ffn, i, F, zero);
      out.add_matrix("mlp.down_proj.weight", Role::ffn, i, F, h, w);
      if (mlp_bias) out.add_vector("mlp.down_proj.bias", Role::ffn, i, h, zero);
    }
  }
  out.add_vector("model.norm.weight", Role::norm, -1, h, one);
  if (!tie) out.add_matrix("lm_head.weight", Role::embedding, -1, h, V, w);
}

std::string LlamaSpace::summary(const Architecture& architecture) const {
  // "h2048 d64 V32000 untied | 22x q32/kv4 f5632": runs of equal layers, '-' skipped.
  const LlamaArchitecture a = decode(architecture);
  std::string text =
      fmt::format("h{} d{} V{} {}", a.hidden_size, a.head_dim, a.vocab_size, a.tie_word_embeddings ? "tied" : "untied");
  for (std::size_t i = 0; i < a.layers.size();) {
    std::size_t j = i;
    while (j < a.layers.size() && a.layers[j] == a.layers[i]) ++j;
    const LlamaLayer& l = a.layers[i];
    const std::string attention = l.heads == 0 ? "q-" : fmt::format("q{}/kv{}", l.heads, l.kv_heads);
    const std::string ffn = l.intermediate == 0 ? "f-" : fmt::format("f{}", l.intermediate);
    text += fmt::format(" | {}x {} {}", j - i, attention, ffn);
    i = j;
  }
  return text;
}

}  // namespace zerolm
