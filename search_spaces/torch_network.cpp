// Building blocks shared by the spaces' LibTorch networks.
#include "search_spaces/torch_network.hpp"

#include <cmath>
#include <limits>

namespace zerolm::torch_blocks {

namespace nn = torch::nn;

nn::Linear linear(std::int64_t in, std::int64_t out, bool bias) {
  return nn::Linear(nn::LinearOptions(in, out).bias(bias));
}

nn::LayerNorm layer_norm(std::int64_t width) { return nn::LayerNorm(nn::LayerNormOptions({width})); }

at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal) {
  auto scores = at::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (causal) {
    // Built from the scores' own shape, so a traced (TorchScript) network takes any length.
    const auto mask = at::ones_like(scores, scores.options().dtype(at::kBool)).triu(1);
    scores = scores.masked_fill(mask, -std::numeric_limits<float>::infinity());
  }
  return at::matmul(at::softmax(scores, -1), v);
}

at::Tensor split_heads(const at::Tensor& x, std::int64_t heads) { return x.unflatten(-1, {heads, -1}).transpose(1, 2); }
at::Tensor merge_heads(const at::Tensor& x) { return x.transpose(1, 2).flatten(-2); }

at::Tensor positions_along(const at::Tensor& like, std::int64_t dim) { return at::ones_like(like).cumsum(dim) - 1; }

at::Tensor rotate_half_split(const at::Tensor& x, double base) {
  const auto half = x.size(3) / 2;  // the head width: fixed by the architecture
  const auto frequencies = at::pow(base, -at::arange(half, x.options()) / static_cast<double>(half));
  const auto angles = positions_along(x.narrow(-1, 0, 1), 2) * frequencies;  // [b, heads, t, half]
  const auto cos = at::cos(angles), sin = at::sin(angles);
  const auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
  return at::cat({x1 * cos - x2 * sin, x1 * sin + x2 * cos}, -1);
}

}  // namespace zerolm::torch_blocks
