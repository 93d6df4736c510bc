// zerolm bench: proxy throughput per space, mode and thread count.
#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <chrono>
#include <memory>

#include "engine/cli/bench_suites.hpp"
#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"
#include "proxies/zerolm_proxy.hpp"

namespace zerolm::cli {

namespace {
struct Measurement {
  std::size_t architectures = 0;
  double weights = 0.0;  // weight-matrix elements the proxy reads or draws
  double seconds = 0.0;
};

// Elements the ZeroLM proxy reads per architecture (its attention and FFN matrices).
double counted_weights(const SearchSpace& space, const ZeroLmProxy& proxy, const Architecture& a) {
  ModelSpec spec;
  space.lower(a, spec);
  double n = 0.0;
  for (const auto& t : spec.tensors()) {
    if (proxy.counts(t)) n += static_cast<double>(t.numel());
  }
  return n;
}

Measurement measure(const SearchSpace& space, ProxyMode mode, std::size_t threads, double budget) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  ProxyOptions options;
  options.mode = mode;
  const ZeroLmProxy proxy(options);
  // Batches of the sizes a search would score; new architectures each batch.
  const std::size_t batch = mode == ProxyMode::expected ? 65536 : std::max<std::size_t>(threads, 4);
  Measurement m;
  std::uint64_t seed = 1;
  while (m.seconds < budget) {
    const auto sample = sample_architectures(space, batch, seed++);
    for (const auto& a : sample) m.weights += counted_weights(space, proxy, a);
    const auto started = std::chrono::steady_clock::now();
    const auto scores = evaluate(space, proxy, sample);
    m.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    m.architectures += scores.size();
  }
  return m;
}

}  // namespace

int run_bench(const CliParams& o) {
  ZEROLM_CHECK(o.suite == "proxy" || o.suite == "kernels", "--suite: value '{}' is not proxy|kernels", o.suite);
  ZEROLM_CHECK(o.threads >= 0, "--threads: value {} must not be negative", o.threads);
  if (o.suite == "kernels") return run_kernel_bench({o.populations, o.seconds, static_cast<std::size_t>(o.threads)});
  const std::size_t all =
      o.threads > 0 ? static_cast<std::size_t>(o.threads) : static_cast<std::size_t>(tbb::info::default_concurrency());
  nlohmann::json rows = nlohmann::json::array();
  if (!o.json) {
    fmt::print("zerolm bench: lower + score with the ZeroLM proxy (CPU backend), {:.1f} s per row\n", o.seconds);
    fmt::print("{:<10} {:<8} {:<9} {:>7} {:>14} {:>16} {:>16} {:>16}\n", "space", "protocol", "mode", "threads",
               "archs/s", "archs/s/core", "weights/s", "weights/s/core");
  }
  for (const SpaceDescriptor& descriptor : search_spaces()) {
    if (descriptor.bench_protocol.empty()) continue;
    const std::string& space_name = descriptor.name;
    const std::string protocol = descriptor.protocol(descriptor.bench_protocol).name;
    SpaceOptions so;
    so.protocol = protocol;
    const auto space = make_search_space(space_name, so);
    for (ProxyMode mode : {ProxyMode::expected, ProxyMode::sampled}) {
      for (std::size_t threads : {std::size_t{1}, all}) {
        if (threads == 1 && all == 1 && rows.size() % 2 == 1) continue;
        const Measurement m = measure(*space, mode, threads, o.seconds);
        const double archs = static_cast<double>(m.architectures) / m.seconds;
        const double weights = m.weights / m.seconds;
        const auto per_core = static_cast<double>(threads);
        rows.push_back({{"space", space_name},
                        {"protocol", protocol},
                        {"mode", proxy_mode_name(mode)},
                        {"threads", threads},
                        {"architectures", m.architectures},
                        {"seconds", m.seconds},
                        {"architectures_per_second", archs},
                        {"weights_per_second", weights},
                        {"architectures_per_second_per_core", archs / per_core},
                        {"weights_per_second_per_core", weights / per_core}});
        if (!o.json) {
          // The expected mode reads shapes, not weights: no weight rate to show.
          const bool drawn = mode == ProxyMode::sampled;
          fmt::print("{:<10} {:<8} {:<9} {:>7} {:>14.4g} {:>16.4g} {:>16} {:>16}\n", space_name, protocol,
                     proxy_mode_name(mode), threads, archs, archs / per_core,
                     drawn ? fmt::format("{:.4g}", weights) : "-",
                     drawn ? fmt::format("{:.4g}", weights / per_core) : "-");
          std::fflush(stdout);
        }
      }
    }
  }
  if (o.json) fmt::print("{}\n", rows.dump(2));
  return 0;
}

}  // namespace zerolm::cli
