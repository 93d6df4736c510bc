#include "engine/rank/rank.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/benchmarks/published_counts.hpp"
#include "engine/calibration/calibrate.hpp"
#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/stats/rank_statistics.hpp"

namespace zerolm {

namespace {

std::vector<double> pick(const std::vector<double>& values, const std::vector<std::size_t>& rows) {
  std::vector<double> out;
  out.reserve(rows.size());
  for (std::size_t i : rows) out.push_back(values[i]);
  return out;
}

// Why a rank correlation of `score` with `truth` is undefined on these rows, or
// empty when it is defined.
std::string undefined_because(const std::vector<double>& score, const std::vector<double>& truth) {
  const auto constant = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [&](double d) { return d == v.front(); });
  };
  const auto finite = [](const std::vector<double>& v) {
    return std::all_of(v.begin(), v.end(), [](double d) { return std::isfinite(d); });
  };
  if (score.size() < 2) return fmt::format("{} row(s); a correlation needs at least 2", score.size());
  if (!finite(truth)) return "the ground truth holds a value that is not a finite number";
  if (!finite(score)) return "the scores hold a value that is not a finite number";
  if (constant(truth)) return fmt::format("the ground truth is {} on all {} rows", truth.front(), truth.size());
  if (constant(score)) return fmt::format("the score is {} on all {} rows", score.front(), score.size());
  return "";
}

Correlations correlate(const std::vector<double>& score, const std::vector<double>& truth,
                       const std::vector<double>& parameters) {
  return {stats::spearman(score, truth), stats::kendall_tau_b(score, truth), stats::pearson(score, truth),
          stats::kendall_tau_b_similar_size(score, truth, parameters)};
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec_a, ec_b;
  const auto ca = std::filesystem::weakly_canonical(a, ec_a);
  const auto cb = std::filesystem::weakly_canonical(b, ec_b);
  return !ec_a && !ec_b ? ca == cb : a == b;
}

// Once per rank: the chosen protocol does not give the file's own parameter counts,
// so the networks scored are not the ones the authors trained (zerolm params --check).
void warn_if_counts_differ(const Benchmark& benchmark) {
  if (!has_published_counts(benchmark)) return;
  const CountCheck chosen = check_published_counts(benchmark);
  if (chosen.all()) return;
  std::string others;
  for (const auto& c : check_published_counts_all(benchmark)) {
    if (c.protocol != chosen.protocol && c.all()) others += (others.empty() ? "" : ", ") + c.protocol;
  }
  fmt::print(stderr,
             "zerolm: warning: protocol {} reproduces the published parameter counts of {} of {} records of {} "
             "({}){}\n",
             chosen.protocol, chosen.reproduced, chosen.checked, benchmark.path, chosen.first_mismatch,
             others.empty() ? "" : fmt::format("; every record's counts are those of protocol {}", others));
}

}  // namespace

RankReport rank_benchmark(const RankRequest& request) {
  const Benchmark benchmark =
      load_benchmark(request.benchmark, BenchmarkOptions{request.protocol, request.format, request.baselines});
  warn_if_counts_differ(benchmark);

  const SearchSpace& space = *benchmark.space;
  const auto architectures = benchmark.architectures();
  const auto truth = benchmark.ground_truths();
  const auto parameters = parameter_counts(space, architectures);
  const bool combines_modules = proxy_combines_modules(request.proxy);
  ZEROLM_CHECK(combines_modules || !request.calibration,
               "--calibrate-on applies to the zerolm and spectral proxies, not '{}'", request.proxy);

  RankReport report;
  report.benchmark = request.benchmark;
  report.protocol = std::string(space.protocol());
  report.proxy = request.proxy;
  report.mode = std::string(proxy_mode_name(request.options.mode));
  report.ground_truth = benchmark.ground_truth_name;

  ProxyOptions options = request.options;
  if (!request.calibration) apply_alpha(request.alpha, space, request.proxy, options);  // else per calibration sample
  const auto proxy = make_proxy(request.proxy, options);
  const auto started = std::chrono::steady_clock::now();
  const auto breakdowns = evaluate(space, *proxy, architectures);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.seconds_per_arch = seconds / static_cast<double>(architectures.size());

  // Each evaluation: (alpha, rows). Without calibration, one over every row.
  struct Evaluation {
    double alpha;
    std::vector<std::size_t> rows;
  };
  std::vector<Evaluation> evaluations;
  const ModuleCapacities capacities = module_capacities(breakdowns, options);
  std::vector<double> proxy_scores;
  for (const auto& b : breakdowns) proxy_scores.push_back(b.score);

  if (request.calibration) {
    const CalibrationRequest& c = *request.calibration;
    ZEROLM_CHECK(c.repeats >= 1, "--repeats: value {} must be at least 1", c.repeats);
    const bool same = same_file(c.file, request.benchmark);
    std::optional<Benchmark> other;
    ModuleCapacities calibration_capacities = capacities;
    std::vector<double> calibration_truth = truth;
    const Benchmark* source = &benchmark;
    if (!same) {
      // Its own space first: another space's file would fail on the protocol's name.
      other = load_benchmark(c.file);
      ZEROLM_CHECK(other->space->name() == space.name(), "{}: records of space {} cannot calibrate space {}", c.file,
                   other->space->name(), space.name());
      if (other->space->protocol() != space.protocol()) other = load_benchmark(c.file, std::string(space.protocol()));
      calibration_capacities = module_capacities(evaluate(*other->space, *proxy, other->architectures()), options);
      calibration_truth = other->ground_truths();
      source = &*other;
    }
    ZEROLM_CHECK(c.sample >= 2 && c.sample <= source->records.size(), "--sample: value {} is not in 2..{} ({})",
                 c.sample, source->records.size(), c.file);
    for (std::size_t r = 0; r < c.repeats; ++r) {
      const auto subset = draw_subset(source->records.size(), c.sample, options.seed + r);
      const double alpha = calibrate_by_sample(calibration_capacities, calibration_truth, subset).alpha;
      std::vector<std::size_t> rows;
      const std::set<std::size_t> excluded(subset.begin(), subset.end());
      for (std::size_t i = 0; i < architectures.size(); ++i) {
        if (!same || !excluded.count(i)) rows.push_back(i);
      }
      ZEROLM_CHECK(rows.size() >= 2,
                   "--sample {}: calibrating on {} of the {} records of {} leaves {} to evaluate on; a correlation "
                   "needs at least 2 (take a smaller --sample, or calibrate on another file)",
                   c.sample, c.sample, architectures.size(), c.file, rows.size());
      evaluations.push_back({alpha, std::move(rows)});
    }
    report.repeats = c.repeats;
  } else {
    std::vector<std::size_t> rows(architectures.size());
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
    evaluations.push_back({options.alpha, std::move(rows)});
  }

  std::vector<double> spearmans, kendalls, pearsons, kendalls_10, alphas;
  std::map<std::string, std::vector<Correlations>> baseline_runs;
  for (const auto& e : evaluations) {
    const auto scores = combines_modules ? pick(capacities.combine(e.alpha), e.rows) : pick(proxy_scores, e.rows);
    const auto t = pick(truth, e.rows);
    const auto p = pick(parameters, e.rows);
    const std::string undefined = undefined_because(scores, t);
    ZEROLM_CHECK(undefined.empty(), "{}: the correlation of proxy {} with {} is undefined: {}", request.benchmark,
                 request.proxy, benchmark.ground_truth_name, undefined);
    const Correlations c = correlate(scores, t, p);
    if (report.records.empty()) {
      for (std::size_t k = 0; k < e.rows.size(); ++k) {
        const BenchmarkRecord& record = benchmark.records[e.rows[k]];
        report.records.push_back({record.id, record.architecture.hash(), t[k], scores[k], p[k]});
      }
    }
    spearmans.push_back(c.spearman);
    kendalls.push_back(c.kendall);
    pearsons.push_back(c.pearson);
    kendalls_10.push_back(c.kendall_10pct);
    alphas.push_back(e.alpha);
    for (const auto& name : benchmark.baseline_names) {
      std::vector<double> published;
      for (std::size_t i : e.rows) published.push_back(benchmark.records[i].baselines.at(name));
      if (const std::string why = undefined_because(published, t); !why.empty()) {
        report.undefined_baselines[name] = why;  // said, and left out of the table
        continue;
      }
      baseline_runs[name].push_back(correlate(published, t, p));
    }
  }
  report.n = evaluations.front().rows.size();
  const auto s = stats::mean_sd(spearmans), k = stats::mean_sd(kendalls), a = stats::mean_sd(alphas);
  report.proxy_correlations = {s.mean, k.mean, stats::mean_sd(pearsons).mean, stats::mean_sd(kendalls_10).mean};
  report.spearman_sd = s.sd;
  report.kendall_sd = k.sd;
  report.alpha = combines_modules ? a.mean : 0.0;
  report.alpha_sd = combines_modules ? a.sd : 0.0;
  for (const auto& [name, runs] : baseline_runs) {
    if (runs.size() != evaluations.size()) {
      report.undefined_baselines.emplace(name, "undefined on some calibration repeats' rows");
      continue;
    }
    Correlations mean;
    for (const auto& c : runs) {
      mean.spearman += c.spearman / static_cast<double>(runs.size());
      mean.kendall += c.kendall / static_cast<double>(runs.size());
      mean.pearson += c.pearson / static_cast<double>(runs.size());
      mean.kendall_10pct += c.kendall_10pct / static_cast<double>(runs.size());
    }
    report.baselines[name] = mean;
  }
  return report;
}

}  // namespace zerolm
