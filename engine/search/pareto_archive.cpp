#include "engine/search/pareto_archive.hpp"

#include <algorithm>

namespace zerolm {

namespace {
// As minimisation vectors; the third is the set's cost (unused with two objectives).
std::array<double, 3> minimised(const Objectives& o, ObjectiveSet set) {
  return {-o.proxy, o.parameters, set == ObjectiveSet::proxy_parameters_memory ? o.memory : o.latency};
}

int dimensions(ObjectiveSet set) { return set == ObjectiveSet::proxy_parameters ? 2 : 3; }

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
}  // namespace

std::vector<std::string> objective_names(ObjectiveSet set) {
  switch (set) {
    case ObjectiveSet::proxy_parameters: return {"proxy", "parameters"};
    case ObjectiveSet::proxy_parameters_latency: return {"proxy", "parameters", "latency"};
    case ObjectiveSet::proxy_parameters_memory: return {"proxy", "parameters", "memory"};
  }
  return {"proxy", "parameters"};
}

std::optional<ObjectiveSet> parse_objective_set(const std::vector<std::string>& names) {
  for (ObjectiveSet set : {ObjectiveSet::proxy_parameters, ObjectiveSet::proxy_parameters_latency,
                           ObjectiveSet::proxy_parameters_memory}) {
    if (names == objective_names(set)) return set;
  }
  return std::nullopt;
}

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

bool dominates(const Objectives& a, const Objectives& b, ObjectiveSet set) {
  const auto x = minimised(a, set), y = minimised(b, set);
  bool better = false;
  for (int d = 0; d < dimensions(set); ++d) {
    if (x[static_cast<std::size_t>(d)] > y[static_cast<std::size_t>(d)]) return false;
    better = better || x[static_cast<std::size_t>(d)] < y[static_cast<std::size_t>(d)];
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
    if (dominates(e.objectives, objectives, set_)) return false;
  }
  std::erase_if(entries_, [&](const ArchiveEntry& e) {
    if (!dominates(objectives, e.objectives, set_)) return false;
    members_.erase(e.architecture.hash());
    return true;
  });
  entries_.push_back({architecture, objectives});
  members_.insert(architecture.hash());
  return true;
}

double hypervolume(const std::vector<Objectives>& points, const Objectives& reference, ObjectiveSet set) {
  const auto r = minimised(reference, set);
  if (set == ObjectiveSet::proxy_parameters) {
    std::vector<std::array<double, 2>> xy;
    for (const auto& p : points) {
      const auto m = minimised(p, set);
      xy.push_back({m[0], m[1]});
    }
    return area(std::move(xy), r[0], r[1]);
  }
  // 3-D: sweep the third objective; between consecutive values the dominated
  // cross-section is the 2-D area of the points already passed.
  std::vector<std::array<double, 3>> sorted;
  for (const auto& p : points) {
    const auto m = minimised(p, set);
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

double ParetoArchive::hypervolume(const Objectives& reference) const {
  std::vector<Objectives> points;
  for (const auto& e : entries_) points.push_back(e.objectives);
  return zerolm::hypervolume(points, reference, set_);
}

}  // namespace zerolm
