#include "engine/search/pareto_archive.hpp"

#include <algorithm>
#include <cmath>

#include "engine/core/error.hpp"

namespace zerolm {

namespace {

// Objective d of a point as a value to minimise: d = 0 is the proxy.
double minimised(const Objectives& o, const ObjectiveList& objectives, std::size_t d) {
  return d == 0 ? -o.proxy : o.costs[objectives[d - 1]];
}

// Area dominated by (x, y) points, minimised, bounded by (rx, ry).
double area(std::vector<std::array<double, 2>> points, double rx, double ry) {
  std::sort(points.begin(), points.end());
  double total = 0.0, best_y = ry;
  for (const auto& [x, y] : points) {
    if (x >= rx || y >= best_y) continue;
    total += (rx - x) * (best_y - y);
    best_y = y;
  }
  return total;
}

// The radical inverse of `index` in `base`: one coordinate of a Halton point.
double radical_inverse(std::uint64_t index, std::uint64_t base) {
  double inverse = 1.0 / static_cast<double>(base), scale = inverse, out = 0.0;
  while (index > 0) {
    out += static_cast<double>(index % base) * scale;
    index /= base;
    scale *= inverse;
  }
  return out;
}

// More than three objectives: a quasi-Monte Carlo estimate over the box between
// the points' best values and the reference.
double estimated_hypervolume(const std::vector<std::vector<double>>& points, const std::vector<double>& r) {
  constexpr std::uint64_t kSamples = std::uint64_t{1} << 14;
  constexpr std::uint64_t kPrimes[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29};
  const std::size_t k = r.size();
  ZEROLM_CHECK(k <= std::size(kPrimes), "hypervolume: {} objectives, at most {}", k, std::size(kPrimes));
  if (points.empty()) return 0.0;
  std::vector<double> low(r);
  for (const auto& p : points)
    for (std::size_t d = 0; d < k; ++d) low[d] = std::min(low[d], p[d]);
  double box = 1.0;
  for (std::size_t d = 0; d < k; ++d) box *= r[d] - low[d];
  if (!(box > 0.0)) return 0.0;
  std::uint64_t inside = 0;
  std::vector<double> x(k);
  for (std::uint64_t s = 1; s <= kSamples; ++s) {
    for (std::size_t d = 0; d < k; ++d) x[d] = low[d] + radical_inverse(s, kPrimes[d]) * (r[d] - low[d]);
    const bool dominated = std::any_of(points.begin(), points.end(), [&](const std::vector<double>& p) {
      for (std::size_t d = 0; d < k; ++d) {
        if (p[d] > x[d]) return false;
      }
      return true;
    });
    inside += dominated ? 1 : 0;
  }
  return box * static_cast<double>(inside) / static_cast<double>(kSamples);
}

}  // namespace

ArchiveChanges changes_since(const ParetoArchive& archive, const std::unordered_set<std::uint64_t>& before) {
  ArchiveChanges out;
  for (const auto& e : archive.entries()) {
    out.members.insert(e.architecture.hash());
    if (!before.count(e.architecture.hash())) out.added.push_back(&e);
  }
  for (std::uint64_t hash : before) {
    if (!out.members.count(hash)) out.removed.push_back(hash);
  }
  return out;
}

bool dominates(const Objectives& a, const Objectives& b, const ObjectiveList& objectives) {
  bool better = false;
  for (std::size_t d = 0; d <= objectives.size(); ++d) {
    const double x = minimised(a, objectives, d), y = minimised(b, objectives, d);
    if (x > y) return false;
    better = better || x < y;
  }
  return better;
}

bool ParetoArchive::offer(const Architecture& architecture, const Objectives& objectives) {
  if (members_.count(architecture.hash()) != 0) {
    for (const auto& e : entries_) {
      if (e.architecture == architecture) return false;
    }
  }
  for (const auto& e : entries_) {
    if (dominates(e.objectives, objectives, objectives_)) return false;
  }
  std::erase_if(entries_, [&](const ArchiveEntry& e) {
    if (!dominates(objectives, e.objectives, objectives_)) return false;
    members_.erase(e.architecture.hash());
    return true;
  });
  entries_.push_back({architecture, objectives});
  members_.insert(architecture.hash());
  return true;
}

double hypervolume(const std::vector<Objectives>& points, const Objectives& reference,
                   const ObjectiveList& objectives) {
  const std::size_t k = objectives.size() + 1;
  std::vector<double> r(k);
  for (std::size_t d = 0; d < k; ++d) r[d] = minimised(reference, objectives, d);
  if (k == 2) {
    std::vector<std::array<double, 2>> xy;
    for (const auto& p : points) xy.push_back({minimised(p, objectives, 0), minimised(p, objectives, 1)});
    return area(std::move(xy), r[0], r[1]);
  }
  if (k == 3) {
    // Sweep the third objective; between consecutive values the dominated
    // cross-section is the 2-D area of the points already passed.
    std::vector<std::array<double, 3>> sorted;
    for (const auto& p : points) {
      const std::array<double, 3> m{minimised(p, objectives, 0), minimised(p, objectives, 1),
                                    minimised(p, objectives, 2)};
      if (m[2] < r[2]) sorted.push_back(m);
    }
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a[2] < b[2]; });
    double total = 0.0;
    std::vector<std::array<double, 2>> passed;
    for (std::size_t i = 0; i < sorted.size(); ++i) {
      passed.push_back({sorted[i][0], sorted[i][1]});
      const double next = i + 1 < sorted.size() ? sorted[i + 1][2] : r[2];
      if (next > sorted[i][2]) total += area(passed, r[0], r[1]) * (next - sorted[i][2]);
    }
    return total;
  }
  // Points outside the reference box dominate none of it.
  std::vector<std::vector<double>> inside;
  for (const auto& p : points) {
    std::vector<double> m(k);
    bool within = true;
    for (std::size_t d = 0; d < k; ++d) {
      m[d] = minimised(p, objectives, d);
      within = within && m[d] < r[d];
    }
    if (within) inside.push_back(std::move(m));
  }
  return estimated_hypervolume(inside, r);
}

double ParetoArchive::hypervolume(const Objectives& reference) const {
  std::vector<Objectives> points;
  for (const auto& e : entries_) points.push_back(e.objectives);
  return zerolm::hypervolume(points, reference, objectives_);
}

}  // namespace zerolm
