#include "search_spaces/flexibert/flexibert.hpp"

#include <algorithm>

#include "engine/core/error.hpp"
#include "engine/core/parse_number.hpp"
#include "search_spaces/json_fields.hpp"

namespace zerolm {

// A depthwise convolution kernel wider than this is not an architecture anyone trains (FlexiBERT: 5, 9).
constexpr std::int64_t kMaxKernelWidth = 4096;

namespace {

bool contains(const std::vector<int>& values, int v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

int json_int(const nlohmann::json& object, const char* key, const std::string& where) {
  return json_fields::dimension(object, key, where);
}

// Names per extra FFN dense layer; lowering must not allocate.
constexpr std::string_view kExtraFfnNames[] = {"intermediate.dense_1.weight", "intermediate.dense_2.weight",
                                               "intermediate.dense_3.weight", "intermediate.dense_4.weight",
                                               "intermediate.dense_5.weight", "intermediate.dense_6.weight",
                                               "intermediate.dense_7.weight", "intermediate.dense_8.weight"};
constexpr std::string_view kExtraFfnBiasNames[] = {
    "intermediate.dense_1.bias", "intermediate.dense_2.bias", "intermediate.dense_3.bias", "intermediate.dense_4.bias",
    "intermediate.dense_5.bias", "intermediate.dense_6.bias", "intermediate.dense_7.bias", "intermediate.dense_8.bias"};
constexpr int kMaxFfnLayers = 1 + static_cast<int>(std::size(kExtraFfnNames));

}  // namespace

std::string TokenMixer::label() const {
  switch (type) {
    case MixerType::self_attention: return parameter == 0 ? "SA-SDP" : "SA-WMA";
    case MixerType::linear_transform: return parameter == 0 ? "LT-DFT" : "LT-DCT";
    case MixerType::separable_conv: return "DSC-" + std::to_string(parameter);
  }
  return "?";
}

TokenMixer TokenMixer::parse(const std::string& label) {
  if (label == "SA-SDP") return {MixerType::self_attention, 0};
  if (label == "SA-WMA") return {MixerType::self_attention, 1};
  if (label == "LT-DFT") return {MixerType::linear_transform, 0};
  if (label == "LT-DCT") return {MixerType::linear_transform, 1};
  if (label.rfind("DSC-", 0) == 0) {
    const auto k = parse_integer(std::string_view(label).substr(4), 1, kMaxKernelWidth);
    if (k) return {MixerType::separable_conv, static_cast<int>(*k)};
  }
  ZEROLM_FAIL("unknown token mixer '{}' (expected SA-SDP|SA-WMA|LT-DFT|LT-DCT|DSC-<kernel width>)", label);
}

FlexiBertProtocol parse_flexibert_protocol(const std::string& text) {
  if (text == "pytorch") return FlexiBertProtocol::pytorch;
  if (text == "trained") return FlexiBertProtocol::trained;
  ZEROLM_ASSERT(text == "paper" || text.empty(), "flexibert protocol '{}' is not in the registry's list", text);
  return FlexiBertProtocol::paper;
}

namespace {
std::unique_ptr<SearchSpace> make_flexibert_space(const SpaceOptions& options) {
  FlexiBertChoices choices;
  const auto& c = options.choices;
  if (c.contains("hidden_size")) choices.hidden_sizes = json_fields::positive_list(c, "hidden_size");
  if (c.contains("layers")) choices.layer_counts = json_fields::positive_list(c, "layers");
  if (c.contains("heads")) choices.heads = json_fields::positive_list(c, "heads");
  if (c.contains("ffn_width")) choices.ffn_widths = json_fields::positive_list(c, "ffn_width");
  if (c.contains("ffn_layers")) {
    choices.ffn_layer_counts = json_fields::positive_list(c, "ffn_layers");
    for (int n : choices.ffn_layer_counts) {
      ZEROLM_CHECK(n <= kMaxFfnLayers, "field 'choices.ffn_layers': value {} exceeds {}", n, kMaxFfnLayers);
    }
  }
  if (c.contains("token_mixer")) {
    ZEROLM_CHECK(c["token_mixer"].is_array() && !c["token_mixer"].empty(),
                 "field 'choices.token_mixer': expected a list such as [SA-SDP, DSC-5]");
    choices.mixers.clear();
    for (const auto& m : c["token_mixer"]) {
      ZEROLM_CHECK(m.is_string(), "field 'choices.token_mixer': value {} is not a mixer name", m.dump());
      choices.mixers.push_back(TokenMixer::parse(m.get<std::string>()));
    }
  }
  return std::make_unique<FlexiBertSpace>(parse_flexibert_protocol(options.protocol), std::move(choices));
}

// NAS-Bench-BERT's own record form: {"id", "model_hparam_overrides": {hidden_size, encoder_layers}}.
nlohmann::json nas_bench_bert_record(const SearchSpace& space, const Architecture& architecture, std::size_t index) {
  return {{"id", index}, {"model_hparam_overrides", space.to_json(architecture)}};
}
}  // namespace

SpaceDescriptor flexibert_space_descriptor() {
  SpaceDescriptor d{
      "flexibert",
      "FlexiBERT-style ELECTRA encoders (NAS-Bench-BERT): per layer a token mixer, heads and an FFN",
      {{"paper", "the library defaults H = 256, FFN 1024 (what the published baselines scored)"},
       {"pytorch", "the same model code with the record's own H and FFN width"},
       {"trained", "the TensorFlow network actually trained for the GLUE scores"}},
      {{"hidden_size", "encoder widths H"},
       {"layers", "layer counts"},
       {"token_mixer", "mixers: SA-SDP, SA-WMA, LT-DFT, LT-DCT, DSC-<kernel width>"},
       {"heads", "attention or convolution heads"},
       {"ffn_width", "feed-forward widths F"},
       {"ffn_layers", "dense layers per feed-forward block (up to 9)"}},
      make_flexibert_space,
      {{"nas-bench-bert", "NAS-Bench-BERT records (model_hparam_overrides), one JSON list", "", nas_bench_bert_record}},
      {},
      "trained"};
  d.pytorch_module = flexibert_pytorch_module();
  return d;
}

FlexiBertSpace::FlexiBertSpace(FlexiBertProtocol protocol, FlexiBertChoices choices)
    : protocol_(protocol), choices_(std::move(choices)) {}

std::string_view FlexiBertSpace::protocol() const {
  switch (protocol_) {
    case FlexiBertProtocol::paper: return "paper";
    case FlexiBertProtocol::pytorch: return "pytorch";
    case FlexiBertProtocol::trained: return "trained";
  }
  return "paper";
}

std::vector<Dimension> FlexiBertSpace::dimensions() const {
  std::vector<std::string> mixers;
  for (const auto& m : choices_.mixers) mixers.push_back(m.label());
  auto texts = [](const std::vector<int>& values) {
    std::vector<std::string> out;
    for (int v : values) out.push_back(std::to_string(v));
    return out;
  };
  return {
      {"hidden_size", texts(choices_.hidden_sizes), "encoder width H"},
      {"layers", texts(choices_.layer_counts), "number of encoder layers"},
      {"layers[].token_mixer", mixers, "self-attention, linear transform or separable convolution"},
      {"layers[].heads", texts(choices_.heads), "attention or convolution heads"},
      {"layers[].ffn_width", texts(choices_.ffn_widths), "feed-forward width F"},
      {"layers[].ffn_layers", texts(choices_.ffn_layer_counts), "dense layers in the feed-forward block"},
  };
}

void FlexiBertSpace::validate(const FlexiBertArchitecture& a) const {
  ZEROLM_CHECK(contains(choices_.hidden_sizes, a.hidden_size), "field 'hidden_size': value {} is not one of {}",
               a.hidden_size, json_fields::join(choices_.hidden_sizes));
  const int n = static_cast<int>(a.layers.size());
  ZEROLM_CHECK(contains(choices_.layer_counts, n), "field 'encoder_layers': {} layers is not one of {}", n,
               json_fields::join(choices_.layer_counts));
  for (int i = 0; i < n; ++i) {
    const FlexiBertLayer& l = a.layers[static_cast<std::size_t>(i)];
    ZEROLM_CHECK(std::find(choices_.mixers.begin(), choices_.mixers.end(), l.mixer) != choices_.mixers.end(),
                 "field 'encoder_layers[{}].operation': value {} is not a choice of this space", i, l.mixer.label());
    ZEROLM_CHECK(contains(choices_.heads, l.heads),
                 "field 'encoder_layers[{}].num_operation_heads': value {} is not one of {}", i, l.heads,
                 json_fields::join(choices_.heads));
    ZEROLM_CHECK(a.hidden_size % l.heads == 0,
                 "field 'encoder_layers[{}].num_operation_heads': value {} does not divide hidden_size {}", i, l.heads,
                 a.hidden_size);
    ZEROLM_CHECK(contains(choices_.ffn_widths, l.ffn_width),
                 "field 'encoder_layers[{}].feed_forward_dimension': value {} is not one of {}", i, l.ffn_width,
                 json_fields::join(choices_.ffn_widths));
    ZEROLM_CHECK(contains(choices_.ffn_layer_counts, l.ffn_layers) && l.ffn_layers <= kMaxFfnLayers,
                 "field 'encoder_layers[{}].num_feed_forward': value {} is not one of {}", i, l.ffn_layers,
                 json_fields::join(choices_.ffn_layer_counts));
  }
}

Architecture FlexiBertSpace::encode(const FlexiBertArchitecture& a) const {
  validate(a);
  std::vector<std::int64_t> genes;
  genes.reserve(2 + 5 * a.layers.size());
  genes.push_back(a.hidden_size);
  genes.push_back(static_cast<std::int64_t>(a.layers.size()));
  for (const auto& l : a.layers) {
    genes.insert(genes.end(),
                 {static_cast<std::int64_t>(l.mixer.type), l.mixer.parameter, l.heads, l.ffn_width, l.ffn_layers});
  }
  return Architecture(name(), std::move(genes));
}

FlexiBertArchitecture FlexiBertSpace::decode(const Architecture& architecture) const {
  check_space(architecture);
  const auto& g = architecture.genes();
  FlexiBertArchitecture a;
  a.hidden_size = static_cast<int>(g[0]);
  const auto n = static_cast<std::size_t>(g[1]);
  a.layers.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t* p = &g[2 + 5 * i];
    a.layers[i] = FlexiBertLayer{{static_cast<MixerType>(p[0]), static_cast<int>(p[1])},
                                 static_cast<int>(p[2]),
                                 static_cast<int>(p[3]),
                                 static_cast<int>(p[4])};
  }
  return a;
}

Architecture FlexiBertSpace::sample(CounterRng& rng) const {
  auto pick = [&rng](const auto& values) { return values[rng.below(values.size())]; };
  FlexiBertArchitecture a;
  a.hidden_size = pick(choices_.hidden_sizes);
  const int n = pick(choices_.layer_counts);
  for (int i = 0; i < n; ++i) {
    FlexiBertLayer l;
    l.mixer = pick(choices_.mixers);
    // Heads must divide H; choices that do not are skipped.
    std::vector<int> heads;
    for (int h : choices_.heads) {
      if (a.hidden_size % h == 0) heads.push_back(h);
    }
    ZEROLM_CHECK(!heads.empty(), "no head count of {} divides hidden_size {}", json_fields::join(choices_.heads),
                 a.hidden_size);
    l.heads = pick(heads);
    l.ffn_width = pick(choices_.ffn_widths);
    l.ffn_layers = pick(choices_.ffn_layer_counts);
    a.layers.push_back(l);
  }
  return encode(a);
}

Architecture FlexiBertSpace::mutate(const Architecture& parent, CounterRng& rng) const {
  auto pick = [&rng](const auto& values) { return values[rng.below(values.size())]; };
  const FlexiBertArchitecture original = decode(parent);
  for (int attempt = 0; attempt < 64; ++attempt) {
    FlexiBertArchitecture a = original;
    const auto layer = static_cast<std::size_t>(rng.below(a.layers.size()));
    auto& l = a.layers[layer];
    switch (rng.below(6)) {
      case 0: a.hidden_size = pick(choices_.hidden_sizes); break;
      case 1: {  // change the depth: add random layers or drop layers, within the choices
        const int n = pick(choices_.layer_counts);
        while (static_cast<int>(a.layers.size()) > n)
          a.layers.erase(a.layers.begin() + static_cast<std::ptrdiff_t>(rng.below(a.layers.size())));
        while (static_cast<int>(a.layers.size()) < n) {
          CounterRng fresh(rng.next(), 0);
          const FlexiBertArchitecture donor = decode(sample(fresh));
          a.layers.insert(a.layers.begin() + static_cast<std::ptrdiff_t>(rng.below(a.layers.size() + 1)),
                          donor.layers.front());
        }
        break;
      }
      case 2: l.mixer = pick(choices_.mixers); break;
      case 3: l.heads = pick(choices_.heads); break;
      case 4: l.ffn_width = pick(choices_.ffn_widths); break;
      default: l.ffn_layers = pick(choices_.ffn_layer_counts); break;
    }
    // A hidden size the heads do not divide is not a neighbour; try again.
    bool valid = true;
    for (const auto& layer_choice : a.layers) valid = valid && a.hidden_size % layer_choice.heads == 0;
    if (valid && !(a == original)) return encode(a);
  }
  return parent;  // a space with a single point
}

std::optional<std::uint64_t> FlexiBertSpace::size() const {
  // nullopt past 2^64: too many to count (enumerate refuses such a space).
  std::uint64_t total = 0;
  for (int h : choices_.hidden_sizes) {
    std::uint64_t heads = 0;
    for (int k : choices_.heads) heads += (h % k == 0) ? 1 : 0;
    const std::uint64_t per_layer =
        choices_.mixers.size() * heads * choices_.ffn_widths.size() * choices_.ffn_layer_counts.size();
    for (int n : choices_.layer_counts) {
      std::uint64_t points = 1;
      for (int i = 0; i < n; ++i) {
        if (__builtin_mul_overflow(points, per_layer, &points)) return std::nullopt;
      }
      if (__builtin_add_overflow(total, points, &total)) return std::nullopt;
    }
  }
  return total;
}

void FlexiBertSpace::enumerate(const std::function<void(const Architecture&)>& visit) const {
  for (int h : choices_.hidden_sizes) {
    std::vector<FlexiBertLayer> layer_choices;
    for (const auto& m : choices_.mixers)
      for (int k : choices_.heads)
        if (h % k == 0)
          for (int f : choices_.ffn_widths)
            for (int nf : choices_.ffn_layer_counts) layer_choices.push_back({m, k, f, nf});
    for (int n : choices_.layer_counts) {
      // Odometer over n layers.
      std::vector<std::size_t> digit(static_cast<std::size_t>(n), 0);
      FlexiBertArchitecture a{h, std::vector<FlexiBertLayer>(static_cast<std::size_t>(n))};
      while (true) {
        for (std::size_t i = 0; i < digit.size(); ++i) a.layers[i] = layer_choices[digit[i]];
        visit(encode(a));
        std::size_t i = 0;
        while (i < digit.size() && ++digit[i] == layer_choices.size()) digit[i++] = 0;
        if (i == digit.size()) break;
      }
    }
  }
}

std::vector<LayeredFamily> FlexiBertSpace::layered_families() const {
  // Genes: hidden size, layer count, then five per layer (encode()).
  std::vector<LayeredFamily> families;
  for (int h : choices_.hidden_sizes) {
    std::vector<std::vector<std::int64_t>> options;
    for (const auto& m : choices_.mixers)
      for (int k : choices_.heads)
        if (h % k == 0)
          for (int f : choices_.ffn_widths)
            for (int nf : choices_.ffn_layer_counts) {
              // A valid architecture of this layer repeated; its first layer's genes.
              const auto n = static_cast<std::size_t>(choices_.layer_counts.front());
              const Architecture one = encode({h, std::vector<FlexiBertLayer>(n, FlexiBertLayer{m, k, f, nf})});
              options.emplace_back(one.genes().begin() + 2,
                                   one.genes().end() - static_cast<std::ptrdiff_t>(5 * (n - 1)));
            }
    for (int n : choices_.layer_counts) families.push_back({{h, n}, n, options});
  }
  return families;
}

std::string FlexiBertSpace::summary(const Architecture& architecture) const {
  // "H256 | SA-SDP h4 F1024x3 | DSC-5 h2 F512x1"
  const FlexiBertArchitecture a = decode(architecture);
  std::string text = fmt::format("H{}", a.hidden_size);
  for (const auto& l : a.layers) {
    text += fmt::format(" | {} h{} F{}x{}", l.mixer.label(), l.heads, l.ffn_width, l.ffn_layers);
  }
  return text;
}

nlohmann::json FlexiBertSpace::to_json(const Architecture& architecture) const {
  const FlexiBertArchitecture a = decode(architecture);
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : a.layers) {
    nlohmann::json parameter;
    switch (l.mixer.type) {
      case MixerType::self_attention: parameter = l.mixer.parameter == 0 ? "SDP" : "WMA"; break;
      case MixerType::linear_transform: parameter = l.mixer.parameter == 0 ? "DFT" : "DCT"; break;
      case MixerType::separable_conv: parameter = l.mixer.parameter; break;
    }
    const char* type = l.mixer.type == MixerType::self_attention     ? "SA"
                       : l.mixer.type == MixerType::linear_transform ? "LT"
                                                                     : "DSC";
    layers.push_back({{"operation_type", type},
                      {"operation_parameter", parameter},
                      {"num_operation_heads", l.heads},
                      {"feed_forward_dimension", l.ffn_width},
                      {"num_feed_forward", l.ffn_layers}});
  }
  return {{"hidden_size", a.hidden_size}, {"encoder_layers", layers}};
}

Architecture FlexiBertSpace::from_json(const nlohmann::json& value) const {
  ZEROLM_CHECK(value.is_object(), "a flexibert architecture must be a JSON object, got {}", value.type_name());
  for (const auto& [key, item] : value.items()) {
    ZEROLM_CHECK(key == "hidden_size" || key == "encoder_layers",
                 "field '{}' is not a flexibert field (expected hidden_size, encoder_layers)", key);
  }
  return from_record(value);
}

Architecture FlexiBertSpace::from_record(const nlohmann::json& record) const {
  ZEROLM_CHECK(record.is_object(), "a NAS-Bench-BERT record must be an object, got {}", record.type_name());
  FlexiBertArchitecture a;
  a.hidden_size = json_int(record, "hidden_size", "");
  ZEROLM_CHECK(record.contains("encoder_layers") && record["encoder_layers"].is_array(),
               "field 'encoder_layers' is missing or not a list");
  const auto& layers = record["encoder_layers"];
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    const std::string where = fmt::format("encoder_layers[{}].", i);
    ZEROLM_CHECK(l.is_object(), "field 'encoder_layers[{}]' is not an object", i);
    for (const char* key : {"operation_type", "operation_parameter"}) {
      ZEROLM_CHECK(l.contains(key), "field '{}{}' is missing", where, key);
    }
    const auto& type_json = l["operation_type"];
    ZEROLM_CHECK(type_json.is_string(), "field '{}operation_type': value {} is not a string", where, type_json.dump());
    const std::string type = type_json.get<std::string>();
    const auto& p = l["operation_parameter"];
    const std::string parameter = p.is_string() ? p.get<std::string>() : p.dump();
    FlexiBertLayer layer;
    if (type == "SA" || type == "LT") {
      const char* first = type == "SA" ? "SDP" : "DFT";
      const char* second = type == "SA" ? "WMA" : "DCT";
      ZEROLM_CHECK(parameter == first || parameter == second,
                   "field '{}operation_parameter': value {} is not {}|{} for {}", where, p.dump(), first, second, type);
      layer.mixer = {type == "SA" ? MixerType::self_attention : MixerType::linear_transform,
                     parameter == first ? 0 : 1};
    } else if (type == "DSC") {
      const auto k = parse_integer(parameter, 1, kMaxKernelWidth);
      ZEROLM_CHECK(k.has_value(), "field '{}operation_parameter': value {} is not a kernel width (1..{})", where,
                   p.dump(), kMaxKernelWidth);
      layer.mixer = {MixerType::separable_conv, static_cast<int>(*k)};
    } else {
      ZEROLM_FAIL("field '{}operation_type': value '{}' is not one of SA|LT|DSC", where, type);
    }
    layer.heads = json_int(l, "num_operation_heads", where);
    layer.ffn_width = json_int(l, "feed_forward_dimension", where);
    layer.ffn_layers = json_int(l, "num_feed_forward", where);
    a.layers.push_back(layer);
  }
  return encode(a);
}

void FlexiBertSpace::lower(const Architecture& architecture, ModelSpec& out) const {
  check_space(architecture);
  out.clear();
  out.layer_prefix = "encoder.layer";
  out.architecture_hash = architecture.hash();
  const auto& g = architecture.genes();
  const int record_hidden = static_cast<int>(g[0]);
  const int n = static_cast<int>(g[1]);
  out.num_layers = n;

  const bool paper = protocol_ == FlexiBertProtocol::paper;
  const int hidden = paper ? kPaperHidden : record_hidden;
  const Init weight =
      protocol_ == FlexiBertProtocol::trained ? Init::truncated_normal(kInitStd) : Init::normal(kInitStd);
  const int E = kEmbeddingWidth;

  out.add_matrix("embeddings.word_embeddings.weight", Role::embedding, -1, kVocabulary, E, weight);
  out.add_matrix("embeddings.position_embeddings.weight", Role::embedding, -1, kPositions, E, weight);
  out.add_matrix("embeddings.token_type_embeddings.weight", Role::embedding, -1, kTokenTypes, E, weight);
  out.add_vector("embeddings.LayerNorm.weight", Role::norm, -1, E, Init::ones());
  out.add_vector("embeddings.LayerNorm.bias", Role::norm, -1, E, Init::zeros());
  if (hidden != E) {
    out.add_matrix("embeddings_project.weight", Role::embedding, -1, E, hidden, weight);
    out.add_vector("embeddings_project.bias", Role::embedding, -1, hidden, Init::zeros());
  }
  for (int i = 0; i < n; ++i) {
    const std::int64_t* p = &g[2 + 5 * static_cast<std::size_t>(i)];
    const FlexiBertLayer layer{{static_cast<MixerType>(p[0]), static_cast<int>(p[1])},
                               static_cast<int>(p[2]),
                               static_cast<int>(p[3]),
                               static_cast<int>(p[4])};
    const int ffn_width = paper ? kPaperFfnWidth : layer.ffn_width;
    lower_layer(layer, i, hidden, ffn_width, out);
  }
}

void FlexiBertSpace::lower_layer(const FlexiBertLayer& layer, int i, int H, int F, ModelSpec& out) const {
  const bool trained = protocol_ == FlexiBertProtocol::trained;
  const Init w = trained ? Init::truncated_normal(kInitStd) : Init::normal(kInitStd);
  const Init zero = Init::zeros();
  auto dense = [&](std::string_view weight_name, std::string_view bias_name, Role role, int in, int out_width) {
    out.add_matrix(weight_name, role, i, in, out_width, w);
    out.add_vector(bias_name, role, i, out_width, zero);
  };
  auto attention_output = [&](int in) {
    dense("attention.output.dense.weight", "attention.output.dense.bias", Role::attention, in, H);
    out.add_vector("attention.output.LayerNorm.weight", Role::norm, i, H, Init::ones());
    out.add_vector("attention.output.LayerNorm.bias", Role::norm, i, H, zero);
  };

  // What the weights' shapes do not tell: the head count, and DFT or DCT.
  out.set_layer_variant(i, static_cast<std::uint8_t>(
                               layer.mixer.type == MixerType::linear_transform ? layer.mixer.parameter : layer.heads));
  switch (layer.mixer.type) {
    case MixerType::self_attention:
      out.attention_score_width += H;
      out.kv_cache_width += 2.0 * H;
      dense("attention.self.query.weight", "attention.self.query.bias", Role::attention, H, H);
      dense("attention.self.key.weight", "attention.self.key.bias", Role::attention, H, H);
      dense("attention.self.value.weight", "attention.self.value.bias", Role::attention, H, H);
      if (layer.mixer.parameter == 1) out.add_matrix("attention.self.wma.weight", Role::attention, i, H, H, w);
      attention_output(H);
      break;
    case MixerType::linear_transform:
      dense("attention.self.input_dense.weight", "attention.self.input_dense.bias", Role::attention, H, H);
      // The library model has no output block after a linear transform; the trained one has.
      if (trained) attention_output(H);
      break;
    case MixerType::separable_conv: {
      const int k = layer.mixer.parameter;
      const int h = layer.heads;
      // Paper/pytorch: c = max(1, h/2) convolution heads of width H/h; trained: full width.
      const int conv_heads = trained ? h : std::max(1, h / 2);
      const int A = trained ? H : conv_heads * H / h;
      out.attention_score_width += A;
      out.kv_cache_width += 2.0 * A;
      dense("attention.self.query.weight", "attention.self.query.bias", Role::attention, H, A);
      dense("attention.self.key.weight", "attention.self.key.bias", Role::attention, H, A);
      dense("attention.self.value.weight", "attention.self.value.bias", Role::attention, H, A);
      const Init depthwise = trained ? Init::truncated_normal(1.0 / k) : w;
      out.add_matrix("attention.self.conv.depthwise.weight", Role::attention, i, H, k, depthwise);
      out.add_matrix("attention.self.conv.pointwise.weight", Role::attention, i, H, A, w);
      out.add_vector("attention.self.conv.bias", Role::attention, i, A, zero);
      dense("attention.self.conv_kernel.weight", "attention.self.conv_kernel.bias", Role::attention, trained ? H : A,
            conv_heads * k);
      dense("attention.self.conv_out.weight", "attention.self.conv_out.bias", Role::attention, H, A);
      // Trained: attention and convolution outputs are concatenated before the output dense.
      attention_output(trained ? 2 * H : H);
      break;
    }
  }

  const int first_width = trained ? 4 * H : F;
  dense("intermediate.dense.weight", "intermediate.dense.bias", Role::ffn, H, first_width);
  int width = first_width;
  for (int j = 1; j < layer.ffn_layers; ++j) {
    const auto slot = static_cast<std::size_t>(j - 1);
    dense(kExtraFfnNames[slot], kExtraFfnBiasNames[slot], Role::ffn, width, F);
    width = F;
  }
  dense("output.dense.weight", "output.dense.bias", Role::ffn, width, H);
  out.add_vector("output.LayerNorm.weight", Role::norm, i, H, Init::ones());
  out.add_vector("output.LayerNorm.bias", Role::norm, i, H, zero);
}

}  // namespace zerolm
