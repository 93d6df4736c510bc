// Rank correlations against ground truth. Ties get average ranks (Spearman) and
// the tau-b correction (Kendall). NaN when a statistic is undefined (fewer than two
// points, or a constant input).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace zerolm::stats {

// 1-based ranks, ties get the mean of the ranks they span.
std::vector<double> average_ranks(std::span<const double> values);

double pearson(std::span<const double> x, std::span<const double> y);
double spearman(std::span<const double> x, std::span<const double> y);
// Kendall tau-b over all pairs.
double kendall_tau_b(std::span<const double> x, std::span<const double> y);
// Kendall tau-b over the pairs (i, j) that `keep_pair` accepts.
double kendall_tau_b_on_pairs(std::span<const double> x, std::span<const double> y,
                              const std::function<bool(std::size_t, std::size_t)>& keep_pair);
// Pairs whose parameter counts differ by under `fraction` of the larger one
// (the "10%-PW" pairs of the zero-cost-proxy literature).
double kendall_tau_b_similar_size(std::span<const double> x, std::span<const double> y,
                                  std::span<const double> parameters, double fraction = 0.10);

struct MeanSd {
  double mean = 0.0;
  double sd = 0.0;  // sample standard deviation (n - 1)
};
MeanSd mean_sd(std::span<const double> values);

}  // namespace zerolm::stats
