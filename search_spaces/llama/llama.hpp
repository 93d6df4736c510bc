// LLaMA-style decoders as Hugging Face's LlamaForCausalLM builds them, with
// per-layer query heads, KV heads (GQA/MQA), FFN widths and skipped (no-op)
// attention or FFN blocks as Nemotron-NAS/DeciLM builds them. One protocol:
//   hf : token embedding, per layer RMSNorm + GQA attention with rotary positions
//        and RMSNorm + SwiGLU MLP, final RMSNorm, LM head tied or not
// (docs/SEARCH_SPACES.md; /work/notes/hf/SPEC.md has the sources).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "search_spaces/search_space.hpp"

namespace zerolm {

// One decoder layer. A block of width 0 is skipped: it has no parameters, not
// even its norm (DeciLM's no_op), and is the identity in the forward pass.
struct LlamaLayer {
  int heads = 0;         // query heads; 0: attention skipped
  int kv_heads = 0;      // KV heads, a divisor of heads (heads: MHA, 1: MQA); 0 iff heads is 0
  int intermediate = 0;  // SwiGLU width of gate/up/down; 0: FFN skipped
  bool skips_attention() const { return heads == 0; }
  bool skips_ffn() const { return intermediate == 0; }
  friend bool operator==(const LlamaLayer&, const LlamaLayer&) = default;
};

struct LlamaArchitecture {
  int hidden_size = 2048;
  std::int64_t vocab_size = 32000;
  bool tie_word_embeddings = false;
  int head_dim = 64;
  bool attention_bias = false;
  bool mlp_bias = false;
  double initializer_range = 0.02;  // std of every weight matrix and the embedding
  std::vector<LlamaLayer> layers;
  friend bool operator==(const LlamaArchitecture&, const LlamaArchitecture&) = default;
};

// Every dimension's range (validation; documented in docs/SEARCH_SPACES.md).
// They keep every parameter count below 2^50, exact in a double and an int64.
struct LlamaLimits {
  static constexpr int kMaxHidden = 65536;
  static constexpr int kMaxLayers = 1024;
  static constexpr std::int64_t kMaxVocabulary = 1 << 24;
  static constexpr int kMaxHeadDim = 1024;  // even: rotary pairs dimension i with i + head_dim / 2
  static constexpr int kMaxHeads = 1024;
  static constexpr int kMaxIntermediate = 1 << 20;
};

// The space's choice sets (the config's `choices`; docs/SEARCH_SPACES.md).
struct LlamaChoices {
  std::vector<int> hidden_sizes{512, 768, 1024, 1536, 2048};
  std::vector<int> layer_counts{8, 12, 16, 20, 24};
  std::vector<std::int64_t> vocab_sizes{32000};
  std::vector<bool> tie{false, true};
  std::vector<int> head_dims{64};
  std::vector<bool> attention_bias{false};
  std::vector<bool> mlp_bias{false};
  std::vector<double> initializer_ranges{0.02};
  // Per layer. Query heads are offered where heads x head_dim <= hidden_size;
  // KV heads where they divide the query heads.
  std::vector<int> heads{4, 8, 12, 16, 24, 32};
  std::vector<int> kv_heads{1, 2, 4, 8};
  // FFN widths: `intermediate_sizes` when set, else ratio x hidden_size rounded
  // up to a multiple of 256 (LLaMA-2 ~2.7, LLaMA-3 3.5, TinyLlama 2.75).
  std::vector<int> intermediate_sizes;
  std::vector<double> intermediate_ratios{2.0, 2.75, 3.5};
  std::vector<bool> skip_attention{false, true};
  std::vector<bool> skip_ffn{false, true};
};

class LlamaSpace final : public SearchSpace {
 public:
  explicit LlamaSpace(LlamaChoices choices = {});

  std::string_view name() const override { return "llama"; }
  std::string_view protocol() const override { return "hf"; }
  std::vector<Dimension> dimensions() const override;
  Architecture sample(CounterRng& rng) const override;
  Architecture mutate(const Architecture& parent, CounterRng& rng) const override;
  // The number of architectures, or nullopt beyond 2^64.
  std::optional<std::uint64_t> size() const override;
  void enumerate(const std::function<void(const Architecture&)>& visit) const override;
  std::vector<LayeredFamily> layered_families() const override;
  nlohmann::json to_json(const Architecture& architecture) const override;
  Architecture from_json(const nlohmann::json& value) const override;
  // A Hugging Face config (LlamaForCausalLM or Nemotron-NAS block_configs).
  Architecture from_record(const nlohmann::json& record) const override;
  void lower(const Architecture& architecture, ModelSpec& out) const override;
  std::string summary(const Architecture& architecture) const override;

  LlamaArchitecture decode(const Architecture& architecture) const;
  Architecture encode(const LlamaArchitecture& typed) const;  // validates

  // The layers one global configuration offers: attention options (heads, KV
  // heads; (0, 0) when skipping is a choice) times FFN widths (0 likewise).
  std::vector<LlamaLayer> layer_options(int hidden_size, int head_dim) const;
  const LlamaChoices& choices() const { return choices_; }

 private:
  std::vector<std::pair<int, int>> attention_options(int hidden_size, int head_dim) const;
  std::vector<int> ffn_options(int hidden_size) const;
  // The global configurations (every gene but the layers), in a fixed order.
  std::vector<LlamaArchitecture> global_configurations() const;

  LlamaChoices choices_;
};

// Hugging Face configs as llama architectures (the space's document kinds):
// model_type llama (LlamaForCausalLM) and nemotron-nas (DeciLMForCausalLM with
// block_configs). Errors name the field and value (callers add the file).
LlamaArchitecture llama_from_hf_config(const nlohmann::json& config);

// The Hugging Face config that builds exactly this network: LlamaConfig when the
// layers are equal and skip nothing, else DeciLM/Nemotron-NAS block_configs (what
// llama_from_hf_config reads); an Error naming --format pytorch where neither can.
nlohmann::json llama_to_hf_config(const LlamaSpace& space, const Architecture& architecture);

// DeciLM's FFN width: round(ffn_mult, 6), int(2 * ffn_mult * hidden / 3) in
// IEEE double left to right, rounded up to a multiple of 256.
std::int64_t decilm_intermediate_size(double ffn_mult, std::int64_t hidden_size);

// The `pytorch` export's module family (llama_pytorch.cpp).
std::string llama_pytorch_module();

}  // namespace zerolm
