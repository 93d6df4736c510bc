// zerolm modes: how closely the closed-form (expected) ZeroLM scores rank like
// scores of actually drawn initial weights (sampled), on a benchmark file.
#include <fmt/format.h>

#include <chrono>
#include <memory>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/calibration/calibrate.hpp"
#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/stats/rank_statistics.hpp"

namespace zerolm::cli {

namespace {
struct ModesOptions {
  std::string benchmark;
  std::string protocol;
  std::vector<double> alphas{0.5};
  std::size_t limit = 0;  // 0: every record
  std::uint64_t seed = 0;
  std::string device = "auto";
  bool json = false;
};

int run_modes(const ModesOptions& o) {
  const Benchmark b = load_benchmark(o.benchmark, o.protocol);
  std::vector<Architecture> archs = b.architectures();
  if (o.limit > 0 && archs.size() > o.limit) archs.resize(o.limit);
  ProxyOptions expected, sampled;
  sampled.mode = ProxyMode::sampled;
  sampled.seed = o.seed;
  sampled.backend = resolve_device(o.device, true);
  auto timed = [&](const ProxyOptions& options, double& seconds) {
    const auto started = std::chrono::steady_clock::now();
    auto capacities = module_capacities(evaluate(*b.space, *make_proxy("zerolm", options), archs), options);
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return capacities;
  };
  double expected_seconds = 0, sampled_seconds = 0;
  const auto e = timed(expected, expected_seconds);
  const auto s = timed(sampled, sampled_seconds);
  nlohmann::json rows = nlohmann::json::array();
  for (double alpha : o.alphas) {
    rows.push_back({{"alpha", alpha}, {"spearman", stats::spearman(e.combine(alpha), s.combine(alpha))},
                    {"kendall", stats::kendall_tau_b(e.combine(alpha), s.combine(alpha))}});
  }
  nlohmann::json out{{"benchmark", o.benchmark},  {"protocol", b.space->protocol()},
                     {"n", archs.size()},         {"seed", o.seed},
                     {"expected_seconds", expected_seconds}, {"sampled_seconds", sampled_seconds},
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
}  // namespace

Command add_modes_command(CLI::App& app) {
  auto o = std::make_shared<ModesOptions>();
  CLI::App* sub = app.add_subcommand("modes", "Rank agreement of the sampled and expected ZeroLM modes on a benchmark file");
  sub->add_option("--benchmark", o->benchmark, "Benchmark file")->required();
  sub->add_option("--protocol", o->protocol, "Network protocol (default: the file format's)");
  sub->add_option("--alpha", o->alphas, "ZeroLM alphas to compare at")->capture_default_str();
  sub->add_option("--limit", o->limit, "Use only the first N records (0: all)")->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed of the sampled weights")->capture_default_str();
  sub->add_option("--device", o->device, kDeviceHelp)->capture_default_str();
  sub->add_flag("--json", o->json, "Print one JSON object");
  return {sub, [o] { return run_modes(*o); }};
}

}  // namespace zerolm::cli
