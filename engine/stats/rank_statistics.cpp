#include "engine/stats/rank_statistics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/core/error.hpp"

namespace zerolm::stats {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_sizes(std::span<const double> x, std::span<const double> y) {
  ZEROLM_CHECK(x.size() == y.size(), "rank statistics need equal lengths, got {} and {}", x.size(), y.size());
}

int sign(double v) { return (v > 0.0) - (v < 0.0); }
}  // namespace

std::vector<double> average_ranks(std::span<const double> values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

double pearson(std::span<const double> x, std::span<const double> y) {
  check_sizes(x, y);
  const std::size_t n = x.size();
  if (n < 2) return kNaN;
  const double mx = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
  const double my = std::accumulate(y.begin(), y.end(), 0.0) / static_cast<double>(n);
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx <= 0.0 || syy <= 0.0) return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

double spearman(std::span<const double> x, std::span<const double> y) {
  check_sizes(x, y);
  const auto rx = average_ranks(x);
  const auto ry = average_ranks(y);
  return pearson(rx, ry);
}

double kendall_tau_b_on_pairs(std::span<const double> x, std::span<const double> y,
                              const std::function<bool(std::size_t, std::size_t)>& keep_pair) {
  check_sizes(x, y);
  // tau-b = (C - D) / sqrt((n0 - n1)(n0 - n2)) over the kept pairs, where n1 and n2
  // count pairs tied in x and in y. O(n^2): benchmark files hold thousands of rows.
  std::int64_t concordant = 0, discordant = 0, tied_x = 0, tied_y = 0, pairs = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      if (keep_pair && !keep_pair(i, j)) continue;
      ++pairs;
      const int sx = sign(x[i] - x[j]);
      const int sy = sign(y[i] - y[j]);
      if (sx == 0) ++tied_x;
      if (sy == 0) ++tied_y;
      if (sx != 0 && sy != 0) (sx == sy ? concordant : discordant)++;
    }
  }
  const double denominator =
      std::sqrt(static_cast<double>(pairs - tied_x)) * std::sqrt(static_cast<double>(pairs - tied_y));
  if (pairs == 0 || denominator <= 0.0) return kNaN;
  return static_cast<double>(concordant - discordant) / denominator;
}

double kendall_tau_b(std::span<const double> x, std::span<const double> y) {
  return kendall_tau_b_on_pairs(x, y, nullptr);
}

double kendall_tau_b_similar_size(std::span<const double> x, std::span<const double> y,
                                  std::span<const double> parameters, double fraction) {
  check_sizes(x, parameters);
  return kendall_tau_b_on_pairs(x, y, [&](std::size_t i, std::size_t j) {
    const double larger = std::max(parameters[i], parameters[j]);
    return std::abs(parameters[i] - parameters[j]) < fraction * larger;
  });
}

MeanSd mean_sd(std::span<const double> values) {
  MeanSd out;
  if (values.empty()) return {kNaN, kNaN};
  out.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  if (values.size() < 2) return out;
  double ss = 0.0;
  for (double v : values) ss += (v - out.mean) * (v - out.mean);
  out.sd = std::sqrt(ss / static_cast<double>(values.size() - 1));
  return out;
}

}  // namespace zerolm::stats
