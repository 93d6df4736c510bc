// zerolm bench --suite kernels: the weight-statistics backends on whole
// populations, against the LibTorch reference and the hardware limits.
#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <algorithm>
#include <chrono>

#include "engine/cli/bench_suites.hpp"
#include "engine/scoring/evaluate.hpp"
#include "kernels/weight_statistics.hpp"
#include "proxies/zerolm_proxy.hpp"
#if ZEROLM_HAVE_CUDA
#include "kernels/cuda/cuda_runtime_info.hpp"
#include "kernels/cuda/weight_statistics_cuda.hpp"
#endif
#include "engine/reference/torch_plugin.hpp"

namespace zerolm::cli {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The first `k` architectures of a population's table.
kernels::SegmentTable prefix(const kernels::SegmentTable& table, const std::vector<std::uint32_t>& module_base,
                             std::size_t k) {
  kernels::SegmentTable out;
  for (const auto& s : table.segments) {
    if (s.architecture < k) out.segments.push_back(s);
  }
  out.modules = k < module_base.size() ? module_base[k] : table.modules;
  return out;
}

double table_weights(const kernels::SegmentTable& table) {
  double n = 0;
  for (const auto& s : table.segments) n += static_cast<double>(s.numel());
  return n;
}

struct Row {
  std::string space, backend;
  std::size_t population = 0, measured = 0;
  double seconds = 0, weights = 0;
  double limit = 0;  // weights/s (sampled) or bytes/s (given) the row is compared with; 0: none
  double bytes_per_weight = 0;
};

// How many architectures of the population one measurement can afford within
// `budget` seconds, from the cost of the first few.
std::size_t affordable(std::size_t population, double seconds_for_probe, std::size_t probe, double budget) {
  const double per_arch = seconds_for_probe / static_cast<double>(std::max<std::size_t>(probe, 1));
  if (per_arch <= 0) return population;
  return std::clamp<std::size_t>(static_cast<std::size_t>(budget / per_arch), 1, population);
}

}  // namespace

int run_kernel_bench(const KernelBenchOptions& o) {
  const std::size_t all = o.threads > 0 ? o.threads : static_cast<std::size_t>(tbb::info::default_concurrency());
  std::vector<Row> rows;
  double sampled_limit = 0, bandwidth = 0;
  std::string device = "no GPU";
#if ZEROLM_HAVE_CUDA
  const bool gpu = kernels::cuda_backend() != nullptr;
  if (gpu) {
    device = kernels::cuda::device_name();
    sampled_limit = kernels::cuda::generate_and_sum_rate(std::uint64_t{1} << 32);
    bandwidth = kernels::cuda::peak_bandwidth();
  }
#else
  const bool gpu = false;
#endif
  std::string torch_missing;
  const reference::TorchReferenceApi* torch = reference::load_torch_plugin(&torch_missing);
  const bool torch_gpu = torch != nullptr && torch->cuda_available();
  for (const SpaceDescriptor& descriptor : search_spaces()) {
    if (descriptor.bench_protocol.empty()) continue;
    const std::string& space_name = descriptor.name;
    const std::string protocol = descriptor.protocol(descriptor.bench_protocol).name;
    const auto space = make_search_space(space_name, {protocol});
    for (std::size_t population : o.populations) {
      const auto sample = sample_architectures(*space, population, 7);
      std::vector<ModelSpec> specs(population);
      for (std::size_t i = 0; i < population; ++i) space->lower(sample[i], specs[i]);
      ProxyOptions options;
      options.mode = ProxyMode::sampled;
      const ZeroLmProxy proxy(options);
      std::vector<std::uint32_t> module_base;
      const kernels::SegmentTable table = proxy.segment_table(specs, module_base);
      const std::string label = fmt::format("{}/{}", space_name, protocol);

      // CPU twin: one thread and all threads, on as many architectures as the budget allows.
      for (std::size_t threads : {std::size_t{1}, all}) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
        const std::size_t probe = std::min<std::size_t>(population, 2);
        auto start = Clock::now();
        (void)kernels::cpu_backend().compute(prefix(table, module_base, probe), kernels::WeightSource::sampled);
        const std::size_t k = affordable(population, seconds_since(start), probe, o.seconds);
        const auto part = prefix(table, module_base, k);
        start = Clock::now();
        (void)kernels::cpu_backend().compute(part, kernels::WeightSource::sampled);
        rows.push_back({label, fmt::format("cpu twin, {} thread{}", threads, threads == 1 ? "" : "s"), population, k,
                        seconds_since(start), table_weights(part), 0, 0});
      }
#if ZEROLM_HAVE_CUDA
      if (gpu) {
        const auto& cuda = *kernels::cuda_backend();
        (void)cuda.compute(prefix(table, module_base, std::min<std::size_t>(population, 4)),
                           kernels::WeightSource::sampled);
        auto start = Clock::now();
        (void)cuda.compute(table, kernels::WeightSource::sampled);
        rows.push_back({label, "cuda sampled", population, population, seconds_since(start), table_weights(table),
                        sampled_limit, 0});
        // Given: as many architectures' weights as fit in half the free memory.
        std::size_t k = population;
        const double free_bytes = 0.5 * static_cast<double>(kernels::cuda::free_memory());
        while (k > 1 && table_weights(prefix(table, module_base, k)) * 4.0 > free_bytes) k /= 2;
        kernels::SegmentTable given = prefix(table, module_base, k);
        const kernels::cuda::DeviceWeights weights(given);
        (void)cuda.compute(given, kernels::WeightSource::given);
        start = Clock::now();
        (void)cuda.compute(given, kernels::WeightSource::given);
        rows.push_back({label, "cuda given", population, k, seconds_since(start), table_weights(given), bandwidth, 4});
      }
#endif
      for (const char* torch_device : {"cpu", "cuda"}) {
        if (torch == nullptr || (std::string(torch_device) == "cuda" && !torch_gpu)) continue;
        const std::size_t probe = std::min<std::size_t>(population, 2);
        auto run = torch->zerolm(*space, std::span<const Architecture>(sample.data(), probe), options, torch_device, 1);
        const std::size_t k = affordable(population, run.seconds, probe, o.seconds);
        run = torch->zerolm(*space, std::span<const Architecture>(sample.data(), k), options, torch_device, 1);
        rows.push_back({label, fmt::format("libtorch {}", torch_device), population, k, run.seconds,
                        table_weights(prefix(table, module_base, k)), 0, 0});
      }
    }
  }

  fmt::print("zerolm bench --suite kernels: ZeroLM weight statistics of whole populations\n");
  fmt::print("device: {}; sampled-mode limit (Philox generate-and-sum): {}; memory bandwidth peak: {}\n", device,
             sampled_limit > 0 ? fmt::format("{:.3g} normals/s", sampled_limit) : "n/a",
             bandwidth > 0 ? fmt::format("{:.3g} B/s", bandwidth) : "n/a");
  if (torch == nullptr) fmt::print("no LibTorch rows: {}\n", torch_missing);
  fmt::print("{:<18} {:<22} {:>10} {:>9} {:>12} {:>12} {:>10}\n", "space", "backend", "population", "measured",
             "archs/s", "weights/s", "of limit");
  for (const auto& r : rows) {
    const double archs = static_cast<double>(r.measured) / r.seconds;
    const double weights = r.weights / r.seconds;
    std::string fraction = "";
    if (r.limit > 0) {
      const double used = r.bytes_per_weight > 0 ? weights * r.bytes_per_weight : weights;
      fraction = fmt::format("{:.0f}%", 100.0 * used / r.limit);
    }
    fmt::print("{:<18} {:<22} {:>10} {:>9} {:>12.4g} {:>12.4g} {:>10}\n", r.space, r.backend, r.population, r.measured,
               archs, weights, fraction);
  }
  return 0;
}

}  // namespace zerolm::cli
