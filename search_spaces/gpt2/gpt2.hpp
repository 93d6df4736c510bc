// GPT-2-style decoders with per-layer heads and FFN widths. Three protocols name
// the network family a benchmark measured (see docs/SEARCH_SPACES.md):
//   lts   : archai's HfGPT2Flex of LiteTransformerSearch (WikiText-103 benchmark)
//   hwgpt : HW-GPT-Bench's GPT (rotary, head size 64, LLaMA MLP, untied head)
//   gpt2  : plain Hugging Face GPT-2 (learned positions, tied head, GELU MLP)
//   transxl: archai's MemTransformerLM of LiteTransformerSearch (Transformer-XL: relative
//            attention, adaptive embedding and softmax, no learned positions, no final norm)
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "search_spaces/search_space.hpp"

namespace zerolm {

enum class Gpt2Protocol { lts, hwgpt, gpt2, transxl };
struct Gpt2ProtocolUnit;  // gpt2_protocols.hpp

struct Gpt2Layer {
  int n_head = 2;
  int d_inner = 512;
  friend bool operator==(const Gpt2Layer&, const Gpt2Layer&) = default;
};

// Transformer-XL adaptive input embedding (and the adaptive softmax tied to it).
struct AdaptiveEmbedding {
  int d_embed = 256;
  int div_val = 1;
  std::int64_t n_token = 50264;
  std::vector<std::int64_t> cutoffs;  // cleaned: increasing, last == n_token
  int tgt_len = 192;                  // learned positions
  // archai's tie_weight (softmax weights are the embedding tables) and tie_projs, as a
  // mask of the clusters whose softmax projection is its own (bit i: cluster i untied).
  bool tie_weight = true;
  std::uint32_t untied_projections = 1;  // archai's default tie_projs [false, true, true, ...]
  friend bool operator==(const AdaptiveEmbedding&, const AdaptiveEmbedding&) = default;

  // archai's rule: cut at the first cutoff beyond n_token, clamp, end at n_token.
  static std::vector<std::int64_t> clean_cutoffs(std::vector<std::int64_t> cutoffs, std::int64_t n_token);
};

struct Gpt2Architecture {
  int d_model = 128;
  std::vector<Gpt2Layer> layers;
  bool bias = true;
  bool adaptive = true;  // adaptive embedding, else a plain token table
  AdaptiveEmbedding adaptive_embedding;
  std::int64_t vocab_size = 50257;  // plain embedding
  // archai's options beyond the shapes (defaults as LTS trained; stored only when not default).
  bool pre_lnorm = false;         // transxl: LayerNorm before attention and FFN
  double weight_init_std = 0.02;  // archai's weight_init_std (normal initialisation)
  double proj_init_std = 0.01;    // archai's proj_init_std (adaptive projections)
  friend bool operator==(const Gpt2Architecture&, const Gpt2Architecture&) = default;

  // The trailing genes hold these options when one differs from its default.
  bool default_options() const;
};

struct Gpt2Choices {
  int min_layers = 2, max_layers = 16;
  std::vector<int> layer_counts;  // when set, the layer counts allowed (NSC: 12, 14, 16, 18) within the range
  std::vector<int> d_models{64, 128, 256, 512};
  std::vector<int> n_heads{2, 4, 8};
  int min_d_inner = 512, max_d_inner = 2048;
  std::vector<int> mlp_ratios;      // when set, d_inner = ratio * d_model instead of the range
  std::vector<int> d_inner_values;  // when set, the FFN widths per layer instead of the range
  // NSC's rule instead of n_heads: the largest of 1, 2, 4, 8, 16 dividing d_model with heads of at least 32.
  bool nsc_heads = false;
  std::vector<int> d_embeds{128, 256, 512};
  std::vector<int> div_vals{1, 2, 4};
  std::vector<bool> biases{true};
  bool adaptive = true;
  std::int64_t vocab_size = 50257;
  // Sampled adaptive embeddings: vocabulary and the cutoffs before it.
  std::int64_t n_token = 50264;
  std::vector<std::int64_t> cutoffs{19997, 39997, 199997};
  static Gpt2Choices for_protocol(Gpt2Protocol protocol);
};

class Gpt2Space final : public SearchSpace {
 public:
  static constexpr double kInitStd = 0.02;
  static constexpr double kProjectionInitStd = 0.01;  // adaptive embedding projections
  static constexpr int kHwGptHeadSize = 64;
  static constexpr int kGpt2Positions = 1024;
  // Documented ranges of every dimension (docs/SEARCH_SPACES.md); vocabularies,
  // n_token, d_embed and tgt_len are at most json_fields::kMaxDimension (2^24).
  static constexpr int kMaxLayers = 4096;
  static constexpr int kMaxWidth = 65536;    // d_model, heads
  static constexpr int kMaxInner = 1 << 20;  // d_inner

  explicit Gpt2Space(Gpt2Protocol protocol);
  Gpt2Space(Gpt2Protocol protocol, Gpt2Choices choices);

  std::string_view name() const override { return "gpt2"; }
  std::string_view protocol() const override;
  std::vector<Dimension> dimensions() const override;
  Architecture sample(CounterRng& rng) const override;
  Architecture mutate(const Architecture& parent, CounterRng& rng) const override;
  std::optional<std::uint64_t> size() const override { return std::nullopt; }
  // With finite per-layer widths (d_inner_values or mlp_ratio): one family per
  // d_model, n_layer, bias and adaptive embedding; a layer's options are its
  // head counts x FFN widths. Empty with a d_inner range.
  std::vector<LayeredFamily> layered_families() const override;
  // Every architecture of the layered families (an Error when there are none).
  void enumerate(const std::function<void(const Architecture&)>& visit) const override;
  nlohmann::json to_json(const Architecture& architecture) const override;
  Architecture from_json(const nlohmann::json& value) const override;
  // LTS records (with `config`) and HW-GPT-Bench records (with `embed_dim`).
  Architecture from_record(const nlohmann::json& record) const override;
  void lower(const Architecture& architecture, ModelSpec& out) const override;
  std::string summary(const Architecture& architecture) const override;

  Gpt2Architecture decode(const Architecture& architecture) const;
  Architecture encode(const Gpt2Architecture& typed) const;

 private:
  // An allocation-free view of the genes, for lowering in the hot loop.
  struct GeneView {
    int n_layer, d_model;
    bool bias, adaptive;
    std::int64_t vocab_size;
    int d_embed, div_val, tgt_len;
    std::int64_t n_token;
    std::span<const std::int64_t> cutoffs;
    const std::int64_t* layers;  // n_head, d_inner pairs
    bool tie_weight, pre_lnorm;
    std::uint32_t untied_projections;
    double weight_init_std, proj_init_std;
  };
  GeneView view(const Architecture& architecture) const;
  // Head counts allowed at width d_model (they must divide it, but for hwgpt's
  // fixed head size), and one draw of a layer's FFN width: shared by sample and mutate.
  std::vector<int> heads_for(int d_model) const;
  int draw_d_inner(int d_model, CounterRng& rng) const;
  std::vector<int> widths_for(int d_model) const;  // the finite FFN widths (empty: a range)
  void validate(const Gpt2Architecture& typed) const;
  // The shared builders the protocol's unit composes (gpt2_lowering.cpp).
  void lower_plain_embedding(const GeneView& a, ModelSpec& out) const;
  void lower_adaptive_embedding(const GeneView& a, ModelSpec& out) const;
  void lower_gpt2_blocks(const GeneView& a, ModelSpec& out) const;
  void lower_relative_blocks(const GeneView& a, ModelSpec& out) const;
  // An archai model_config (LTS record `config`): archai's conventions for -1, lists and cutoffs.
  Gpt2Architecture from_archai_config(const nlohmann::json& config) const;

  // Trailing genes (when an option is not the default): tie_weight, untied projections,
  // pre_lnorm, weight_init_std and proj_init_std in units of 1e-9.
  static constexpr std::size_t kOptionGenes = 5;
  static constexpr double kStdScale = 1e9;

  const Gpt2ProtocolUnit* unit_;  // what the protocol's network is made of
  Gpt2Choices choices_;
};

// The space's protocol names (validated by the registry) as the enum.
Gpt2Protocol parse_gpt2_protocol(const std::string& text);

// The documents the space reads (gpt2_hf_config.cpp): Hugging Face GPT2Config.
std::vector<DocumentKind> gpt2_documents();

// The `pytorch` export's module family (gpt2_pytorch.cpp).
std::string gpt2_pytorch_module();

}  // namespace zerolm
