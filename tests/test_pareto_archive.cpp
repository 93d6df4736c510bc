// The Pareto archive against brute force on random points, ties and duplicates
// included; hypervolume against counting grid cells.
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "engine/core/random.hpp"
#include "engine/search/pareto_archive.hpp"

using namespace zerolm;

namespace {
Architecture arch(std::int64_t id) { return Architecture("test", {id}); }

constexpr ObjectiveSet kSets[] = {ObjectiveSet::proxy_parameters, ObjectiveSet::proxy_parameters_latency,
                                  ObjectiveSet::proxy_parameters_memory};

// Non-dominated members of the points, first occurrence of each architecture.
std::set<std::int64_t> brute_force_front(const std::vector<std::pair<std::int64_t, Objectives>>& offered,
                                         ObjectiveSet set) {
  std::vector<std::pair<std::int64_t, Objectives>> unique;
  std::set<std::int64_t> seen;
  for (const auto& p : offered) {
    if (seen.insert(p.first).second) unique.push_back(p);
  }
  std::set<std::int64_t> front;
  for (const auto& p : unique) {
    bool dominated = false;
    for (const auto& q : unique) dominated = dominated || dominates(q.second, p.second, set);
    if (!dominated) front.insert(p.first);
  }
  return front;
}
}  // namespace

TEST_CASE("the archive keeps exactly the non-dominated set (random points, ties, duplicates)", "[pareto]") {
  for (ObjectiveSet set : kSets) {
    for (std::uint64_t trial = 0; trial < 200; ++trial) {
      CounterRng rng(trial, 1);
      // Small integer grids force ties; repeated ids are duplicate architectures
      // (offered again with the same objectives, as an evaluation cache would).
      const auto grid = 2 + rng.below(6);
      std::vector<std::pair<std::int64_t, Objectives>> offered;
      std::map<std::int64_t, Objectives> known;
      ParetoArchive archive(set);
      for (int i = 0; i < 60; ++i) {
        const auto id = static_cast<std::int64_t>(rng.below(45));
        if (!known.count(id)) {
          known[id] = {static_cast<double>(rng.below(grid)), static_cast<double>(rng.below(grid)),
                       static_cast<double>(rng.below(grid)), static_cast<double>(rng.below(grid))};
        }
        offered.push_back({id, known[id]});
        archive.offer(arch(id), known[id]);
      }
      std::set<std::int64_t> kept;
      for (const auto& e : archive.entries()) kept.insert(e.architecture.genes()[0]);
      REQUIRE(kept.size() == archive.size());  // no architecture twice
      CHECK(kept == brute_force_front(offered, set));
    }
  }
}

TEST_CASE("hypervolume equals the count of dominated grid cells", "[pareto]") {
  for (ObjectiveSet set : kSets) {
    for (std::uint64_t trial = 0; trial < 50; ++trial) {
      CounterRng rng(trial, 2);
      std::vector<Objectives> points;
      for (int i = 0; i < 8; ++i) {
        points.push_back({static_cast<double>(1 + rng.below(9)), static_cast<double>(rng.below(9)),
                          static_cast<double>(rng.below(9)), static_cast<double>(rng.below(9))});
      }
      // Reference: proxy 0, parameters 9, latency 9, memory 9. Count unit cells [a, a+1) x ...
      const Objectives reference{0, 9, 9, 9};
      double cells = 0;
      const int depth = set == ObjectiveSet::proxy_parameters ? 1 : 9;
      for (int proxy = 0; proxy < 9; ++proxy)
        for (int params = 0; params < 9; ++params)
          for (int third = 0; third < depth; ++third) {
            bool covered = false;
            for (const auto& p : points) {
              const double cost = set == ObjectiveSet::proxy_parameters_memory ? p.memory : p.latency;
              covered = covered || (p.proxy >= proxy + 1 && p.parameters <= params &&
                                    (set == ObjectiveSet::proxy_parameters || cost <= third));
            }
            cells += covered ? 1 : 0;
          }
      CHECK(hypervolume(points, reference, set) == Approx(cells));
    }
  }
  ParetoArchive archive(ObjectiveSet::proxy_parameters);
  archive.offer(arch(1), {2, 1, 0});
  archive.offer(arch(2), {1, 0, 0});
  // Reference (0, 3): [0,2]x[1,3] plus [0,1]x[0,1] = 4 + 1.
  CHECK(archive.hypervolume({0, 3, 0}) == Approx(5.0));
}

TEST_CASE("the third objective is the set's own cost; the other one is ignored", "[pareto]") {
  const Objectives light{1, 1, 5, 1}, fast{1, 1, 1, 5};  // equal proxy and parameters
  CHECK(dominates(light, fast, ObjectiveSet::proxy_parameters_memory));
  CHECK_FALSE(dominates(fast, light, ObjectiveSet::proxy_parameters_memory));
  CHECK(dominates(fast, light, ObjectiveSet::proxy_parameters_latency));
  CHECK_FALSE(dominates(light, fast, ObjectiveSet::proxy_parameters));
  CHECK_FALSE(dominates(fast, light, ObjectiveSet::proxy_parameters));
  // Reference memory 3: only `light` lies inside, a 1 x 2 x 2 box (proxy 0..1, parameters 1..3, memory 1..3).
  CHECK(hypervolume({light, fast}, {0, 3, 100, 3}, ObjectiveSet::proxy_parameters_memory) == Approx(4.0));
  for (ObjectiveSet set : kSets) {
    const auto names = objective_names(set);
    REQUIRE(parse_objective_set(names).has_value());
    CHECK(*parse_objective_set(names) == set);
  }
  CHECK_FALSE(parse_objective_set({"proxy", "parameters", "latency", "memory"}).has_value());
  CHECK_FALSE(parse_objective_set({"parameters", "proxy"}).has_value());
}
