// The llama space's network in LibTorch: Hugging Face LlamaForCausalLM (and
// DeciLM's no-op blocks), parameter names as its state_dict names them.
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>

#include <cmath>

#include "search_spaces/llama/llama.hpp"
#include "search_spaces/torch_network.hpp"

namespace zerolm {

namespace {

namespace nn = torch::nn;
using namespace torch_blocks;

// LlamaRMSNorm: x / sqrt(mean(x^2) + eps) * weight, statistics in fp32.
struct RmsNormImpl : nn::Module {
  explicit RmsNormImpl(std::int64_t width) { weight = register_parameter("weight", at::ones({width})); }
  at::Tensor forward(const at::Tensor& x) {
    const auto x32 = x.to(at::kFloat);
    const auto normed = x32 * at::rsqrt(x32.pow(2).mean(-1, /*keepdim=*/true) + kEpsilon);
    return weight * normed.to(x.scalar_type());
  }
  static constexpr double kEpsilon = 1e-5;  // TinyLlama's and SmolLM's rms_norm_eps
  at::Tensor weight;
};
TORCH_MODULE(RmsNorm);

struct LlamaBlockImpl : nn::Module {
  LlamaBlockImpl(const LlamaArchitecture& a, const LlamaLayer& l) : heads(l.heads), kv_heads(l.kv_heads) {
    const std::int64_t h = a.hidden_size, d = a.head_dim;
    if (!l.skips_attention()) {
      input_layernorm = register_module("input_layernorm", RmsNorm(h));
      auto attn = register_module("self_attn", std::make_shared<nn::Module>());
      q_proj = attn->register_module("q_proj", linear(h, heads * d, a.attention_bias));
      k_proj = attn->register_module("k_proj", linear(h, kv_heads * d, a.attention_bias));
      v_proj = attn->register_module("v_proj", linear(h, kv_heads * d, a.attention_bias));
      o_proj = attn->register_module("o_proj", linear(heads * d, h, a.attention_bias));
    }
    if (!l.skips_ffn()) {
      post_attention_layernorm = register_module("post_attention_layernorm", RmsNorm(h));
      auto mlp = register_module("mlp", std::make_shared<nn::Module>());
      gate_proj = mlp->register_module("gate_proj", linear(h, l.intermediate, a.mlp_bias));
      up_proj = mlp->register_module("up_proj", linear(h, l.intermediate, a.mlp_bias));
      down_proj = mlp->register_module("down_proj", linear(l.intermediate, h, a.mlp_bias));
    }
  }
  at::Tensor forward(at::Tensor x) {
    if (q_proj) {
      const auto y = input_layernorm(x);
      const auto q = rotate_half_split(split_heads(q_proj(y), heads));
      // GQA: KV head j serves query heads j * group .. (j + 1) * group - 1 (HF's repeat_kv).
      const auto group = heads / kv_heads;
      const auto k = rotate_half_split(split_heads(k_proj(y), kv_heads)).repeat_interleave(group, 1);
      const auto v = split_heads(v_proj(y), kv_heads).repeat_interleave(group, 1);
      x = x + o_proj(merge_heads(attend(q, k, v, /*causal=*/true)));
    }
    if (gate_proj) {
      const auto y = post_attention_layernorm(x);
      x = x + down_proj(at::silu(gate_proj(y)) * up_proj(y));
    }
    return x;
  }
  std::int64_t heads, kv_heads;
  RmsNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  nn::Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};
  nn::Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(LlamaBlock);

class LlamaNetwork final : public TorchNetwork {
 public:
  explicit LlamaNetwork(const LlamaArchitecture& a) {
    auto model = register_module("model", std::make_shared<nn::Module>());
    embed_tokens = model->register_module("embed_tokens", nn::Embedding(a.vocab_size, a.hidden_size));
    layers = model->register_module("layers", nn::ModuleList());
    for (const auto& l : a.layers) layers->push_back(LlamaBlock(a, l));
    norm = model->register_module("norm", RmsNorm(a.hidden_size));
    // A tied head is the embedding itself (no parameter of its own); logits are
    // not part of the hidden-state forward pass either way.
    if (!a.tie_word_embeddings) lm_head = register_module("lm_head", linear(a.hidden_size, a.vocab_size, false));
  }
  at::Tensor embed(const at::Tensor& tokens) override { return embed_tokens(tokens); }
  std::size_t num_layers() const override { return layers->size(); }
  at::Tensor layer(std::size_t i, const at::Tensor& x) override { return layers[i]->as<LlamaBlockImpl>()->forward(x); }
  at::Tensor finish(const at::Tensor& x) override { return norm(x); }

 private:
  nn::Embedding embed_tokens{nullptr};
  nn::ModuleList layers{nullptr};
  RmsNorm norm{nullptr};
  nn::Linear lm_head{nullptr};
};

}  // namespace

std::shared_ptr<TorchNetwork> llama_torch_network(const SearchSpace& space, const Architecture& architecture) {
  return std::make_shared<LlamaNetwork>(dynamic_cast<const LlamaSpace&>(space).decode(architecture));
}

}  // namespace zerolm
