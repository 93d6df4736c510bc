#include "search_spaces/gpt2/gpt2.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

#include "engine/core/error.hpp"
#include "search_spaces/gpt2/gpt2_protocols.hpp"
#include "search_spaces/json_fields.hpp"

namespace zerolm {

using json_fields::join;

std::vector<std::int64_t> AdaptiveEmbedding::clean_cutoffs(std::vector<std::int64_t> cutoffs, std::int64_t n_token) {
  if (cutoffs.empty()) return {n_token};
  std::size_t keep = 1;
  while (keep < cutoffs.size() && cutoffs[keep] <= n_token) ++keep;
  cutoffs.resize(keep);
  cutoffs.back() = std::min(cutoffs.back(), n_token);
  if (cutoffs.back() < n_token) cutoffs.push_back(n_token);
  return cutoffs;
}

bool Gpt2Architecture::default_options() const {
  const AdaptiveEmbedding& e = adaptive_embedding;
  return !pre_lnorm && weight_init_std == Gpt2Space::kInitStd && proj_init_std == Gpt2Space::kProjectionInitStd &&
         (!adaptive || (e.tie_weight && e.untied_projections == 1));
}

Gpt2Protocol parse_gpt2_protocol(const std::string& text) {
  for (const auto& unit : gpt2_protocols()) {
    if (unit.name == text) return unit.id;
  }
  ZEROLM_ASSERT(text.empty(), "gpt2 protocol '{}' is not in the registry's list", text);
  return gpt2_protocols().front().id;
}

namespace {
std::unique_ptr<SearchSpace> make_gpt2_space(const SpaceOptions& options) {
  const Gpt2Protocol protocol = parse_gpt2_protocol(options.protocol);
  Gpt2Choices choices = Gpt2Choices::for_protocol(protocol);
  const auto& c = options.choices;
  auto range = [&](const char* key, int& low, int& high) {
    const auto bounds = json_fields::positive_list(c, key);
    ZEROLM_CHECK(bounds.size() == 2 && bounds[0] <= bounds[1], "field 'choices.{}': expected [min, max], got {}", key,
                 c[key].dump());
    low = bounds[0];
    high = bounds[1];
  };
  if (c.contains("n_layer")) range("n_layer", choices.min_layers, choices.max_layers);
  if (c.contains("n_layer_values")) {
    choices.layer_counts = json_fields::positive_list(c, "n_layer_values");
    choices.min_layers = *std::min_element(choices.layer_counts.begin(), choices.layer_counts.end());
    choices.max_layers = *std::max_element(choices.layer_counts.begin(), choices.layer_counts.end());
  }
  if (c.contains("d_inner")) {
    range("d_inner", choices.min_d_inner, choices.max_d_inner);
    choices.mlp_ratios.clear();
  }
  if (c.contains("mlp_ratio")) choices.mlp_ratios = json_fields::positive_list(c, "mlp_ratio");
  if (c.contains("d_inner_values")) {
    choices.d_inner_values = json_fields::positive_list(c, "d_inner_values");
    choices.mlp_ratios.clear();
  }
  if (c.contains("head_rule")) {
    ZEROLM_CHECK(c["head_rule"].is_string() && (c["head_rule"] == "nsc" || c["head_rule"] == "choices"),
                 "field 'choices.head_rule': value {} is not \"nsc\" or \"choices\"", c["head_rule"].dump());
    choices.nsc_heads = c["head_rule"] == "nsc";
  }
  if (c.contains("d_model")) choices.d_models = json_fields::positive_list(c, "d_model");
  if (c.contains("n_head")) choices.n_heads = json_fields::positive_list(c, "n_head");
  if (c.contains("d_embed")) choices.d_embeds = json_fields::positive_list(c, "d_embed");
  if (c.contains("div_val")) choices.div_vals = json_fields::positive_list(c, "div_val");
  if (c.contains("bias")) {
    ZEROLM_CHECK(c["bias"].is_array() && !c["bias"].empty(),
                 "field 'choices.bias': expected a list such as [true, false]");
    choices.biases.clear();
    for (const auto& b : c["bias"]) {
      ZEROLM_CHECK(b.is_boolean(), "field 'choices.bias': value {} is not true|false", b.dump());
      choices.biases.push_back(b.get<bool>());
    }
  }
  return std::make_unique<Gpt2Space>(protocol, std::move(choices));
}

// Hugging Face's GPT2Config, only where GPT2LMHeadModel builds exactly the
// scored network: the gpt2 protocol (learned positions, tied head, GELU MLP,
// biases everywhere) with equal layers. Anything else is refused in one line:
// GPT2Config would fail on per-layer lists or silently build another network.
nlohmann::json hf_config(const SearchSpace& space, const Architecture& architecture, std::size_t) {
  const auto& gpt2 = dynamic_cast<const Gpt2Space&>(space);
  const Gpt2Architecture a = gpt2.decode(architecture);
  const auto refuse = [&](const std::string& why) {
    ZEROLM_FAIL("--format hf: {}: Hugging Face's GPT2LMHeadModel cannot build it ({}); use --format pytorch",
                space.summary(architecture), why);
  };
  const Gpt2ProtocolUnit& unit = gpt2_protocol(parse_gpt2_protocol(std::string(space.protocol())));
  if (!unit.hf_refusal.empty()) refuse(fmt::format("protocol {}: {}", unit.name, unit.hf_refusal));
  if (!a.bias) refuse("no biases; GPT2LMHeadModel always has them");
  for (const auto& l : a.layers) {
    if (!(l == a.layers.front())) refuse("layers differ in heads or FFN width; GPT2Config has one of each");
  }
  // GPT2LMHeadModel: wte, wpe (n_positions), per layer ln_1, c_attn, c_proj,
  // ln_2, c_fc, c_proj (Conv1D: in x out, as the model spec), ln_f, the head
  // tied to wte. Initialisation as the spec: N(0, initializer_range), the
  // residual projections scaled by 1/sqrt(2 n_layer). "gelu" is the exact GELU
  // of zerolm's network (GPT-2's own is gelu_new, the tanh approximation).
  return {{"architectures", {"GPT2LMHeadModel"}},
          {"model_type", "gpt2"},
          {"vocab_size", a.vocab_size},
          {"n_positions", Gpt2Space::kGpt2Positions},
          {"n_embd", a.d_model},
          {"n_layer", a.layers.size()},
          {"n_head", a.layers.front().n_head},
          {"n_inner", a.layers.front().d_inner},
          {"activation_function", "gelu"},
          {"layer_norm_epsilon", 1e-5},
          {"initializer_range", Gpt2Space::kInitStd},
          {"tie_word_embeddings", true}};
}

// archai's model_config.yaml of an LTS architecture (the fields of the upstream
// run folders, config_*/j*/model_config.yaml): what archai's HfGPT2Flex and its
// training scripts read.
nlohmann::json archai_config(const SearchSpace& space, const Architecture& architecture, std::size_t) {
  const auto& gpt2 = dynamic_cast<const Gpt2Space&>(space);
  const Gpt2Architecture a = gpt2.decode(architecture);
  ZEROLM_CHECK(gpt2_protocol(parse_gpt2_protocol(std::string(space.protocol()))).archai_config && a.adaptive,
               "--format archai: {}: archai's model_config.yaml describes LTS networks (protocols lts and transxl, "
               "adaptive embedding), not protocol {}; use --format pytorch",

               space.summary(architecture), space.protocol());
  ZEROLM_CHECK(a.bias,
               "--format archai: {}: archai's HfGPT2Flex has biases in every linear layer; use --format pytorch",
               space.summary(architecture));
  const AdaptiveEmbedding& e = a.adaptive_embedding;
  std::vector<int> heads, inner;
  for (const auto& l : a.layers) {
    heads.push_back(l.n_head);
    inner.push_back(l.d_inner);
  }
  // tie_projs per cluster, as archai reads it (LTS's default: all but the first tied).
  std::vector<bool> tie_projs;
  for (std::size_t i = 0; i < e.cutoffs.size(); ++i) tie_projs.push_back(((e.untied_projections >> i) & 1U) == 0);
  // The same model fields for both backbones (a transxl folder's files hold these
  // and training options). The upstream GPT-2 folders write LTS's raw cutoffs
  // (archai cleans them as zerolm does); any other list is written clean. Both
  // read back to the same clusters.
  const std::vector<std::int64_t> upstream{19997, 39997, 199997, 50264};
  const std::vector<std::int64_t> cutoffs =
      AdaptiveEmbedding::clean_cutoffs(upstream, e.n_token) == e.cutoffs ? upstream : e.cutoffs;
  return {{"adaptive", true},
          {"attn_type", 0},
          {"clamp_len", -1},
          {"cutoffs", cutoffs},
          {"d_embed", e.d_embed},
          {"d_head", -1},
          {"d_inner", inner},
          {"d_model", a.d_model},
          {"div_val", e.div_val},
          {"dropatt", 0.0},
          {"dropout", 0.1},
          {"dtype", nullptr},
          {"ext_len", 0},
          {"mem_len", e.tgt_len},
          {"n_head", heads},
          {"n_layer", a.layers.size()},
          {"n_token", e.n_token},
          {"pre_lnorm", a.pre_lnorm},
          {"primer_conv", false},
          {"primer_square", false},
          {"proj_init_std", a.proj_init_std},
          {"same_length", false},
          {"sample_softmax", -1},
          {"tgt_len", e.tgt_len},
          {"tie_projs", tie_projs},
          {"tie_weight", e.tie_weight},
          {"use_cache", false},
          {"weight_init_range", 0.1},
          {"weight_init_std", a.weight_init_std},
          {"weight_init_type", "normal"}};
}
}  // namespace

SpaceDescriptor gpt2_space_descriptor() {
  SpaceDescriptor d{
      "gpt2",
      "GPT-2-style decoders with per-layer heads and FFN widths",
      {},
      {{"n_layer", "[min, max] layers"},
       {"n_layer_values", "the layer counts, a list (replaces n_layer)"},
       {"d_model", "model widths"},
       {"n_head", "head counts per layer"},
       {"d_inner", "[min, max] FFN width per layer"},
       {"mlp_ratio", "FFN width as a multiple of d_model (replaces d_inner)"},
       {"d_inner_values", "FFN widths per layer, a list (replaces d_inner; makes exact search possible)"},
       {"head_rule", "nsc: NSC's heads (largest of 1|2|4|8|16 dividing d_model, heads >= 32 wide); choices: n_head"},
       {"d_embed", "adaptive embedding widths"},
       {"div_val", "adaptive embedding width divisors"},
       {"bias", "biases in linear layers: [true, false]"}},
      make_gpt2_space,
      {{"hf",
        "Hugging Face GPT2Config (GPT2LMHeadModel) per architecture where it builds the scored network "
        "(protocol gpt2, equal layers); refused otherwise",
        "config.json", hf_config, false, "zerolm.json"},
       {"archai",
        "archai's model_config.yaml per LTS architecture (lts and transxl: the upstream run folders' fields), "
        "for archai's training scripts",
        "model_config.yaml", archai_config, true, "zerolm.json"}},
      gpt2_documents(),
      "lts"};
  for (const auto& unit : gpt2_protocols())
    d.protocols.push_back({std::string(unit.name), std::string(unit.description)});
  d.pytorch_module = gpt2_pytorch_module();
  return d;
}

Gpt2Choices Gpt2Choices::for_protocol(Gpt2Protocol protocol) { return gpt2_protocol(protocol).default_choices(); }

Gpt2Space::Gpt2Space(Gpt2Protocol protocol) : Gpt2Space(protocol, Gpt2Choices::for_protocol(protocol)) {}
Gpt2Space::Gpt2Space(Gpt2Protocol protocol, Gpt2Choices choices)
    : unit_(&gpt2_protocol(protocol)), choices_(std::move(choices)) {}

std::string_view Gpt2Space::protocol() const { return unit_->name; }

std::vector<Dimension> Gpt2Space::dimensions() const {
  auto texts = [](const auto& values) {
    std::vector<std::string> out;
    for (auto v : values) out.push_back(std::to_string(v));
    return out;
  };
  std::vector<Dimension> dims{
      {"n_layer", {fmt::format("{}..{}", choices_.min_layers, choices_.max_layers)}, "decoder layers"},
      {"d_model", texts(choices_.d_models), "model width D"},
      {"n_head[]", texts(choices_.n_heads), "attention heads, per layer"},
  };
  if (!choices_.d_inner_values.empty()) {
    dims.push_back({"d_inner[]", texts(choices_.d_inner_values), "FFN width, per layer"});
  } else if (choices_.mlp_ratios.empty()) {
    dims.push_back(
        {"d_inner[]", {fmt::format("{}..{}", choices_.min_d_inner, choices_.max_d_inner)}, "FFN width, per layer"});
  } else {
    dims.push_back({"mlp_ratio[]", texts(choices_.mlp_ratios), "FFN width = mlp_ratio * d_model, per layer"});
  }
  if (choices_.adaptive) {
    dims.push_back({"d_embed", texts(choices_.d_embeds), "adaptive embedding width"});
    dims.push_back({"div_val", texts(choices_.div_vals), "adaptive embedding width divisor per cluster"});
  }
  std::vector<std::string> biases;
  for (bool b : choices_.biases) biases.push_back(b ? "true" : "false");
  dims.push_back({"bias", biases, "biases in linear layers"});
  return dims;
}

void Gpt2Space::validate(const Gpt2Architecture& a) const {
  const int n = static_cast<int>(a.layers.size());
  // The documented ranges (docs/SEARCH_SPACES.md): with them every count below
  // fits in int64 with room to spare.
  ZEROLM_CHECK(n >= 1 && n <= kMaxLayers, "field 'n_layer': value {} is not in 1..{}", n, kMaxLayers);
  ZEROLM_CHECK(a.d_model >= 1 && a.d_model <= kMaxWidth, "field 'd_model': value {} is not in 1..{}", a.d_model,
               kMaxWidth);
  for (int i = 0; i < n; ++i) {
    const Gpt2Layer& l = a.layers[static_cast<std::size_t>(i)];
    ZEROLM_CHECK(l.n_head >= 1 && l.n_head <= kMaxWidth, "field 'n_head[{}]': value {} is not in 1..{}", i, l.n_head,
                 kMaxWidth);
    ZEROLM_CHECK(l.d_inner <= kMaxInner, "field 'd_inner[{}]': value {} is not in 1..{}", i, l.d_inner, kMaxInner);

    if (unit_->head_size == 0) {
      ZEROLM_CHECK(a.d_model % l.n_head == 0, "field 'n_head[{}]': value {} does not divide d_model {}", i, l.n_head,
                   a.d_model);
    }
    ZEROLM_CHECK(l.d_inner >= 1, "field 'd_inner[{}]': value {} must be positive", i, l.d_inner);
  }
  ZEROLM_CHECK(!unit_->adaptive_only || a.adaptive,
               "field 'embedding.kind': protocol {} always has an adaptive embedding", unit_->name);
  ZEROLM_CHECK(a.weight_init_std > 0.0 && a.weight_init_std <= 1.0,
               "field 'weight_init_std': value {} is not in (0, 1]", a.weight_init_std);
  ZEROLM_CHECK(a.proj_init_std > 0.0 && a.proj_init_std <= 1.0, "field 'proj_init_std': value {} is not in (0, 1]",
               a.proj_init_std);
  if (a.adaptive) {
    const AdaptiveEmbedding& e = a.adaptive_embedding;
    ZEROLM_CHECK(e.n_token >= 1 && e.n_token <= json_fields::kMaxDimension,
                 "field 'embedding.n_token': value {} is not in 1..{}", e.n_token, json_fields::kMaxDimension);
    ZEROLM_CHECK(e.d_embed <= kMaxWidth, "field 'embedding.d_embed': value {} is not in 1..{}", e.d_embed, kMaxWidth);

    ZEROLM_CHECK(e.div_val >= 1, "field 'embedding.div_val': value {} must be positive", e.div_val);
    ZEROLM_CHECK(e.tgt_len >= 0, "field 'embedding.tgt_len': value {} must not be negative", e.tgt_len);
    ZEROLM_CHECK(!e.cutoffs.empty() && e.cutoffs.back() == e.n_token,
                 "field 'embedding.cutoffs': the last cutoff must equal n_token {}", e.n_token);
    std::int64_t previous = 0;
    for (std::size_t i = 0; i < e.cutoffs.size(); ++i) {
      ZEROLM_CHECK(e.cutoffs[i] > previous, "field 'embedding.cutoffs[{}]': value {} is not above {}", i, e.cutoffs[i],
                   previous);
      previous = e.cutoffs[i];
    }
    double width = e.d_embed;
    for (std::size_t i = 1; i < e.cutoffs.size(); ++i) width /= e.div_val;
    ZEROLM_CHECK(e.d_embed >= 1 && width >= 1.0,
                 "field 'embedding.d_embed': value {} leaves no width for the last cluster with div_val {}", e.d_embed,
                 e.div_val);
    ZEROLM_CHECK(e.cutoffs.size() <= 32 && (e.untied_projections >> e.cutoffs.size()) == 0,
                 "field 'embedding.tie_projs': {} entries for {} clusters", std::bit_width(e.untied_projections),
                 e.cutoffs.size());
  } else {
    ZEROLM_CHECK(a.vocab_size >= 1 && a.vocab_size <= json_fields::kMaxDimension,
                 "field 'embedding.vocab_size': value {} is not in 1..{}", a.vocab_size, json_fields::kMaxDimension);
  }
}

Architecture Gpt2Space::encode(const Gpt2Architecture& a) const {
  validate(a);
  std::vector<std::int64_t> g{static_cast<std::int64_t>(a.layers.size()), a.d_model, a.bias ? 1 : 0,
                              a.adaptive ? 1 : 0};
  if (a.adaptive) {
    const AdaptiveEmbedding& e = a.adaptive_embedding;
    g.insert(g.end(), {e.d_embed, e.div_val, e.n_token, e.tgt_len, static_cast<std::int64_t>(e.cutoffs.size())});
    g.insert(g.end(), e.cutoffs.begin(), e.cutoffs.end());
  } else {
    g.push_back(a.vocab_size);
  }
  for (const auto& l : a.layers) g.insert(g.end(), {l.n_head, l.d_inner});
  if (!a.default_options()) {  // trailing genes only when needed: default architectures keep their genes
    g.insert(g.end(),
             {a.adaptive_embedding.tie_weight ? 1 : 0, a.adaptive_embedding.untied_projections, a.pre_lnorm ? 1 : 0,
              std::llround(a.weight_init_std * kStdScale), std::llround(a.proj_init_std * kStdScale)});
  }
  return Architecture(name(), std::move(g));
}

Gpt2Architecture Gpt2Space::decode(const Architecture& architecture) const {
  check_space(architecture);
  const auto& g = architecture.genes();
  Gpt2Architecture a;
  const auto n = static_cast<std::size_t>(g[0]);
  a.d_model = static_cast<int>(g[1]);
  a.bias = g[2] != 0;
  a.adaptive = g[3] != 0;
  std::size_t at = 4;
  if (a.adaptive) {
    AdaptiveEmbedding& e = a.adaptive_embedding;
    e.d_embed = static_cast<int>(g[at]);
    e.div_val = static_cast<int>(g[at + 1]);
    e.n_token = g[at + 2];
    e.tgt_len = static_cast<int>(g[at + 3]);
    const auto clusters = static_cast<std::size_t>(g[at + 4]);
    at += 5;
    e.cutoffs.assign(g.begin() + static_cast<std::ptrdiff_t>(at),
                     g.begin() + static_cast<std::ptrdiff_t>(at + clusters));
    at += clusters;
  } else {
    a.vocab_size = g[at++];
  }
  a.layers.resize(n);
  for (std::size_t i = 0; i < n; ++i, at += 2) a.layers[i] = {static_cast<int>(g[at]), static_cast<int>(g[at + 1])};
  if (at + kOptionGenes <= g.size()) {
    a.adaptive_embedding.tie_weight = g[at] != 0;
    a.adaptive_embedding.untied_projections = static_cast<std::uint32_t>(g[at + 1]);
    a.pre_lnorm = g[at + 2] != 0;
    a.weight_init_std = static_cast<double>(g[at + 3]) / kStdScale;
    a.proj_init_std = static_cast<double>(g[at + 4]) / kStdScale;
  }
  return a;
}

Architecture Gpt2Space::sample(CounterRng& rng) const {
  auto pick = [&rng](const auto& values) { return values[rng.below(values.size())]; };
  Gpt2Architecture a;
  const int n =
      !choices_.layer_counts.empty()
          ? pick(choices_.layer_counts)
          : choices_.min_layers +
                static_cast<int>(rng.below(static_cast<std::uint64_t>(choices_.max_layers - choices_.min_layers + 1)));
  a.d_model = pick(choices_.d_models);
  a.bias = pick(choices_.biases);
  const std::vector<int> heads = heads_for(a.d_model);
  ZEROLM_CHECK(!heads.empty(), "no head count of {} divides d_model {}", join(choices_.n_heads), a.d_model);
  for (int i = 0; i < n; ++i) {
    Gpt2Layer l;
    l.n_head = pick(heads);
    l.d_inner = draw_d_inner(a.d_model, rng);
    a.layers.push_back(l);
  }
  a.adaptive = choices_.adaptive;
  if (a.adaptive) {
    a.adaptive_embedding.d_embed = pick(choices_.d_embeds);
    a.adaptive_embedding.div_val = pick(choices_.div_vals);
    a.adaptive_embedding.n_token = choices_.n_token;
    std::vector<std::int64_t> cutoffs = choices_.cutoffs;
    cutoffs.push_back(choices_.n_token);
    a.adaptive_embedding.cutoffs = AdaptiveEmbedding::clean_cutoffs(std::move(cutoffs), choices_.n_token);
  } else {
    a.vocab_size = choices_.vocab_size;
  }
  return encode(a);
}

std::string Gpt2Space::summary(const Architecture& architecture) const {
  // "L4 D256 | h 2,4,8,8 | d_inner 512,...| adaptive E256/4"
  const Gpt2Architecture a = decode(architecture);
  std::string heads, inner;
  for (const auto& l : a.layers) {
    heads += (heads.empty() ? "" : ",") + std::to_string(l.n_head);
    inner += (inner.empty() ? "" : ",") + std::to_string(l.d_inner);
  }
  const std::string embedding =
      a.adaptive ? fmt::format("adaptive E{}/{}", a.adaptive_embedding.d_embed, a.adaptive_embedding.div_val)
                 : fmt::format("vocab {}", a.vocab_size);
  return fmt::format("L{} D{} | heads {} | d_inner {} | {}{}", a.layers.size(), a.d_model, heads, inner, embedding,
                     a.bias ? "" : " | no bias");
}

std::vector<int> Gpt2Space::heads_for(int d_model) const {
  if (choices_.nsc_heads) {
    for (int h : {16, 8, 4, 2, 1}) {
      if (d_model % h == 0 && d_model / h >= 32) return {h};
    }
    return {1};
  }
  std::vector<int> heads;
  for (int h : choices_.n_heads) {
    if (unit_->head_size != 0 || d_model % h == 0) heads.push_back(h);
  }
  return heads;
}

std::vector<int> Gpt2Space::widths_for(int d_model) const {
  if (!choices_.d_inner_values.empty()) return choices_.d_inner_values;
  std::vector<int> widths;
  for (int r : choices_.mlp_ratios) widths.push_back(r * d_model);
  return widths;
}

std::vector<LayeredFamily> Gpt2Space::layered_families() const {
  std::vector<LayeredFamily> families;
  if (widths_for(1).empty()) return families;  // a d_inner range: too many options per layer
  std::vector<std::pair<int, int>> embeddings{{0, 0}};
  if (choices_.adaptive) {
    embeddings.clear();
    for (int d_embed : choices_.d_embeds) {
      for (int div_val : choices_.div_vals) embeddings.emplace_back(d_embed, div_val);
    }
  }
  for (int d_model : choices_.d_models) {
    const std::vector<int> heads = heads_for(d_model), widths = widths_for(d_model);
    if (heads.empty()) continue;
    for (int n = choices_.min_layers; n <= choices_.max_layers; ++n) {
      if (!choices_.layer_counts.empty() &&
          std::find(choices_.layer_counts.begin(), choices_.layer_counts.end(), n) == choices_.layer_counts.end()) {
        continue;
      }
      for (bool bias : choices_.biases) {
        for (const auto& [d_embed, div_val] : embeddings) {
          Gpt2Architecture a;
          a.d_model = d_model;
          a.bias = bias;
          a.adaptive = choices_.adaptive;
          a.layers.assign(static_cast<std::size_t>(n), Gpt2Layer{heads.front(), widths.front()});
          if (a.adaptive) {
            auto& e = a.adaptive_embedding;
            e.d_embed = d_embed;
            e.div_val = div_val;
            e.n_token = choices_.n_token;
            std::vector<std::int64_t> cutoffs = choices_.cutoffs;
            cutoffs.push_back(choices_.n_token);
            e.cutoffs = AdaptiveEmbedding::clean_cutoffs(std::move(cutoffs), choices_.n_token);
          } else {
            a.vocab_size = choices_.vocab_size;
          }
          Architecture one;
          try {
            one = encode(a);
          } catch (const Error&) {
            continue;  // e.g. an embedding too narrow for its clusters: not in the space
          }
          LayeredFamily family;
          // The genes are the globals followed by (n_head, d_inner) per layer.
          family.prefix.assign(one.genes().begin(), one.genes().end() - 2 * static_cast<std::ptrdiff_t>(n));
          family.layers = n;
          for (int h : heads) {
            for (int w : widths) family.options.push_back({h, w});
          }
          families.push_back(std::move(family));
        }
      }
    }
  }
  return families;
}

void Gpt2Space::enumerate(const std::function<void(const Architecture&)>& visit) const {
  const auto families = layered_families();
  ZEROLM_CHECK(!families.empty(), "search space 'gpt2': a d_inner range is not enumerable (give d_inner_values)");
  enumerate_families(families, visit);
}

int Gpt2Space::draw_d_inner(int d_model, CounterRng& rng) const {
  if (!choices_.d_inner_values.empty()) {
    return choices_.d_inner_values[rng.below(choices_.d_inner_values.size())];
  }
  if (!choices_.mlp_ratios.empty()) return choices_.mlp_ratios[rng.below(choices_.mlp_ratios.size())] * d_model;
  return choices_.min_d_inner +
         static_cast<int>(rng.below(static_cast<std::uint64_t>(choices_.max_d_inner - choices_.min_d_inner + 1)));
}

Architecture Gpt2Space::mutate(const Architecture& parent, CounterRng& rng) const {
  auto pick = [&rng](const auto& values) { return values[rng.below(values.size())]; };
  auto inner = [&](int d_model) { return draw_d_inner(d_model, rng); };
  const Gpt2Architecture original = decode(parent);
  for (int attempt = 0; attempt < 64; ++attempt) {
    Gpt2Architecture a = original;
    if (heads_for(a.d_model).empty()) break;  // outside the choices: no neighbour to draw from
    const auto i = static_cast<std::size_t>(rng.below(a.layers.size()));
    switch (rng.below(choices_.adaptive ? 7 : 5)) {
      case 0: {  // width: heads that no longer divide it are re-drawn
        a.d_model = pick(choices_.d_models);
        const auto heads = heads_for(a.d_model);
        if (heads.empty()) continue;
        for (auto& l : a.layers) {
          if (std::find(heads.begin(), heads.end(), l.n_head) == heads.end()) l.n_head = pick(heads);
          if (!choices_.mlp_ratios.empty()) l.d_inner = inner(a.d_model);
        }
        break;
      }
      case 1:  // add a layer
        if (static_cast<int>(a.layers.size()) >= choices_.max_layers || !choices_.layer_counts.empty()) continue;
        a.layers.insert(a.layers.begin() + static_cast<std::ptrdiff_t>(rng.below(a.layers.size() + 1)),
                        Gpt2Layer{pick(heads_for(a.d_model)), inner(a.d_model)});
        break;
      case 2:  // drop a layer
        if (static_cast<int>(a.layers.size()) <= choices_.min_layers || !choices_.layer_counts.empty()) continue;
        a.layers.erase(a.layers.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      case 3: a.layers[i].n_head = pick(heads_for(a.d_model)); break;
      case 4:
        if (choices_.biases.size() > 1 && rng.below(3) == 0) {
          a.bias = !a.bias;
        } else {
          a.layers[i].d_inner = inner(a.d_model);
        }
        break;
      case 5: a.adaptive_embedding.d_embed = pick(choices_.d_embeds); break;
      default: a.adaptive_embedding.div_val = pick(choices_.div_vals); break;
    }
    if (a == original) continue;
    try {
      return encode(a);
    } catch (const Error&) {
      continue;  // e.g. an embedding too narrow for its clusters: not a neighbour
    }
  }
  return parent;
}

nlohmann::json Gpt2Space::to_json(const Architecture& architecture) const {
  const Gpt2Architecture a = decode(architecture);
  nlohmann::json heads = nlohmann::json::array(), inner = nlohmann::json::array();
  for (const auto& l : a.layers) {
    heads.push_back(l.n_head);
    inner.push_back(l.d_inner);
  }
  nlohmann::json embedding;
  if (a.adaptive) {
    const auto& e = a.adaptive_embedding;
    embedding = {{"kind", "adaptive"},   {"d_embed", e.d_embed}, {"div_val", e.div_val},
                 {"n_token", e.n_token}, {"cutoffs", e.cutoffs}, {"tgt_len", e.tgt_len}};
    if (!e.tie_weight || e.untied_projections != 1) {
      nlohmann::json tie_projs = nlohmann::json::array();
      for (std::size_t i = 0; i < e.cutoffs.size(); ++i) tie_projs.push_back(((e.untied_projections >> i) & 1U) == 0);
      embedding["tie_weight"] = e.tie_weight;
      embedding["tie_projs"] = tie_projs;
    }
  } else {
    embedding = {{"kind", "plain"}, {"vocab_size", a.vocab_size}};
  }
  nlohmann::json out{{"n_layer", a.layers.size()}, {"d_model", a.d_model}, {"n_head", heads},
                     {"d_inner", inner},           {"bias", a.bias},       {"embedding", embedding}};
  if (a.pre_lnorm) out["pre_lnorm"] = true;
  if (a.weight_init_std != kInitStd) out["weight_init_std"] = a.weight_init_std;
  if (a.proj_init_std != kProjectionInitStd) out["proj_init_std"] = a.proj_init_std;
  return out;
}

Architecture Gpt2Space::from_json(const nlohmann::json& v) const {
  ZEROLM_CHECK(v.is_object(), "a gpt2 architecture must be a JSON object, got {}", v.type_name());
  for (const auto& entry : v.items()) {
    const std::string& key = entry.key();  // a plain name: a lambda may not capture a structured binding in clang 14
    static const char* kKeys[] = {"n_layer",   "d_model",   "n_head",          "d_inner",      "bias",
                                  "embedding", "pre_lnorm", "weight_init_std", "proj_init_std"};
    ZEROLM_CHECK(
        std::find_if(std::begin(kKeys), std::end(kKeys), [&](const char* k) { return key == k; }) != std::end(kKeys),
        "field '{}' is not a gpt2 field (expected n_layer, d_model, n_head, d_inner, bias, embedding, pre_lnorm, "
        "weight_init_std, proj_init_std)",
        key);
  }
  Gpt2Architecture a;
  const std::int64_t n = json_fields::integer(v, "n_layer", "");
  ZEROLM_CHECK(n >= 1 && n <= 4096, "field 'n_layer': value {} is not in 1..4096", n);
  a.d_model = json_fields::small_integer(v, "d_model", "");
  const auto heads = json_fields::integer_list(v, "n_head", "");
  const auto inner = json_fields::integer_list(v, "d_inner", "");
  ZEROLM_CHECK(heads.size() == static_cast<std::size_t>(n), "field 'n_head': {} entries for n_layer {}", heads.size(),
               n);
  ZEROLM_CHECK(inner.size() == static_cast<std::size_t>(n), "field 'd_inner': {} entries for n_layer {}", inner.size(),
               n);
  for (std::size_t i = 0; i < heads.size(); ++i)
    a.layers.push_back({json_fields::narrow(heads[i], fmt::format("n_head[{}]", i)),
                        json_fields::narrow(inner[i], fmt::format("d_inner[{}]", i))});
  a.bias = json_fields::boolean(v, "bias", true);
  ZEROLM_CHECK(v.contains("embedding") && v["embedding"].is_object(), "field 'embedding' is missing or not an object");
  const auto& e = v["embedding"];
  ZEROLM_CHECK(e.contains("kind") && e["kind"].is_string(), "field 'embedding.kind' is missing (adaptive|plain)");
  const std::string kind = e["kind"].get<std::string>();
  if (kind == "adaptive") {
    a.adaptive = true;
    auto& ae = a.adaptive_embedding;
    ae.d_embed = json_fields::small_integer(e, "d_embed", "embedding.");
    ae.div_val = json_fields::small_integer(e, "div_val", "embedding.");
    ae.n_token = json_fields::integer(e, "n_token", "embedding.");
    ae.tgt_len = e.contains("tgt_len") ? json_fields::small_integer(e, "tgt_len", "embedding.") : 192;
    ae.cutoffs = json_fields::integer_list(e, "cutoffs", "embedding.");
    ae.tie_weight = json_fields::boolean(e, "tie_weight", true);
    if (e.contains("tie_projs")) {
      const auto& t = e["tie_projs"];
      ZEROLM_CHECK(t.is_array() && t.size() <= 32, "field 'embedding.tie_projs': expected a list of true|false");
      ae.untied_projections = 0;
      for (std::size_t i = 0; i < t.size(); ++i) {
        ZEROLM_CHECK(t[i].is_boolean(), "field 'embedding.tie_projs[{}]': value {} is not true|false", i, t[i].dump());
        if (!t[i].get<bool>()) ae.untied_projections |= 1U << i;
      }
    }
  } else if (kind == "plain") {
    a.adaptive = false;
    a.vocab_size = json_fields::integer(e, "vocab_size", "embedding.");
  } else {
    ZEROLM_FAIL("field 'embedding.kind': value '{}' is not one of adaptive|plain", kind);
  }
  a.pre_lnorm = json_fields::boolean(v, "pre_lnorm", false);
  auto real = [&](const char* key, double fallback) {
    if (!v.contains(key)) return fallback;
    ZEROLM_CHECK(v[key].is_number(), "field '{}': value {} is not a number", key, v[key].dump());
    return v[key].get<double>();
  };
  a.weight_init_std = real("weight_init_std", kInitStd);
  a.proj_init_std = real("proj_init_std", kProjectionInitStd);
  return encode(a);
}

}  // namespace zerolm
