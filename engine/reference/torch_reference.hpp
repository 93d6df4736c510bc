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
TorchRun torch_zerolm(const SearchSpace& space, std::span<const Architecture> architectures,
                      const ProxyOptions& options, const std::string& device, std::uint64_t seed);

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

// How a forward pass is timed: random tokens [batch, sequence] on `device`
// ("cpu" or "cuda"), no autograd, `warmup` untimed passes, then the median of
// `repeats` timed ones (synchronised on CUDA).
struct LatencyWorkload {
  std::string device = "cpu";
  std::int64_t batch = 1;
  std::int64_t sequence = 128;
  int warmup = 2;
  int repeats = 5;
  int threads = 0;  // CPU intra-op threads; 0 leaves LibTorch's default
};

// Milliseconds: the whole forward pass, and (with per_stage) each stage on its
// own: the embedding, every layer, and what follows the last layer.
struct LatencyProfile {
  double forward_ms = 0.0;
  double embed_ms = 0.0;
  std::vector<double> layer_ms;
  double finish_ms = 0.0;
};
LatencyProfile measure_latency(const SearchSpace& space, const Architecture& architecture,
                               const LatencyWorkload& workload, bool per_stage);

// Writes the network, initialised as its spec says (torch generators, `seed`),
// as a TorchScript module to `path`, with `metadata_json` as the extra file
// "zerolm.json". The module maps token ids [batch, sequence] of any size to
// hidden states.
void export_torchscript(const SearchSpace& space, const Architecture& architecture, const std::string& path,
                        std::uint64_t seed, const std::string& metadata_json);

// The plugin's entry points, for the CLI's dlopen (see torch_plugin.hpp).
struct TorchReferenceApi {
  bool (*cuda_available)();
  TorchRun (*zerolm)(const SearchSpace&, std::span<const Architecture>, const ProxyOptions&, const std::string&,
                     std::uint64_t);
  LatencyProfile (*measure_latency)(const SearchSpace&, const Architecture&, const LatencyWorkload&, bool);
  void (*export_torchscript)(const SearchSpace&, const Architecture&, const std::string&, std::uint64_t,
                             const std::string&);
};

}  // namespace zerolm::reference

extern "C" const zerolm::reference::TorchReferenceApi* zerolm_torch_reference_api();
