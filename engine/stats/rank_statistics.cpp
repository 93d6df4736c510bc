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
  // Scale-invariant, so each side is divided by its largest magnitude first:
  // values near the largest double would overflow the sums of squares.
  const auto scale = [](std::span<const double> v) {
    double largest = 0.0;
    for (double d : v) largest = std::max(largest, std::abs(d));
    return largest;
  };
  const double sx = scale(x), sy = scale(y);
  if (!std::isfinite(sx) || !std::isfinite(sy) || sx == 0.0 || sy == 0.0) return kNaN;  // NaN, infinite or all zero
  double mx = 0.0, my = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i] / sx;
    my += y[i] / sy;
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double dx = x[i] / sx - mx, dy = y[i] / sy - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
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
  // count pairs tied in x and in y. Visits every pair: for a filter no faster
  // count is known; kendall_tau_b and kendall_tau_b_similar_size do better.
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

namespace {

bool any_nan(std::span<const double> v) {
  return std::any_of(v.begin(), v.end(), [](double d) { return std::isnan(d); });
}

// Pairs tied in `sorted` (runs of equal values): sum of t (t - 1) / 2.
std::int64_t tied_pairs(std::span<const double> sorted) {
  std::int64_t ties = 0;
  for (std::size_t i = 0; i < sorted.size();) {
    std::size_t j = i + 1;
    while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
    const auto t = static_cast<std::int64_t>(j - i);
    ties += t * (t - 1) / 2;
    i = j;
  }
  return ties;
}

// Sorts `values` (merge sort) and returns how many exchanges an exchange sort
// would need: the pairs out of order (equal values are in order).
std::int64_t sort_counting_exchanges(std::vector<double>& values) {
  std::vector<double> buffer(values.size());
  std::int64_t exchanges = 0;
  for (std::size_t width = 1; width < values.size(); width *= 2) {
    for (std::size_t left = 0; left < values.size(); left += 2 * width) {
      const std::size_t middle = std::min(left + width, values.size());
      const std::size_t right = std::min(left + 2 * width, values.size());
      std::size_t i = left, j = middle, k = left;
      while (i < middle && j < right) {
        if (values[j] < values[i]) {
          exchanges += static_cast<std::int64_t>(middle - i);  // j passes every remaining left value
          buffer[k++] = values[j++];
        } else {
          buffer[k++] = values[i++];
        }
      }
      while (i < middle) buffer[k++] = values[i++];
      while (j < right) buffer[k++] = values[j++];
    }
    values.swap(buffer);
  }
  return exchanges;
}

}  // namespace

double kendall_tau_b(std::span<const double> x, std::span<const double> y) {
  check_sizes(x, y);
  // Knight's algorithm (1966), O(n log n): order the rows by (x, y); then the
  // discordant pairs are the exchanges that sorting the y sequence needs.
  const std::size_t n = x.size();
  if (n < 2 || any_nan(x) || any_nan(y)) return kNaN;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return x[a] < x[b] || (x[a] == x[b] && y[a] < y[b]);
  });
  std::vector<double> xs(n), ys(n);
  for (std::size_t k = 0; k < n; ++k) {
    xs[k] = x[order[k]];
    ys[k] = y[order[k]];
  }
  const auto pairs = static_cast<std::int64_t>(n) * static_cast<std::int64_t>(n - 1) / 2;
  const std::int64_t tied_x = tied_pairs(xs);
  std::int64_t tied_both = 0;  // pairs equal in x and in y
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i + 1;
    while (j < n && xs[j] == xs[i] && ys[j] == ys[i]) ++j;
    const auto t = static_cast<std::int64_t>(j - i);
    tied_both += t * (t - 1) / 2;
    i = j;
  }
  const std::int64_t exchanges = sort_counting_exchanges(ys);  // ys is now sorted
  const std::int64_t tied_y = tied_pairs(ys);
  // C - D = (pairs with neither tie) - 2 D, and pairs with neither tie = n0 - n1 - n2 + n3.
  const std::int64_t difference = pairs - tied_x - tied_y + tied_both - 2 * exchanges;
  const double denominator =
      std::sqrt(static_cast<double>(pairs - tied_x)) * std::sqrt(static_cast<double>(pairs - tied_y));
  if (denominator <= 0.0) return kNaN;
  return static_cast<double>(difference) / denominator;
}

namespace {

// Inserted positions of [0, end) with a value below or above v, for positions
// 0..n-1 holding fixed values: a Fenwick tree over positions whose nodes keep
// their positions' values sorted, each with a Fenwick tree of insertions
// (O(log^2 n) per insertion and query).
class RangeRankCounter {
 public:
  explicit RangeRankCounter(std::span<const double> values) : values_(values), nodes_(values.size() + 1) {
    for (std::size_t p = 0; p < values.size(); ++p) {
      for (std::size_t k = p + 1; k < nodes_.size(); k += k & (~k + 1)) nodes_[k].sorted.push_back(values[p]);
    }
    for (auto& node : nodes_) {
      std::sort(node.sorted.begin(), node.sorted.end());
      node.counts.assign(node.sorted.size() + 1, 0);
    }
  }
  void insert(std::size_t position) {
    for (std::size_t k = position + 1; k < nodes_.size(); k += k & (~k + 1)) {
      Node& node = nodes_[k];
      const auto slot = static_cast<std::size_t>(
          std::lower_bound(node.sorted.begin(), node.sorted.end(), values_[position]) - node.sorted.begin());
      for (std::size_t i = slot + 1; i < node.counts.size(); i += i & (~i + 1)) ++node.counts[i];
      ++node.inserted;
    }
  }
  // {below, above} among inserted positions of [0, end).
  std::pair<std::int64_t, std::int64_t> count(std::size_t end, double v) const {
    std::int64_t below = 0, above = 0;
    for (std::size_t k = end; k > 0; k -= k & (~k + 1)) {
      const Node& node = nodes_[k];
      const auto lower = std::lower_bound(node.sorted.begin(), node.sorted.end(), v) - node.sorted.begin();
      const auto upper = std::upper_bound(node.sorted.begin(), node.sorted.end(), v) - node.sorted.begin();
      below += node.prefix(static_cast<std::size_t>(lower));
      above += node.inserted - node.prefix(static_cast<std::size_t>(upper));
    }
    return {below, above};
  }

 private:
  struct Node {
    std::vector<double> sorted;
    std::vector<std::int64_t> counts;  // Fenwick tree over `sorted` slots
    std::int64_t inserted = 0;
    std::int64_t prefix(std::size_t slots) const {  // insertions into the first `slots` slots
      std::int64_t total = 0;
      for (std::size_t i = slots; i > 0; i -= i & (~i + 1)) total += counts[i];
      return total;
    }
  };
  std::span<const double> values_;
  std::vector<Node> nodes_;
};

// Kept pairs (windows [lo[k], k) in size order) whose members share a value of `v`.
std::int64_t tied_kept_pairs(std::span<const double> v, const std::vector<std::size_t>& order,
                             const std::vector<std::size_t>& lo) {
  std::vector<std::size_t> positions(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) positions[k] = k;
  std::stable_sort(positions.begin(), positions.end(),
                   [&](std::size_t a, std::size_t b) { return v[order[a]] < v[order[b]]; });
  std::int64_t ties = 0;
  for (std::size_t g = 0; g < positions.size();) {
    std::size_t h = g + 1;
    while (h < positions.size() && v[order[positions[h]]] == v[order[positions[g]]]) ++h;
    // positions[g, h): one value, in increasing position (stable sort of an increasing list)
    for (std::size_t m = g; m < h; ++m) {
      const auto first = std::lower_bound(positions.begin() + static_cast<std::ptrdiff_t>(g),
                                          positions.begin() + static_cast<std::ptrdiff_t>(m), lo[positions[m]]);
      ties += positions.begin() + static_cast<std::ptrdiff_t>(m) - first;
    }
    g = h;
  }
  return ties;
}

}  // namespace

double kendall_tau_b_similar_size(std::span<const double> x, std::span<const double> y,
                                  std::span<const double> parameters, double fraction) {
  check_sizes(x, y);
  check_sizes(x, parameters);
  const std::size_t n = x.size();
  if (n < 2 || any_nan(x) || any_nan(y) || any_nan(parameters)) return kNaN;
  // In order of size, a row's similar-size partners with smaller size are a
  // window [lo, k) just before it. Sweeping the rows by x, each kept pair with
  // different x is counted once, at its larger-x row, by a range count over the
  // rows already swept: O(n log^2 n) in all.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return parameters[a] < parameters[b]; });
  std::vector<std::size_t> lo(n), hi(n);
  for (std::size_t k = 0, first = 0; k < n; ++k) {
    const double pk = parameters[order[k]];
    // Sorted ascending, so parameters[order[k]] is the larger: keep p_k - p_m < fraction * p_k.
    while (first < k && !(pk - parameters[order[first]] < fraction * pk)) ++first;
    lo[k] = first;
  }
  for (std::size_t k = 0, m = 0; k < n; ++k) {  // hi[k]: the last row whose window reaches k
    if (m < k) m = k;
    while (m + 1 < n && lo[m + 1] <= k) ++m;
    hi[k] = m;
  }
  std::int64_t pairs = 0;
  for (std::size_t k = 0; k < n; ++k) pairs += static_cast<std::int64_t>(k - lo[k]);

  std::vector<double> y_by_position(n);
  for (std::size_t k = 0; k < n; ++k) y_by_position[k] = y[order[k]];
  RangeRankCounter counter(y_by_position);
  std::vector<std::size_t> by_x(n);  // positions in increasing x
  std::iota(by_x.begin(), by_x.end(), std::size_t{0});
  std::stable_sort(by_x.begin(), by_x.end(), [&](std::size_t a, std::size_t b) { return x[order[a]] < x[order[b]]; });
  std::int64_t concordant = 0, discordant = 0;
  for (std::size_t g = 0; g < n;) {
    std::size_t h = g + 1;
    while (h < n && x[order[by_x[h]]] == x[order[by_x[g]]]) ++h;
    for (std::size_t m = g; m < h; ++m) {  // rows of equal x make no pair with each other here
      const std::size_t k = by_x[m];
      const auto [below_hi, above_hi] = counter.count(hi[k] + 1, y_by_position[k]);
      const auto [below_lo, above_lo] = counter.count(lo[k], y_by_position[k]);
      concordant += below_hi - below_lo;
      discordant += above_hi - above_lo;
    }
    for (std::size_t m = g; m < h; ++m) counter.insert(by_x[m]);
    g = h;
  }
  const std::int64_t tied_x = tied_kept_pairs(x, order, lo), tied_y = tied_kept_pairs(y, order, lo);
  const double denominator =
      std::sqrt(static_cast<double>(pairs - tied_x)) * std::sqrt(static_cast<double>(pairs - tied_y));
  if (pairs == 0 || denominator <= 0.0) return kNaN;
  return static_cast<double>(concordant - discordant) / denominator;
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
