// The LibTorch reference: what a PyTorch user does today. Every architecture's
// parameters are instantiated as LibTorch tensors (registered in a torch::nn::Module,
// initialised as the model spec says with torch's own generators) and the ZeroLM
// capacities are computed with tensor ops, on the CPU or a CUDA device. This header
// includes no LibTorch: only engine/reference/torch_reference.cpp does, and it is
// built as a plugin (libzerolm_torch_reference.so) that the CLI loads only when a
// benchmark asks for it, so `zerolm` itself starts without loading LibTorch.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "engine/core/model_spec.hpp"
#include "proxies/proxy.hpp"
#include "search_spaces/search_space.hpp"

namespace zerolm::reference {

// Whether LibTorch sees a CUDA device.
bool torch_cuda_available();

struct TorchRun {
  std::vector<ProxyBreakdown> breakdowns;
  double seconds = 0.0;  // instantiation + initialisation + proxy, synchronised
};

// ZeroLM by tensor ops on freshly built and initialised LibTorch networks.
// `device` is "cpu" or "cuda".
TorchRun torch_zerolm(const SearchSpace& space, std::span<const Architecture> architectures, const ProxyOptions& options,
                      const std::string& device, std::uint64_t seed);

// The `given` mode check: instantiate one network with LibTorch, then score the
// same tensors twice, by tensor ops and by the weight-statistics kernels reading
// the tensors' memory (the CPU twin on "cpu", the CUDA backend on "cuda").
struct GivenComparison {
  ProxyBreakdown torch;
  ProxyBreakdown kernels;
};
GivenComparison compare_given(const SearchSpace& space, const Architecture& architecture, const ProxyOptions& options,
                              const std::string& device, std::uint64_t seed);

// Runs the network's forward pass on random tokens [batch, sequence]; returns the
// output's shape, and throws if it holds a non-finite value.
std::vector<std::int64_t> forward_shape(const SearchSpace& space, const Architecture& architecture, std::int64_t batch,
                                        std::int64_t sequence);

// The plugin's entry points, for the CLI's dlopen (see torch_plugin.hpp).
struct TorchReferenceApi {
  bool (*cuda_available)();
  TorchRun (*zerolm)(const SearchSpace&, std::span<const Architecture>, const ProxyOptions&, const std::string&,
                     std::uint64_t);
};

}  // namespace zerolm::reference

extern "C" const zerolm::reference::TorchReferenceApi* zerolm_torch_reference_api();
