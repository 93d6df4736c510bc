// zerolm calibrate: choose ZeroLM's alpha from a benchmark sample or data-free.
#include <fmt/format.h>

#include <memory>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/calibration/calibrate.hpp"
#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"

namespace zerolm::cli {

namespace {
struct CalibrateOptions {
  std::string strategy = "heuristic";
  std::string benchmark;
  std::string space = "flexibert";
  std::string protocol;
  std::string mode = "expected";
  std::string device = "auto";
  std::size_t sample = 50;
  std::size_t architectures = 1000;
  std::uint64_t seed = 0;
  bool json = false;
};

int run_calibrate(const CalibrateOptions& o) {
  ProxyOptions options;
  options.mode = parse_proxy_mode(o.mode);
  options.backend = resolve_device(o.device, options.mode == ProxyMode::sampled);
  options.seed = o.seed;
  nlohmann::json out{{"strategy", o.strategy}, {"mode", o.mode}, {"seed", o.seed}};
  if (o.strategy == "sample") {
    ZEROLM_CHECK(!o.benchmark.empty(), "--strategy sample needs --benchmark FILE");
    const Benchmark b = load_benchmark(o.benchmark, o.protocol);
    const std::vector<Architecture> architectures = b.architectures();
    const std::vector<double> truth = b.ground_truths();
    ZEROLM_CHECK(o.sample >= 2 && o.sample <= architectures.size(), "--sample: value {} is not in 2..{} ({})", o.sample,
                 architectures.size(), o.benchmark);
    const auto proxy = make_proxy("zerolm", options);
    const auto capacities = module_capacities(evaluate(*b.space, *proxy, architectures), options);
    const auto subset = draw_subset(architectures.size(), o.sample, o.seed);
    const auto result = calibrate_by_sample(capacities, truth, subset);
    out.update({{"benchmark", o.benchmark}, {"protocol", b.space->protocol()}, {"sample", o.sample},
                {"alpha", result.alpha}, {"kendall_on_sample", result.kendall}});
  } else if (o.strategy == "heuristic") {
    SpaceOptions space_options;
    space_options.protocol = o.protocol;
    const auto space = make_search_space(o.space, space_options);
    const auto result = calibrate_by_heuristic(*space, options, o.architectures, o.seed);
    out.update({{"space", o.space}, {"protocol", space->protocol()}, {"architectures", result.architectures},
                {"alpha", result.alpha}, {"spearman_attention", result.spearman_attention},
                {"spearman_ffn", result.spearman_ffn}});
  } else {
    ZEROLM_FAIL("--strategy: value '{}' is not sample|heuristic", o.strategy);
  }
  if (o.json) {
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("alpha {:.3f} ({} strategy", out["alpha"].get<double>(), o.strategy);
    if (o.strategy == "sample") {
      fmt::print(", Kendall tau {:.3f} on {} records of {})\n", out["kendall_on_sample"].get<double>(), o.sample, o.benchmark);
    } else {
      fmt::print(", Spearman with S_attn {:.3f}, with S_ffn {:.3f}, over {} random {} architectures)\n",
                 out["spearman_attention"].get<double>(), out["spearman_ffn"].get<double>(), o.architectures, o.space);
    }
  }
  return 0;
}
}  // namespace

Command add_calibrate_command(CLI::App& app) {
  auto o = std::make_shared<CalibrateOptions>();
  CLI::App* sub = app.add_subcommand("calibrate", "Choose ZeroLM's alpha (benchmark sample or data-free heuristic)");
  sub->add_option("--strategy", o->strategy, "sample (Kendall tau on K trained records) or heuristic (data-free)")
      ->capture_default_str();
  sub->add_option("--benchmark", o->benchmark, "sample: the benchmark file to draw from");
  sub->add_option("--space", o->space, "heuristic: search space")->capture_default_str();
  sub->add_option("--protocol", o->protocol, "Network protocol");
  sub->add_option("--mode", o->mode, "expected|sampled")->capture_default_str();
  sub->add_option("--sample", o->sample, "sample: records drawn (K)")->capture_default_str();
  sub->add_option("--architectures", o->architectures, "heuristic: random architectures")->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed")->capture_default_str();
  sub->add_option("--device", o->device, kDeviceHelp)->capture_default_str();
  sub->add_flag("--json", o->json, "Print one JSON object");
  return {sub, [o] { return run_calibrate(*o); }};
}

}  // namespace zerolm::cli
