// The gpt2 space's network in LibTorch (lts, hwgpt, gpt2, transxl).
#include "search_spaces/gpt2/gpt2.hpp"

#include "search_spaces/gpt2/gpt2_protocols.hpp"
#include "search_spaces/gpt2/gpt2_tensors.hpp"
#include "search_spaces/torch_network.hpp"

#include <torch/fft.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <cmath>
#include <string>
#include <string_view>
#include <utility>

namespace zerolm {

namespace {

namespace nn = torch::nn;
using namespace torch_blocks;
namespace T = gpt2_tensors;

// The module that holds a dotted path's last name ("attn" for "attn.c_attn"),
// created (an empty nn::Module) where it does not exist yet, and that last name.
std::pair<nn::Module*, std::string> parent_of(nn::Module& root, std::string_view path) {
  nn::Module* parent = &root;
  for (auto dot = path.find('.'); dot != std::string_view::npos; dot = path.find('.')) {
    const std::string name(path.substr(0, dot));
    const auto children = parent->named_children();
    const auto* found = children.find(name);
    parent = found != nullptr ? found->get() : parent->register_module(name, std::make_shared<nn::Module>()).get();
    path.remove_prefix(dot + 1);
  }
  return {parent, std::string(path)};
}

// `module` registered at its path in the tensor-name table.
template <class M>
M register_at(nn::Module& root, const T::Module& where, M module) {
  const auto [parent, name] = parent_of(root, where.path);
  return parent->register_module(name, module);
}

at::Tensor register_parameter_at(nn::Module& root, std::string_view path, const at::Tensor& value) {
  const auto [parent, name] = parent_of(root, path);
  return parent->register_parameter(name, value);
}

struct Gpt2BlockImpl : nn::Module {
  Gpt2BlockImpl(std::int64_t D, const Gpt2Layer& l, bool bias, const Gpt2ProtocolUnit& unit)
      : heads(l.n_head), rotary(unit.rotary), gated_mlp(unit.gated_mlp) {
    width = unit.head_size != 0 ? static_cast<std::int64_t>(l.n_head) * unit.head_size : D;
    ln_1 = register_at(*this, T::kNorm1, layer_norm(D));
    c_attn = register_at(*this, T::kAttentionIn, linear(D, 3 * width, bias));
    attn_proj = register_at(*this, T::kAttentionOut, linear(width, D, bias));
    ln_2 = register_at(*this, T::kNorm2, layer_norm(D));
    c_fc = register_at(*this, T::kMlpIn, linear(D, l.d_inner, bias));
    if (gated_mlp) c_fc2 = register_at(*this, T::kMlpGate, linear(D, l.d_inner, bias));
    mlp_proj = register_at(*this, T::kMlpOut, linear(l.d_inner, D, bias));
  }
  at::Tensor forward(const at::Tensor& x) {
    const auto qkv = c_attn(ln_1(x)).split(width, -1);
    auto q = split_heads(qkv[0], heads), k = split_heads(qkv[1], heads);
    if (rotary) {
      q = rotate_half_split(q);
      k = rotate_half_split(k);
    }
    auto h = x + attn_proj(merge_heads(attend(q, k, split_heads(qkv[2], heads), true)));
    const auto m = ln_2(h);
    const auto inner = gated_mlp ? at::silu(c_fc(m)) * c_fc2(m) : at::gelu(c_fc(m));
    return h + mlp_proj(inner);
  }
  std::int64_t heads, width = 0;
  bool rotary, gated_mlp;
  nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  nn::Linear c_attn{nullptr}, attn_proj{nullptr}, c_fc{nullptr}, c_fc2{nullptr}, mlp_proj{nullptr};
};
TORCH_MODULE(Gpt2Block);

// archai's RelPartialLearnableDecoderLayer (MemTransformerLM, attn_type 0) without
// memory: relative multi-head attention with the per-layer r_w_bias/r_r_bias, then
// the position-wise FFN (ReLU), each with a LayerNorm after (or before, pre_lnorm)
// its residual. Positions enter only through the sinusoid of the query-key distance.
struct TransXlBlockImpl : nn::Module {
  TransXlBlockImpl(std::int64_t D, const Gpt2Layer& l, bool pre_lnorm_)
      : heads(l.n_head), d_model(D), d_head(D / l.n_head), pre_lnorm(pre_lnorm_) {
    const std::int64_t width = heads * d_head;
    qkv_net = register_at(*this, T::kRelativeQkv, linear(D, 3 * width, false));
    r_net = register_at(*this, T::kRelativePositions, linear(D, width, false));
    o_net = register_at(*this, T::kRelativeOut, linear(width, D, false));
    r_w_bias = register_parameter_at(*this, T::kRelativeContentBias, at::zeros({heads, d_head}));
    r_r_bias = register_parameter_at(*this, T::kRelativePositionBias, at::zeros({heads, d_head}));
    attn_norm = register_at(*this, T::kRelativeNorm, layer_norm(D));
    ff_in = register_at(*this, T::kCoreIn, linear(D, l.d_inner, true));  // CoreNet.1 is the ReLU, .2 dropout
    ff_out = register_at(*this, T::kCoreOut, linear(l.d_inner, D, true));
    ff_norm = register_at(*this, T::kCoreNorm, layer_norm(D));
  }
  at::Tensor forward(const at::Tensor& x) {
    // Positions 0..t-1 as traced ops (no sequence length frozen into an export).
    const auto p = positions_along(x.narrow(-1, 0, 1), 1).select(0, 0);  // [t, 1]
    const auto inv_freq =
        at::pow(10000.0, -at::arange(0, d_model, 2, x.options()) / static_cast<double>(d_model));  // [D/2]
    const auto angles = p * inv_freq;                                                              // [t, D/2]
    const auto pos_emb = at::cat({at::sin(angles), at::cos(angles)}, -1);                          // distance d = row
    const auto r_head_k = r_net(pos_emb).unflatten(-1, {heads, d_head}).permute({1, 2, 0});        // [h, dh, t]

    const auto input = pre_lnorm ? attn_norm(x) : x;
    const auto qkv = qkv_net(input).chunk(3, -1);
    const auto q = split_heads(qkv[0], heads), k = split_heads(qkv[1], heads), v = split_heads(qkv[2], heads);
    const auto ac = at::matmul(q + r_w_bias.unsqueeze(1), k.transpose(-2, -1));  // [b, h, i, j]
    // Scores against every distance d, then the one of (i, j) is d = i - j: the same
    // terms archai's _rel_shift picks out for a causal query without memory.
    const auto bd_by_distance = at::matmul(q + r_r_bias.unsqueeze(1), r_head_k);  // [b, h, i, d]
    const auto distance = (p - p.transpose(0, 1)).clamp_min(0.0).to(at::kLong);   // [i, j]
    const auto bd = bd_by_distance.gather(-1, distance.expand_as(ac));
    const auto future = p.transpose(0, 1) > p;  // j > i
    const auto scores = ((ac + bd) / std::sqrt(static_cast<double>(d_head))).masked_fill(future, -INFINITY);
    const auto attended = o_net(merge_heads(at::matmul(at::softmax(scores, -1), v)));
    const auto h = pre_lnorm ? x + attended : attn_norm(x + attended);
    const auto core = ff_out(at::relu(ff_in(pre_lnorm ? ff_norm(h) : h)));
    return pre_lnorm ? h + core : ff_norm(h + core);
  }
  std::int64_t heads, d_model, d_head;
  bool pre_lnorm;
  nn::Linear qkv_net{nullptr}, r_net{nullptr}, o_net{nullptr}, ff_in{nullptr}, ff_out{nullptr};
  nn::LayerNorm attn_norm{nullptr}, ff_norm{nullptr};
  at::Tensor r_w_bias, r_r_bias;
};
TORCH_MODULE(TransXlBlock);

class Gpt2Network final : public TorchNetwork {
 public:
  Gpt2Network(const Gpt2Architecture& a, const Gpt2ProtocolUnit& unit) : d_model(a.d_model) {
    const std::int64_t D = a.d_model;
    if (!a.adaptive) {
      wte = register_at(*this, T::kTokens, nn::Embedding(a.vocab_size, D));
      if (unit.plain_positions > 0) wpe = register_at(*this, T::kPositions, nn::Embedding(unit.plain_positions, D));
      if (unit.untied_head) lm_head = register_at(*this, T::kHead, linear(D, a.vocab_size, false));
    } else {
      build_adaptive(a.adaptive_embedding, D, unit.adaptive_positions);
    }
    auto blocks = register_module(std::string(unit.layer_prefix), nn::ModuleList());
    for (const auto& l : a.layers) {
      switch (unit.block) {
        case Gpt2BlockKind::gpt2: blocks->push_back(Gpt2Block(D, l, a.bias, unit)); break;
        case Gpt2BlockKind::relative: blocks->push_back(TransXlBlock(D, l, a.pre_lnorm)); break;
      }
    }
    (unit.block == Gpt2BlockKind::relative ? layers : h) = blocks;
    if (unit.final_norm) ln_f = register_at(*this, T::kFinalNorm, layer_norm(D));
  }
  at::Tensor embed(const at::Tensor& tokens) override {
    at::Tensor x = adaptive_layers.empty() ? wte(tokens) : adaptive_embed(tokens);
    return wpe ? x + wpe(positions_along(tokens, 1)) : x;
  }
  std::size_t num_layers() const override { return layers ? layers->size() : h->size(); }
  at::Tensor layer(std::size_t i, const at::Tensor& x) override {
    return layers ? layers[i]->as<TransXlBlockImpl>()->forward(x) : h[i]->as<Gpt2BlockImpl>()->forward(x);
  }
  at::Tensor finish(const at::Tensor& x) override { return ln_f ? ln_f(x) : x; }

 private:
  void build_adaptive(const AdaptiveEmbedding& e, std::int64_t D, bool learned_positions) {
    // Every tensor at its name in the tensor-name table, as the model spec names it.
    const bool projected = e.div_val != 1 || e.d_embed != D;
    std::int64_t start = 0, width = e.d_embed;
    for (std::size_t i = 0; i < (e.div_val == 1 ? 1 : e.cutoffs.size()); ++i) {
      const std::int64_t end = e.div_val == 1 ? e.n_token : e.cutoffs[i];
      adaptive_layers.push_back(register_at(*this, T::kEmbeddingTable[i], nn::Embedding(end - start, width)));
      // The registered tensor itself: initialised in place later.
      adaptive_projections.push_back(
          projected ? register_parameter_at(*this, T::kEmbeddingProjection[i], at::empty({D, width})) : at::Tensor());
      cluster_ends.push_back(end);
      start = end;
      width /= e.div_val;
    }
    if (learned_positions) wpe = register_at(*this, T::kPositions, nn::Embedding(e.tgt_len, D));
    register_parameter_at(*this, T::kSoftmaxBias, at::zeros({e.n_token}));
    const auto tail = static_cast<std::int64_t>(e.cutoffs.size()) - 1;
    if (tail > 0) {
      register_parameter_at(*this, T::kClusterWeight, at::empty({tail, e.d_embed}));
      register_parameter_at(*this, T::kClusterBias, at::zeros({tail}));
    }
    // The softmax's own projections (tie_projs false) and tables (tie_weight false).
    std::int64_t projection_width = e.d_embed;
    for (std::size_t i = 0; i < e.cutoffs.size(); ++i) {
      if (projected && ((e.untied_projections >> i) & 1U) != 0) {
        register_parameter_at(*this, T::kSoftmaxProjection[i], at::empty({D, projection_width}));
      }
      if (e.div_val != 1) projection_width /= e.div_val;
    }
    if (!e.tie_weight) {
      std::int64_t table_start = 0, table_width = e.d_embed;
      for (std::size_t i = 0; i < (e.div_val == 1 ? 1 : e.cutoffs.size()); ++i) {
        const std::int64_t end = e.div_val == 1 ? e.n_token : e.cutoffs[i];
        register_parameter_at(*this, T::kSoftmaxTable[i].weight, at::empty({end - table_start, table_width}));
        table_start = end;
        table_width /= e.div_val;
      }
    }
  }
  at::Tensor adaptive_embed(const at::Tensor& tokens) {
    at::Tensor out;
    std::int64_t start = 0;
    for (std::size_t i = 0; i < adaptive_layers.size(); ++i) {
      const auto in_cluster = (tokens >= start) & (tokens < cluster_ends[i]);
      auto e = adaptive_layers[i](at::where(in_cluster, tokens - start, at::zeros_like(tokens)));
      if (adaptive_projections[i].defined()) e = at::matmul(e, adaptive_projections[i].transpose(0, 1));
      const auto term = e * in_cluster.unsqueeze(-1).to(e.scalar_type());
      out = out.defined() ? out + term : term;
      start = cluster_ends[i];
    }
    return out * std::sqrt(static_cast<double>(d_model));
  }

  std::int64_t d_model;
  nn::Embedding wte{nullptr}, wpe{nullptr};
  nn::Linear lm_head{nullptr};
  std::vector<nn::Embedding> adaptive_layers;
  std::vector<at::Tensor> adaptive_projections;
  std::vector<std::int64_t> cluster_ends;
  nn::ModuleList h{nullptr}, layers{nullptr};
  nn::LayerNorm ln_f{nullptr};
};

}  // namespace

std::shared_ptr<TorchNetwork> gpt2_torch_network(const SearchSpace& space, const Architecture& architecture) {
  const auto& gpt2 = dynamic_cast<const Gpt2Space&>(space);
  return std::make_shared<Gpt2Network>(gpt2.decode(architecture),
                                       gpt2_protocol(parse_gpt2_protocol(std::string(space.protocol()))));
}

}  // namespace zerolm
