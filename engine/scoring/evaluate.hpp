// Lower a list of architectures to model specs and score them with a proxy, in
// parallel batches of at most `batch_size` architectures (grain of the parallel
// loop; memory stays bounded for any sample size).
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "proxies/proxy.hpp"
#include "search_spaces/search_space.hpp"

namespace zerolm {

std::vector<ProxyBreakdown> evaluate(const SearchSpace& space, const Proxy& proxy,
                                     std::span<const Architecture> architectures, std::size_t batch_size = 64);

// The same for architectures held elsewhere (the Python package's objects):
// `architecture(i)` for i in [0, count), called from worker threads. Scores only.
void evaluate_scores(const SearchSpace& space, const Proxy& proxy, std::size_t count,
                     const std::function<const Architecture&(std::size_t)>& architecture, std::span<double> scores,
                     std::size_t batch_size = 64);

// The backend that draws `proxy`'s sampled weights on `device` (auto|cpu|cuda),
// of the kernel family the proxy's registry entry names; `picked`,
// when given, says which backend and why. An Error for cuda without a GPU.
const kernels::WeightStatisticsBackend& sampled_weights_backend(const std::string& device, std::string_view proxy,
                                                                std::string* picked = nullptr);

// Parameters by role, as `zerolm params` reports them.
struct ParameterBreakdown {
  std::int64_t total = 0, embedding = 0, attention = 0, ffn = 0, norm = 0;
  std::int32_t layers = 0;
  std::int64_t non_embedding() const { return total - embedding; }
};
ParameterBreakdown parameter_breakdown(const ModelSpec& spec);
std::vector<ParameterBreakdown> parameter_breakdowns(const SearchSpace& space,
                                                     std::span<const Architecture> architectures);

// Total parameter count of each architecture.
std::vector<double> parameter_counts(const SearchSpace& space, std::span<const Architecture> architectures);

// A seeded sample: architecture i comes from stream i of the seed, so the sample
// does not depend on the thread count.
std::vector<Architecture> sample_architectures(const SearchSpace& space, std::size_t count, std::uint64_t seed);

}  // namespace zerolm
