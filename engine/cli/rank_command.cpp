// zerolm rank: correlation of a proxy with a benchmark's ground truth, beside the
// benchmark's published proxies on the same rows.
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/cli/commands.hpp"
#include "engine/report/html_report.hpp"
#include "engine/core/error.hpp"
#include "engine/scoring/rank.hpp"

namespace zerolm::cli {

namespace {
struct RankOptions {
  std::string benchmark;
  std::string protocol;
  std::string proxy = "zerolm";
  std::string mode = "expected";
  std::string device = "auto";
  AlphaOption alpha;
  std::string calibrate_on;
  std::size_t sample = 50;
  std::size_t repeats = 1;
  std::uint64_t seed = 0;
  std::string count = "total";
  bool include_embeddings = false;
  bool include_norms = false;
  bool json = false;
  SpectralCliOptions spectral;
  std::string report;  // HTML file with the scatter of proxy vs ground truth
  bool sample_given = false;
  bool repeats_given = false;
};

nlohmann::json number(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

int run_rank(const RankOptions& o) {
  RankRequest request;
  request.benchmark = o.benchmark;
  request.protocol = o.protocol;
  request.proxy = o.proxy;
  request.options.mode = parse_proxy_mode(o.mode);
  request.options.backend = resolve_device(o.device, request.options.mode == ProxyMode::sampled);
  request.options.seed = o.seed;
  request.options.include_embeddings = o.include_embeddings;
  request.options.include_norms = o.include_norms;
  o.spectral.apply(request.options);
  ZEROLM_CHECK(o.count == "total" || o.count == "non_embedding", "--count: value '{}' is not total|non_embedding", o.count);
  request.options.count = o.count == "total" ? ParameterCount::total : ParameterCount::non_embedding;
  ZEROLM_CHECK(!o.calibrate_on.empty() || (!o.sample_given && !o.repeats_given),
               "--sample and --repeats choose calibration records: they need --calibrate-on FILE");
  if (!o.calibrate_on.empty()) {
    ZEROLM_CHECK(o.alpha.text == "heuristic", "--alpha {} and --calibrate-on exclude each other", o.alpha.text);
    request.calibration = CalibrationRequest{o.calibrate_on, o.sample, o.repeats};
  } else if (o.alpha.heuristic()) {
    request.heuristic_alpha = true;
  } else {
    request.options.alpha = o.alpha.value();
  }
  const RankReport r = rank_benchmark(request);
  const bool calibrated = r.repeats > 0;
  if (!o.report.empty()) {
    report::write_report(o.report, report::rank_report(r));
    fmt::print(stderr, "zerolm: report in {}\n", o.report);
  }

  if (o.json) {
    nlohmann::json out{{"n", r.n},
                       {"protocol", r.protocol},
                       {"proxy", r.proxy},
                       {"spearman", number(r.proxy_correlations.spearman)},
                       {"kendall", number(r.proxy_correlations.kendall)},
                       {"pearson", number(r.proxy_correlations.pearson)},
                       {"kendall_10pct", number(r.proxy_correlations.kendall_10pct)},
                       {"seconds_per_arch", r.seconds_per_arch},
                       {"alpha", proxy_combines_modules(r.proxy) ? number(r.alpha) : nlohmann::json(nullptr)}};
    if (calibrated) {
      out["spearman_sd"] = number(r.spearman_sd);
      out["kendall_sd"] = number(r.kendall_sd);
    }
    nlohmann::json baselines = nlohmann::json::object();
    for (const auto& [name, c] : r.baselines) baselines[name] = {{"spearman", number(c.spearman)}, {"kendall", number(c.kendall)}};
    out["baselines"] = baselines;
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("benchmark {}\nprotocol {}, ground truth {}, N = {}", r.benchmark, r.protocol, r.ground_truth, r.n);
  if (calibrated) fmt::print(" per repeat, {} repeats", r.repeats);
  fmt::print("\n");
  if (proxy_combines_modules(r.proxy)) {
    fmt::print("proxy {} ({} mode{}), alpha {:.3f}", r.proxy, r.mode, r.proxy == "spectral" ? fmt::format(", {}, {} over layers, gain {:g}", o.spectral.statistic, o.spectral.aggregate, o.spectral.gain) : "", r.alpha);
    if (calibrated) fmt::print(" +- {:.3f} (calibrated on {} records of {})", r.alpha_sd, o.sample, o.calibrate_on);
    else if (o.alpha.heuristic()) fmt::print(" (data-free heuristic)");
    fmt::print("\n");
  } else {
    fmt::print("proxy {} ({})\n", r.proxy, o.count);
  }
  fmt::print("{:.3g} seconds per architecture\n\n", r.seconds_per_arch);
  fmt::print("{:<46} {:>13} {:>13} {:>9} {:>12}\n", "proxy", "spearman", "kendall", "pearson", "kendall-10%");
  const auto& p = r.proxy_correlations;
  if (calibrated) {
    fmt::print("{:<46} {:>13} {:>13} {:>9.3f} {:>12.3f}\n", r.proxy + " (this run)",
               fmt::format("{:.3f}+-{:.3f}", p.spearman, r.spearman_sd),
               fmt::format("{:.3f}+-{:.3f}", p.kendall, r.kendall_sd), p.pearson, p.kendall_10pct);
  } else {
    fmt::print("{:<46} {:>13.3f} {:>13.3f} {:>9.3f} {:>12.3f}\n", r.proxy + " (this run)", p.spearman, p.kendall,
               p.pearson, p.kendall_10pct);
  }
  for (const auto& [name, c] : r.baselines) {
    fmt::print("{:<46} {:>13.3f} {:>13.3f} {:>9.3f} {:>12.3f}\n", "published: " + name, c.spearman, c.kendall, c.pearson,
               c.kendall_10pct);
  }
  return 0;
}
}  // namespace

Command add_rank_command(CLI::App& app) {
  auto o = std::make_shared<RankOptions>();
  CLI::App* sub = app.add_subcommand("rank", "Correlate a proxy with a benchmark's ground truth");
  sub->add_option("--benchmark", o->benchmark, "Benchmark file (NAS-Bench-BERT, LTS GPT-2 or HW-GPT-Bench JSON)")->required();
  sub->add_option("--protocol", o->protocol, "Network protocol (default: the file format's: paper, lts, hwgpt)");
  sub->add_option("--proxy", o->proxy, "Proxy (zerolm|spectral|params)")->capture_default_str();
  o->spectral.add_to(sub);
  sub->add_option("--mode", o->mode, "expected (closed form) or sampled (Philox initial weights)")->capture_default_str();
  sub->add_option("--alpha", o->alpha.text, "ZeroLM attention weight, or 'heuristic' (data-free)")->capture_default_str();
  sub->add_option("--calibrate-on", o->calibrate_on,
                  "Choose alpha by Kendall tau on --sample records of this file (left out of the evaluation when it "
                  "is the benchmark itself)");
  sub->add_option("--sample", o->sample, "Calibration records per repeat")->capture_default_str();
  sub->add_option("--repeats", o->repeats, "Calibration repeats (mean and standard deviation)")->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed of calibration draws and sampled weights")->capture_default_str();
  sub->add_option("--count", o->count, "params proxy: total|non_embedding")->capture_default_str();
  sub->add_flag("--include-embeddings", o->include_embeddings, "Add embedding matrices' capacity to the ZeroLM score");
  sub->add_flag("--include-norms", o->include_norms, "Add LayerNorm weights' capacity to the ZeroLM score");
  sub->add_option("--device", o->device, kDeviceHelp)->capture_default_str();
  sub->add_flag("--json", o->json, "Print one JSON object");
  sub->add_option("--report", o->report, "Also write an HTML report: proxy score vs ground truth, with the correlations");
  return {sub, [o, sub] {
            o->sample_given = sub->get_option("--sample")->count() > 0;
            o->repeats_given = sub->get_option("--repeats")->count() > 0;
            return run_rank(*o);
          }};
}

}  // namespace zerolm::cli
