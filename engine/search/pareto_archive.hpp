// The Pareto archive: exactly the non-dominated architectures by (proxy up,
// parameters down, and latency or peak memory down), and its hypervolume.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/core/architecture.hpp"
#include "engine/costs/cost.hpp"

namespace zerolm {

// An architecture's objectives: the proxy (maximised) and its costs
// (minimised), in its search's CostSet order.
struct Objectives {
  double proxy = 0.0;
  CostValues costs{};
};

// Which costs the archive compares beside the proxy: slots of the search's
// CostSet, in the config's order (CostSet::objectives()).
using ObjectiveList = std::vector<std::size_t>;

// a dominates b: no worse in the proxy and every listed cost, better in one.
bool dominates(const Objectives& a, const Objectives& b, const ObjectiveList& objectives);

struct ArchiveEntry {
  Architecture architecture;
  Objectives objectives;
};

class ParetoArchive {
 public:
  explicit ParetoArchive(ObjectiveList objectives = {CostSet::kParameters}) : objectives_(std::move(objectives)) {}

  // Offers one evaluated architecture. Kept when no member dominates it and it is
  // not already a member (same canonical hash); members it dominates leave.
  // Different architectures with equal objectives are all kept (none dominates).
  bool offer(const Architecture& architecture, const Objectives& objectives);

  const std::vector<ArchiveEntry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  const ObjectiveList& objectives() const { return objectives_; }

  // Volume of objective space dominated by the archive and bounded by `reference`
  // (a point worse than every member: lower proxy, more of every cost). See
  // zerolm::hypervolume.
  double hypervolume(const Objectives& reference) const;

 private:
  ObjectiveList objectives_;
  std::vector<ArchiveEntry> entries_;
  std::unordered_set<std::uint64_t> members_;
};

// How an archive changed since it had the members `before` (by hash): what the
// run store and a distributed island write each generation instead of the
// whole archive.
struct ArchiveChanges {
  std::unordered_set<std::uint64_t> members;  // now
  std::vector<std::uint64_t> removed;         // in `before`, no longer members
  std::vector<const ArchiveEntry*> added;     // new members, in archive order
};
ArchiveChanges changes_since(const ParetoArchive& archive, const std::unordered_set<std::uint64_t>& before);

// The hypervolume of any point set (it need not be non-dominated). Exact for
// up to 3 objectives (proxy and one cost: a sweep; two costs: slices of 2-D
// sweeps). With more, an estimate: the share of 2^14 fixed points of a Halton
// sequence in the reference box that some point dominates, times the box's
// volume (deterministic; error about 1% of the box).
double hypervolume(const std::vector<Objectives>& points, const Objectives& reference, const ObjectiveList& objectives);

}  // namespace zerolm
