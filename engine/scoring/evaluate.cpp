#include "engine/scoring/evaluate.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

namespace zerolm {

namespace {
// Architectures per parallel loop: what one loop touches stays in cache (a
// million at once ran at a third of the rate of 65,536 at a time, on 2 cores with
// 1 MiB of L2 each).
constexpr std::size_t kEvaluateSlice = 65536;

// Lowers architecture(i) for i in [0, count), in slices of kEvaluateSlice and
// parallel batches of at most `batch_size`, and hands each batch's specs to
// score_batch(range, specs) while they are still in cache: a spec is a few KiB,
// and lowering a whole population first would stream it through memory twice.
// The specs are per thread and kept across calls: a search calls this once per
// generation, and specs regrown from empty each time cost more than the scoring.
template <typename ArchitectureAt, typename ScoreBatch>
void lower_in_batches(const SearchSpace& space, std::size_t count, std::size_t batch_size,
                      const ArchitectureAt& architecture, const ScoreBatch& score_batch) {
  for (std::size_t first = 0; first < count; first += kEvaluateSlice) {
    const std::size_t last = std::min(count, first + kEvaluateSlice);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(first, last, batch_size),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        thread_local std::vector<ModelSpec> specs;
                        if (specs.size() < range.size()) specs.resize(range.size());
                        for (std::size_t i = range.begin(); i < range.end(); ++i) {
                          space.lower(architecture(i), specs[i - range.begin()]);
                        }
                        score_batch(range, std::span<const ModelSpec>(specs.data(), range.size()));
                      });
  }
}
}  // namespace

std::vector<ProxyBreakdown> evaluate(const SearchSpace& space, const Proxy& proxy,
                                     std::span<const Architecture> architectures, std::size_t batch_size) {
  std::vector<ProxyBreakdown> out(architectures.size());
  lower_in_batches(
      space, architectures.size(), batch_size, [&](std::size_t i) -> const Architecture& { return architectures[i]; },
      [&](const tbb::blocked_range<std::size_t>& range, std::span<const ModelSpec> specs) {
        proxy.score(specs, std::span<ProxyBreakdown>(out.data() + range.begin(), range.size()));
      });
  return out;
}

void evaluate_scores(const SearchSpace& space, const Proxy& proxy, std::size_t count,
                     const std::function<const Architecture&(std::size_t)>& architecture, std::span<double> scores,
                     std::size_t batch_size) {
  // As evaluate(), the breakdowns per batch instead of per call.
  lower_in_batches(space, count, batch_size, architecture,
                   [&](const tbb::blocked_range<std::size_t>& range, std::span<const ModelSpec> specs) {
                     thread_local std::vector<ProxyBreakdown> breakdowns;
                     if (breakdowns.size() < range.size()) breakdowns.resize(range.size());
                     proxy.score(specs, std::span<ProxyBreakdown>(breakdowns.data(), range.size()));
                     for (std::size_t i = range.begin(); i < range.end(); ++i) {
                       scores[i] = breakdowns[i - range.begin()].score;
                     }
                   });
}

const kernels::WeightStatisticsBackend& sampled_weights_backend(const std::string& device, std::string_view proxy,
                                                                std::string* picked) {
  const ProxyDescriptor& d = proxy_descriptor(proxy);
  return kernels::select_backend(device, picked, d.sampled_kernels.value_or(kernels::KernelFamily::weight_statistics));
}

ParameterBreakdown parameter_breakdown(const ModelSpec& spec) {
  ParameterBreakdown b;
  b.total = spec.total_parameters();
  b.embedding = spec.parameters_with_role(Role::embedding);
  b.attention = spec.parameters_with_role(Role::attention);
  b.ffn = spec.parameters_with_role(Role::ffn);
  b.norm = spec.parameters_with_role(Role::norm);
  b.layers = spec.num_layers;
  return b;
}

std::vector<ParameterBreakdown> parameter_breakdowns(const SearchSpace& space,
                                                     std::span<const Architecture> architectures) {
  std::vector<ParameterBreakdown> out(architectures.size());
  tbb::parallel_for(std::size_t{0}, architectures.size(), [&](std::size_t i) {
    ModelSpec spec;
    space.lower(architectures[i], spec);
    out[i] = parameter_breakdown(spec);
  });
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
