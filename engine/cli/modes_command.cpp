// zerolm modes: how closely the closed-form (expected) ZeroLM scores rank like
// scores of actually drawn initial weights (sampled), on a benchmark file.
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <memory>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/calibration/calibrate.hpp"
#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/stats/rank_statistics.hpp"

namespace zerolm::cli {

int run_modes(const CliParams& o) {
  ZEROLM_CHECK(proxy_combines_modules(o.proxy.name), "--proxy {}: the modes are compared at alphas, which only {} take",
               o.proxy.name, module_combining_proxies_help());
  for (double alpha : o.alphas) {
    ZEROLM_CHECK(std::isfinite(alpha) && alpha >= -100.0 && alpha <= 100.0,
                 "--alpha: value {} is outside the allowed range [-100, 100]", alpha);
  }
  const Benchmark b = load_benchmark(o.benchmark, BenchmarkOptions{o.space.protocol, o.benchmark_format, o.baselines});
  std::vector<Architecture> archs = b.architectures();
  if (o.limit > 0 && archs.size() > o.limit) archs.resize(o.limit);
  ProxyOptions expected = o.proxy.setting(o.seed).options, sampled = expected;
  expected.mode = ProxyMode::expected;
  sampled.mode = ProxyMode::sampled;
  sampled.backend = resolve_device(o.proxy.device, o.proxy.name, ProxyMode::sampled);
  auto timed = [&](const ProxyOptions& options, double& seconds) {
    const auto started = std::chrono::steady_clock::now();
    auto capacities = module_capacities(evaluate(*b.space, *make_proxy(o.proxy.name, options), archs), options);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return capacities;
  };
  double expected_seconds = 0, sampled_seconds = 0;
  const auto e = timed(expected, expected_seconds);
  const auto s = timed(sampled, sampled_seconds);
  nlohmann::json rows = nlohmann::json::array();
  for (double alpha : o.alphas) {
    rows.push_back({{"alpha", alpha},
                    {"spearman", stats::spearman(e.combine(alpha), s.combine(alpha))},
                    {"kendall", stats::kendall_tau_b(e.combine(alpha), s.combine(alpha))}});
  }
  nlohmann::json out{{"benchmark", o.benchmark},
                     {"protocol", b.space->protocol()},
                     {"proxy", o.proxy.name},
                     {"n", archs.size()},
                     {"seed", o.seed},
                     {"expected_seconds", expected_seconds},
                     {"sampled_seconds", sampled_seconds},
                     {"agreement", rows}};
  if (o.json) {
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{} (protocol {}), {} architectures: expected mode {:.3g} s, sampled mode {:.3g} s\n", o.benchmark,
             b.space->protocol(), archs.size(), expected_seconds, sampled_seconds);
  for (const auto& row : rows) {
    fmt::print("alpha {:>6.3f}: Spearman(sampled, expected) {:.5f}, Kendall {:.5f}\n", row["alpha"].get<double>(),
               row["spearman"].get<double>(), row["kendall"].get<double>());
  }
  return 0;
}

}  // namespace zerolm::cli
