#include "engine/scoring/evaluate.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>

namespace zerolm {

std::vector<ProxyBreakdown> evaluate(const SearchSpace& space, const Proxy& proxy,
                                     std::span<const Architecture> architectures, std::size_t batch_size) {
  std::vector<ProxyBreakdown> out(architectures.size());
  std::vector<ModelSpec> specs(std::min(batch_size, architectures.size()));
  for (std::size_t begin = 0; begin < architectures.size(); begin += batch_size) {
    const std::size_t n = std::min(batch_size, architectures.size() - begin);
    tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) { space.lower(architectures[begin + i], specs[i]); });
    proxy.score(std::span<const ModelSpec>(specs.data(), n), std::span<ProxyBreakdown>(out.data() + begin, n));
  }
  return out;
}

std::vector<double> parameter_counts(const SearchSpace& space, std::span<const Architecture> architectures) {
  std::vector<double> counts(architectures.size());
  tbb::parallel_for(std::size_t{0}, architectures.size(), [&](std::size_t i) {
    ModelSpec spec;
    space.lower(architectures[i], spec);
    counts[i] = static_cast<double>(spec.total_parameters());
  });
  return counts;
}

std::vector<Architecture> sample_architectures(const SearchSpace& space, std::size_t count, std::uint64_t seed) {
  std::vector<Architecture> sample(count);
  tbb::parallel_for(std::size_t{0}, count, [&](std::size_t i) {
    CounterRng rng(seed, i);
    sample[i] = space.sample(rng);
  });
  return sample;
}

}  // namespace zerolm
