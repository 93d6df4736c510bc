// zerolm calibrate: choose ZeroLM's alpha from a benchmark sample or data-free.
#include <fmt/format.h>

#include <memory>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/calibration/calibrate.hpp"
#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"

namespace zerolm::cli {

int run_calibrate(const CliParams& o) {
  ZEROLM_CHECK(proxy_combines_modules(o.proxy.name), "--proxy {}: calibration chooses alpha, which only {} take",
               o.proxy.name, module_combining_proxies_help());
  ProxyOptions options = o.proxy.setting(o.seed).options;
  options.backend = resolve_device(o, options.mode);
  nlohmann::json out{{"strategy", o.strategy}, {"proxy", o.proxy.name}, {"mode", o.proxy.mode}, {"seed", o.seed}};
  if (o.strategy == "sample") {
    ZEROLM_CHECK(!o.benchmark.empty(), "--strategy sample needs --benchmark FILE");
    const Benchmark b =
        load_benchmark(o.benchmark, BenchmarkOptions{o.space.protocol, o.benchmark_format, o.baselines});
    const std::vector<Architecture> architectures = b.architectures();
    const std::vector<double> truth = b.ground_truths();
    const std::size_t sample = o.calibration.sample;
    ZEROLM_CHECK(sample >= 2 && sample <= architectures.size(), "--sample: value {} is not in 2..{} ({})", sample,
                 architectures.size(), o.benchmark);
    const auto proxy = make_proxy(o.proxy.name, options);
    const auto capacities = module_capacities(evaluate(*b.space, *proxy, architectures), options);
    const auto subset = draw_subset(architectures.size(), sample, o.seed);
    const auto result = calibrate_by_sample(capacities, truth, subset);
    out.update({{"benchmark", o.benchmark},
                {"protocol", b.space->protocol()},
                {"sample", sample},
                {"alpha", result.alpha},
                {"kendall_on_sample", result.kendall}});
  } else if (o.strategy == "heuristic") {
    const std::string space_name = o.space.name;
    const auto space = make_search_space(space_name, o.space.options());
    const auto result = calibrate_by_heuristic(*space, options, o.architectures, o.seed, o.proxy.name);
    out.update({{"space", space_name},
                {"protocol", space->protocol()},
                {"architectures", result.architectures},
                {"alpha", result.alpha},
                {"spearman_attention", result.spearman_attention},
                {"spearman_ffn", result.spearman_ffn}});
  } else {
    ZEROLM_FAIL("--strategy: value '{}' is not sample|heuristic", o.strategy);
  }
  if (o.json) {
    fmt::print("{}\n", out.dump(2));
  } else {
    fmt::print("alpha {:.3f} ({} strategy", out["alpha"].get<double>(), o.strategy);
    if (o.strategy == "sample") {
      fmt::print(", Kendall tau {:.3f} on {} records of {})\n", out["kendall_on_sample"].get<double>(),
                 o.calibration.sample, o.benchmark);
    } else {
      fmt::print(", Spearman with S_attn {:.3f}, with S_ffn {:.3f}, over {} random {} architectures)\n",
                 out["spearman_attention"].get<double>(), out["spearman_ffn"].get<double>(), o.architectures,
                 out["space"].get<std::string>());
    }
  }
  return 0;
}

}  // namespace zerolm::cli
