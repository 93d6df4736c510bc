// The search spaces' networks as LibTorch modules with a forward pass. Parameter
// names equal the model spec's tensor names (a test checks every one), so the spec's
// initialisation and the kernels' `given` mode address the same tensors. Included
// only by the LibTorch plugin's translation units.
#pragma once

#include <torch/nn/module.h>

#include <memory>

#include "search_spaces/search_space.hpp"

namespace zerolm::reference {

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

// The network of `architecture` under the space's protocol (flexibert or gpt2).
std::shared_ptr<TorchNetwork> build_network(const SearchSpace& space, const Architecture& architecture);

// Initialises every parameter as `spec` says (torch's generators); throws when the
// network and the spec disagree on a name or a size.
void initialise_from_spec(torch::nn::Module& network, const ModelSpec& spec);

}  // namespace zerolm::reference
