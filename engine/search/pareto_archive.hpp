// The Pareto archive: exactly the non-dominated architectures by (proxy up,
// parameters down, and latency or peak memory down), and its hypervolume.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/core/architecture.hpp"

namespace zerolm {

struct Objectives {
  double proxy = 0.0;       // maximised
  double parameters = 0.0;  // minimised
  double latency = 0.0;     // minimised (ms)
  double memory = 0.0;      // minimised (peak MB)
};

// Which objectives the archive compares: proxy and parameters, and at most one
// cost beside them (the other can still bound the search as a limit).
enum class ObjectiveSet { proxy_parameters, proxy_parameters_latency, proxy_parameters_memory };

// The objectives list of a search config ("proxy", "parameters"[, "latency" | "memory"]).
std::vector<std::string> objective_names(ObjectiveSet set);
// The set those names list; nullopt for any other list.
std::optional<ObjectiveSet> parse_objective_set(const std::vector<std::string>& names);

// a dominates b: no worse in every compared objective, better in one.
bool dominates(const Objectives& a, const Objectives& b, ObjectiveSet set);

struct ArchiveEntry {
  Architecture architecture;
  Objectives objectives;
};

class ParetoArchive {
 public:
  explicit ParetoArchive(ObjectiveSet set = ObjectiveSet::proxy_parameters_latency) : set_(set) {}

  // Offers one evaluated architecture. Kept when no member dominates it and it is
  // not already a member (same canonical hash); members it dominates leave.
  // Different architectures with equal objectives are all kept (none dominates).
  bool offer(const Architecture& architecture, const Objectives& objectives);

  const std::vector<ArchiveEntry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  ObjectiveSet objective_set() const { return set_; }

  // Volume of objective space dominated by the archive and bounded by `reference`
  // (a point worse than every member: lower proxy, more parameters, more of the
  // third objective).
  // Exact: a sweep in 2-D, slices of 2-D sweeps in 3-D.
  double hypervolume(const Objectives& reference) const;

 private:
  ObjectiveSet set_;
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

// The hypervolume of any point set (it need not be non-dominated).
double hypervolume(const std::vector<Objectives>& points, const Objectives& reference, ObjectiveSet set);

}  // namespace zerolm
