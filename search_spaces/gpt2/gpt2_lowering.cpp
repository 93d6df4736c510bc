// The gpt2 space's lowering: an architecture's genes to its model spec, from
// shared block builders (the plain or adaptive embedding, GPT-2's block,
// archai's relative-attention layer) composed as the protocol's unit says
// (gpt2_protocols.hpp), with the names of gpt2_tensors.hpp.
#include <cmath>

#include "engine/core/error.hpp"
#include "search_spaces/gpt2/gpt2.hpp"
#include "search_spaces/gpt2/gpt2_protocols.hpp"
#include "search_spaces/gpt2/gpt2_tensors.hpp"

namespace zerolm {

namespace T = gpt2_tensors;

Gpt2Space::GeneView Gpt2Space::view(const Architecture& architecture) const {
  check_space(architecture);
  const auto& g = architecture.genes();
  GeneView v{};
  v.n_layer = static_cast<int>(g[0]);
  v.d_model = static_cast<int>(g[1]);
  v.bias = g[2] != 0;
  v.adaptive = g[3] != 0;
  std::size_t at = 4;
  if (v.adaptive) {
    v.d_embed = static_cast<int>(g[at]);
    v.div_val = static_cast<int>(g[at + 1]);
    v.n_token = g[at + 2];
    v.tgt_len = static_cast<int>(g[at + 3]);
    const auto clusters = static_cast<std::size_t>(g[at + 4]);
    v.cutoffs = std::span<const std::int64_t>(g.data() + at + 5, clusters);
    at += 5 + clusters;
  } else {
    v.vocab_size = g[at++];
  }
  v.layers = g.data() + at;
  at += 2 * static_cast<std::size_t>(v.n_layer);
  v.tie_weight = true;
  v.untied_projections = 1;
  v.pre_lnorm = false;
  v.weight_init_std = kInitStd;
  v.proj_init_std = kProjectionInitStd;
  if (at + kOptionGenes <= g.size()) {
    v.tie_weight = g[at] != 0;
    v.untied_projections = static_cast<std::uint32_t>(g[at + 1]);
    v.pre_lnorm = g[at + 2] != 0;
    v.weight_init_std = static_cast<double>(g[at + 3]) / kStdScale;
    v.proj_init_std = static_cast<double>(g[at + 4]) / kStdScale;
  }
  return v;
}

void Gpt2Space::lower_plain_embedding(const GeneView& a, ModelSpec& out) const {
  const std::int64_t D = a.d_model;
  const Init w = Init::normal(a.weight_init_std);
  out.add_matrix(T::kTokens.weight, Role::embedding, -1, a.vocab_size, D, w);
  if (unit_->plain_positions > 0)
    out.add_matrix(T::kPositions.weight, Role::embedding, -1, unit_->plain_positions, D, w);
  if (unit_->untied_head) out.add_matrix(T::kHead.weight, Role::embedding, -1, D, a.vocab_size, w);
}

// archai's AdaptiveEmbedding + ProjectedAdaptiveLogSoftmax: the softmax reuses the
// embedding tables when tie_weight, and embedding projection i where tie_projs[i].
void Gpt2Space::lower_adaptive_embedding(const GeneView& e, ModelSpec& out) const {
  const std::int64_t D = e.d_model;
  const Init w = Init::normal(e.weight_init_std);
  const std::size_t clusters = e.cutoffs.size();
  ZEROLM_CHECK(clusters <= T::kMaxClusters, "field 'embedding.cutoffs': {} clusters, at most {} supported", clusters,
               T::kMaxClusters);
  const Init projection = Init::normal(e.proj_init_std);
  // Cluster i's embedding width and whether it has a projection to D.
  auto width_of = [&](std::size_t i) {
    std::int64_t width = e.d_embed;
    if (e.div_val != 1) {
      for (std::size_t k = 0; k < i; ++k) width /= e.div_val;
    }
    return width;
  };
  const bool projected = e.div_val != 1 || e.d_embed != D;
  if (e.div_val == 1) {
    out.add_matrix(T::kEmbeddingTable[0].weight, Role::embedding, -1, e.n_token, e.d_embed, w);
    if (projected) out.add_matrix(T::kEmbeddingProjection[0], Role::embedding, -1, D, e.d_embed, projection);
  } else {
    std::int64_t start = 0;
    for (std::size_t i = 0; i < clusters; ++i) {
      out.add_matrix(T::kEmbeddingTable[i].weight, Role::embedding, -1, e.cutoffs[i] - start, width_of(i), w);
      out.add_matrix(T::kEmbeddingProjection[i], Role::embedding, -1, D, width_of(i), projection);
      start = e.cutoffs[i];
    }
  }
  // archai's HfGPT2Flex learns positions; MemTransformerLM's are sinusoidal (no parameters).
  if (unit_->adaptive_positions) out.add_matrix(T::kPositions.weight, Role::embedding, -1, e.tgt_len, D, w);
  // Adaptive softmax: output biases, cluster logits, the untied projections (and tables).
  out.add_vector(T::kSoftmaxBias, Role::embedding, -1, e.n_token, Init::zeros());
  const auto tail_clusters = static_cast<std::int64_t>(clusters) - 1;
  if (tail_clusters > 0) {
    out.add_matrix(T::kClusterWeight, Role::embedding, -1, tail_clusters, e.d_embed, w);
    out.add_vector(T::kClusterBias, Role::embedding, -1, tail_clusters, Init::zeros());
  }
  for (std::size_t i = 0; i < clusters && projected; ++i) {
    if (((e.untied_projections >> i) & 1U) != 0) {
      out.add_matrix(T::kSoftmaxProjection[i], Role::embedding, -1, D, width_of(i), projection);
    }
  }
  if (!e.tie_weight) {
    std::int64_t start = 0;
    for (std::size_t i = 0; i < (e.div_val == 1 ? 1 : clusters); ++i) {
      const std::int64_t end = e.div_val == 1 ? e.n_token : e.cutoffs[i];
      out.add_matrix(T::kSoftmaxTable[i].weight, Role::embedding, -1, end - start, width_of(i), w);
      start = end;
    }
  }
}

// GPT-2's block (lts, hwgpt, gpt2): LayerNorm, attention (fused c_attn), LayerNorm,
// MLP (GELU, or the unit's gated LLaMA MLP), the residual projections scaled by
// 1/sqrt(2 n_layer) as GPT-2 initialises them, then the final LayerNorm.
void Gpt2Space::lower_gpt2_blocks(const GeneView& a, ModelSpec& out) const {
  const std::int64_t D = a.d_model;
  const int n = a.n_layer;
  const Init w = Init::normal(a.weight_init_std);
  const Init residual = Init::normal(a.weight_init_std / std::sqrt(2.0 * n));
  const Init zero = Init::zeros();
  for (int i = 0; i < n; ++i) {
    const Gpt2Layer l{static_cast<int>(a.layers[2 * i]), static_cast<int>(a.layers[2 * i + 1])};
    out.add_vector(T::kNorm1.weight, Role::norm, i, D, Init::ones());
    out.add_vector(T::kNorm1.bias, Role::norm, i, D, zero);
    const std::int64_t width = unit_->head_size != 0 ? static_cast<std::int64_t>(l.n_head) * unit_->head_size : D;
    out.attention_score_width += static_cast<double>(width);
    out.kv_cache_width += static_cast<double>(2 * width);
    out.set_layer_variant(i, static_cast<std::uint8_t>(l.n_head));  // heads change the work, not always the shapes
    out.add_matrix(T::kAttentionIn.weight, Role::attention, i, D, 3 * width, w);
    if (a.bias) out.add_vector(T::kAttentionIn.bias, Role::attention, i, 3 * width, zero);
    out.add_matrix(T::kAttentionOut.weight, Role::attention, i, width, D, residual);
    if (a.bias) out.add_vector(T::kAttentionOut.bias, Role::attention, i, D, zero);
    out.add_vector(T::kNorm2.weight, Role::norm, i, D, Init::ones());
    out.add_vector(T::kNorm2.bias, Role::norm, i, D, zero);
    const std::int64_t F = l.d_inner;
    out.add_matrix(T::kMlpIn.weight, Role::ffn, i, D, F, w);
    if (a.bias) out.add_vector(T::kMlpIn.bias, Role::ffn, i, F, zero);
    if (unit_->gated_mlp) {
      out.add_matrix(T::kMlpGate.weight, Role::ffn, i, D, F, w);
      if (a.bias) out.add_vector(T::kMlpGate.bias, Role::ffn, i, F, zero);
    }
    out.add_matrix(T::kMlpOut.weight, Role::ffn, i, F, D, residual);
    if (a.bias) out.add_vector(T::kMlpOut.bias, Role::ffn, i, D, zero);
  }
}

// archai's MemTransformerLM (attn_type 0) as LTS trained it: per layer the relative
// partial-learnable attention (qkv_net, r_net, o_net without bias, the per-layer
// r_w_bias/r_r_bias of n_head x d_head, LayerNorm) and the position-wise FFN
// (CoreNet with biases, LayerNorm). Every Linear and the r biases are drawn
// N(0, weight_init_std^2) by archai's weights_init; its LayerNorm weights are
// N(1, weight_init_std^2), which the spec states as 1 (docs/SEARCH_SPACES.md).
void Gpt2Space::lower_relative_blocks(const GeneView& a, ModelSpec& out) const {
  const std::int64_t D = a.d_model;
  const Init w = Init::normal(a.weight_init_std);
  const Init zero = Init::zeros();
  out.kv_cache_width += static_cast<double>(D);  // the embedding output, also in archai's mems
  for (int i = 0; i < a.n_layer; ++i) {
    const std::int64_t heads = a.layers[2 * i];
    const std::int64_t F = a.layers[2 * i + 1];
    const std::int64_t d_head = D / heads;
    const std::int64_t width = heads * d_head;
    out.attention_score_width += static_cast<double>(width);
    out.kv_cache_width += static_cast<double>(D);  // archai's mems: each layer's input hidden state
    out.set_layer_variant(i, static_cast<std::uint8_t>(heads));
    out.add_matrix(T::kRelativeQkv.weight, Role::attention, i, D, 3 * width, w);
    out.add_matrix(T::kRelativePositions.weight, Role::attention, i, D, width, w);
    out.add_matrix(T::kRelativeOut.weight, Role::attention, i, width, D, w);
    out.add_matrix(T::kRelativeContentBias, Role::attention, i, heads, d_head, w);
    out.add_matrix(T::kRelativePositionBias, Role::attention, i, heads, d_head, w);
    out.add_vector(T::kRelativeNorm.weight, Role::norm, i, D, Init::ones());
    out.add_vector(T::kRelativeNorm.bias, Role::norm, i, D, zero);
    out.add_matrix(T::kCoreIn.weight, Role::ffn, i, D, F, w);
    out.add_vector(T::kCoreIn.bias, Role::ffn, i, F, zero);
    out.add_matrix(T::kCoreOut.weight, Role::ffn, i, F, D, w);
    out.add_vector(T::kCoreOut.bias, Role::ffn, i, D, zero);
    out.add_vector(T::kCoreNorm.weight, Role::norm, i, D, Init::ones());
    out.add_vector(T::kCoreNorm.bias, Role::norm, i, D, zero);
  }
}

void Gpt2Space::lower(const Architecture& architecture, ModelSpec& out) const {
  const GeneView a = view(architecture);
  out.clear();
  out.layer_prefix = unit_->layer_prefix;
  out.architecture_hash = architecture.hash();
  out.num_layers = a.n_layer;
  if (a.adaptive) {
    lower_adaptive_embedding(a, out);
  } else {
    lower_plain_embedding(a, out);
  }
  switch (unit_->block) {
    case Gpt2BlockKind::gpt2: lower_gpt2_blocks(a, out); break;
    case Gpt2BlockKind::relative: lower_relative_blocks(a, out); break;
  }
  if (unit_->final_norm) {
    out.add_vector(T::kFinalNorm.weight, Role::norm, -1, a.d_model, Init::ones());
    out.add_vector(T::kFinalNorm.bias, Role::norm, -1, a.d_model, Init::zeros());
  }
}

}  // namespace zerolm
