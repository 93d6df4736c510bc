// A search space's network in LibTorch (built only into the LibTorch plugin,
// libzerolm_torch_reference.so): each space's NAME_network.cpp defines
// `NAME_torch_network`, listed through search_spaces/spaces.def. Parameter names
// equal the model spec's tensor names (a test checks every space), so the spec's
// initialisation and the kernels' `given` mode address the same tensors. The
// building blocks several spaces share are here.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <cstdint>
#include <memory>

#include "search_spaces/search_space.hpp"

namespace zerolm {

// A network in three stages, so latency can be profiled per layer:
// embed -> layer 0 .. n-1 -> finish.
class TorchNetwork : public torch::nn::Module {
 public:
  // Token ids [batch, sequence] -> hidden states [batch, sequence, width].
  virtual at::Tensor embed(const at::Tensor& tokens) = 0;
  virtual std::size_t num_layers() const = 0;
  virtual at::Tensor layer(std::size_t index, const at::Tensor& hidden) = 0;
  virtual at::Tensor finish(const at::Tensor& hidden) { return hidden; }

  at::Tensor forward(const at::Tensor& tokens) {
    auto x = embed(tokens);
    for (std::size_t i = 0; i < num_layers(); ++i) x = layer(i, x);
    return finish(x);
  }
};

using TorchNetworkBuilder = std::shared_ptr<TorchNetwork> (*)(const SearchSpace& space,
                                                              const Architecture& architecture);

namespace torch_blocks {

torch::nn::Linear linear(std::int64_t in, std::int64_t out, bool bias = true);
torch::nn::LayerNorm layer_norm(std::int64_t width);

// Scaled dot-product attention over [batch, heads, sequence, head width].
at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal);

// [b, t, heads * w] -> [b, heads, t, w] and back. No batch or sequence sizes
// appear as numbers (a trace would freeze them): exported TorchScript takes any shape.
at::Tensor split_heads(const at::Tensor& x, std::int64_t heads);
at::Tensor merge_heads(const at::Tensor& x);

// 0, 1, ..., n-1 along `dim` of `like`, as a traced op (an arange would freeze n).
at::Tensor positions_along(const at::Tensor& like, std::int64_t dim);

// Rotary position embedding on [b, heads, t, w], the half-split convention
// (dimension i pairs with i + w/2), frequencies base^(-2i/w).
at::Tensor rotate_half_split(const at::Tensor& x, double base = 10000.0);

}  // namespace torch_blocks

}  // namespace zerolm
