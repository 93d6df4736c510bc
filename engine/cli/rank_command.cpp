// zerolm rank: correlation of a proxy with a benchmark's ground truth, beside the
// benchmark's published proxies on the same rows.
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/core/output_file.hpp"
#include "engine/rank/rank.hpp"
#include "engine/report/html_report.hpp"

namespace zerolm::cli {

namespace {
nlohmann::json number(double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); }

}  // namespace

int run_rank(const CliParams& o) {
  if (o.was_given("--report")) check_output_path(o.report, "the report");
  RankRequest request;
  request.benchmark = o.benchmark;
  request.protocol = o.space.protocol;
  request.format = o.benchmark_format;
  request.baselines = o.baselines;
  request.proxy = o.proxy.name;
  const ProxySetting setting = o.proxy.setting(o.seed);
  request.options = setting.options;
  request.alpha = setting.alpha;
  request.options.backend = resolve_device(o, request.options.mode);
  ZEROLM_CHECK(!o.calibration.file.empty() || (!o.was_given("--sample") && !o.was_given("--repeats")),
               "--sample and --repeats choose calibration records: they need --calibrate-on FILE");
  if (!o.calibration.file.empty()) {
    ZEROLM_CHECK(request.alpha.kind == AlphaChoice::Kind::heuristic, "--alpha {} and --calibrate-on exclude each other",
                 o.proxy.alpha);
    request.alpha.kind = AlphaChoice::Kind::calibrated;
    request.calibration = CalibrationRequest{o.calibration.file, o.calibration.sample, o.calibration.repeats};
  }
  const RankReport r = rank_benchmark(request);
  for (const auto& [name, why] : r.undefined_baselines) {
    fmt::print(stderr, "zerolm: note: published proxy {} is left out: its correlation is undefined ({})\n", name, why);
  }
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
      if (proxy_combines_modules(r.proxy)) out["alpha_sd"] = number(r.alpha_sd);
    }
    nlohmann::json baselines = nlohmann::json::object();
    for (const auto& [name, c] : r.baselines)
      baselines[name] = {{"spearman", number(c.spearman)},
                         {"kendall", number(c.kendall)},
                         {"pearson", number(c.pearson)},
                         {"kendall_10pct", number(c.kendall_10pct)}};
    out["baselines"] = baselines;
    out["benchmark"] = r.benchmark;
    out["ground_truth"] = r.ground_truth;
    // One row per record the figures are computed on.
    nlohmann::json records = nlohmann::json::array();
    for (const RankedRecord& record : r.records) {
      records.push_back({{"id", record.id},
                         {"hash", fmt::format("{:016x}", record.hash)},
                         {"ground_truth", record.ground_truth},
                         {"score", number(record.score)},
                         {"parameters", record.parameters}});
    }
    out["records"] = records;
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("benchmark {}\nprotocol {}, ground truth {}, N = {}", r.benchmark, r.protocol, r.ground_truth, r.n);
  if (calibrated) fmt::print(" per repeat, {} repeats", r.repeats);
  fmt::print("\n");
  if (proxy_combines_modules(r.proxy)) {
    fmt::print("proxy {}, alpha {:.3f}", o.proxy.describe(request.options), r.alpha);
    if (calibrated) {
      fmt::print(" +- {:.3f} (calibrated on {} records of {})", r.alpha_sd, o.calibration.sample, o.calibration.file);
    } else if (request.alpha.kind == AlphaChoice::Kind::heuristic) {
      fmt::print(" (data-free heuristic)");
    }
    fmt::print("\n");
  } else {
    fmt::print("proxy {}\n", o.proxy.describe(request.options));
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
    fmt::print("{:<46} {:>13.3f} {:>13.3f} {:>9.3f} {:>12.3f}\n", "published: " + name, c.spearman, c.kendall,
               c.pearson, c.kendall_10pct);
  }
  return 0;
}

}  // namespace zerolm::cli
