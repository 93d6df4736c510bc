#include "engine/calibration/calibrate.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "engine/core/error.hpp"
#include "engine/core/random.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/stats/rank_statistics.hpp"

namespace zerolm {

std::vector<double> ModuleCapacities::combine(double alpha) const {
  std::vector<double> out(size());
  for (std::size_t i = 0; i < size(); ++i) out[i] = alpha * attention[i] + (1.0 - alpha) * ffn[i] + extra[i];
  return out;
}

std::vector<double> ModuleCapacities::combine(double alpha, std::span<const std::size_t> subset) const {
  std::vector<double> out(subset.size());
  for (std::size_t k = 0; k < subset.size(); ++k) {
    const std::size_t i = subset[k];
    out[k] = alpha * attention[i] + (1.0 - alpha) * ffn[i] + extra[i];
  }
  return out;
}

ModuleCapacities module_capacities(std::span<const ProxyBreakdown> breakdowns, const ProxyOptions& options) {
  ModuleCapacities c;
  for (const auto& b : breakdowns) {
    c.attention.push_back(b.module_total(Role::attention));
    c.ffn.push_back(b.module_total(Role::ffn));
    c.extra.push_back((options.include_embeddings ? b.module_total(Role::embedding) : 0.0) +
                      (options.include_norms ? b.module_total(Role::norm) : 0.0));
  }
  return c;
}

std::vector<double> calibration_grid() {
  std::vector<double> grid;
  for (int i = -15; i <= 15; ++i) grid.push_back(i / 10.0);
  return grid;
}

SampleCalibration calibrate_by_sample(const ModuleCapacities& capacities, std::span<const double> truth,
                                      std::span<const std::size_t> subset) {
  ZEROLM_CHECK(subset.size() >= 2, "calibration needs at least 2 architectures, got {}", subset.size());
  std::vector<double> subset_truth(subset.size());
  for (std::size_t k = 0; k < subset.size(); ++k) subset_truth[k] = truth[subset[k]];
  ZEROLM_CHECK(std::any_of(subset_truth.begin(), subset_truth.end(), [&](double t) { return t != subset_truth[0]; }),
               "calibration: the ground truth is {} on all {} calibration records, so no alpha ranks them better than "
               "another",
               subset_truth[0], subset_truth.size());
  ZEROLM_CHECK(std::all_of(subset_truth.begin(), subset_truth.end(), [](double t) { return std::isfinite(t); }),
               "calibration: a calibration record's ground truth is not a finite number");
  SampleCalibration best{0.5, -2.0};
  for (double alpha : calibration_grid()) {
    double tau = stats::kendall_tau_b(capacities.combine(alpha, subset), subset_truth);
    if (std::isnan(tau)) tau = -1.0;
    const bool better = tau > best.kendall + 1e-12 ||
                        (std::abs(tau - best.kendall) <= 1e-12 && std::abs(alpha - 0.5) < std::abs(best.alpha - 0.5));
    if (better) best = {alpha, tau};
  }
  return best;
}

HeuristicCalibration calibrate_by_heuristic(const ModuleCapacities& capacities) {
  // The gap |rho(score, S_attn) - rho(score, S_ffn)| over alpha: a scan by 0.1 over
  // -1.5..1.5, then by 0.005 within 0.1 of the best coarse point (the gap is
  // monotone in alpha between the modules' extremes, so the refinement finds the
  // same point a fine scan of the whole range would).
  HeuristicCalibration best;
  best.architectures = capacities.size();
  double best_gap = INFINITY;
  auto consider = [&](double alpha) {
    const auto combined = capacities.combine(alpha);
    const double ra = stats::spearman(combined, capacities.attention);
    const double rf = stats::spearman(combined, capacities.ffn);
    const double gap = std::isnan(ra) || std::isnan(rf) ? INFINITY : std::abs(ra - rf);
    if (gap < best_gap - 1e-12 ||
        (std::abs(gap - best_gap) <= 1e-12 && std::abs(alpha - 0.5) < std::abs(best.alpha - 0.5))) {
      best_gap = gap;
      best.alpha = alpha;
      best.spearman_attention = ra;
      best.spearman_ffn = rf;
    }
  };
  for (int i = -15; i <= 15; ++i) consider(i / 10.0);
  const int centre = static_cast<int>(std::lround(best.alpha * 1000.0));
  for (int i = std::max(-1500, centre - 100); i <= std::min(1500, centre + 100); i += 5) consider(i / 1000.0);
  ZEROLM_CHECK(std::isfinite(best_gap), "heuristic calibration: S_attn or S_ffn is constant over the sample");
  return best;
}

HeuristicCalibration calibrate_by_heuristic(const SearchSpace& space, const ProxyOptions& options,
                                            std::size_t architectures, std::uint64_t seed,
                                            const std::string& proxy_name) {
  const auto sample = sample_architectures(space, architectures, seed);
  const auto proxy = make_proxy(proxy_name, options);
  const auto breakdowns = evaluate(space, *proxy, sample);
  return calibrate_by_heuristic(module_capacities(breakdowns, options));
}

double default_heuristic_alpha(const SearchSpace& space, const ProxyOptions& options, const std::string& proxy) {
  ProxyOptions closed_form = options;
  closed_form.mode = ProxyMode::expected;
  return calibrate_by_heuristic(space, closed_form, 1000, 0, proxy).alpha;
}

void apply_alpha(const AlphaChoice& alpha, const SearchSpace& space, const std::string& proxy, ProxyOptions& options) {
  if (!proxy_combines_modules(proxy)) return;
  switch (alpha.kind) {
    case AlphaChoice::Kind::number: options.alpha = alpha.value; return;
    case AlphaChoice::Kind::heuristic: options.alpha = default_heuristic_alpha(space, options, proxy); return;
    case AlphaChoice::Kind::calibrated: break;
  }
  ZEROLM_ASSERT(false, "a calibrated alpha is chosen per calibration sample, not by apply_alpha");
}

std::vector<std::size_t> draw_subset(std::size_t n, std::size_t k, std::uint64_t seed) {
  ZEROLM_CHECK(k <= n, "cannot draw {} of {} records", k, n);
  std::vector<std::size_t> index(n);
  std::iota(index.begin(), index.end(), std::size_t{0});
  CounterRng rng(seed, 0x63616c6962ULL);
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t j = i + static_cast<std::size_t>(rng.below(n - i));
    std::swap(index[i], index[j]);
  }
  index.resize(k);
  return index;
}

}  // namespace zerolm
