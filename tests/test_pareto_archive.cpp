// The Pareto archive against brute force on random points, ties and duplicates
// included, for every objective list from one cost to four; hypervolume against
// counting grid cells (exact up to three objectives, the estimate beyond).
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "engine/core/random.hpp"
#include "engine/search/pareto_archive.hpp"

using namespace zerolm;

namespace {
Architecture arch(std::int64_t id) { return Architecture("test", {id}); }

// Cost slots: 0 parameters, 2 latency, 3 memory, 4 another (slot 1 unused on purpose).
const std::vector<ObjectiveList> kLists{{0}, {0, 2}, {0, 3}, {2, 0}, {0, 2, 3}, {0, 2, 3, 4}};

Objectives point(double proxy, double parameters, double latency, double memory, double other = 0) {
  Objectives o;
  o.proxy = proxy;
  o.costs[0] = parameters;
  o.costs[1] = 1e9;  // a cost no list compares
  o.costs[2] = latency;
  o.costs[3] = memory;
  o.costs[4] = other;
  return o;
}

// Non-dominated members of the points, first occurrence of each architecture.
std::set<std::int64_t> brute_force_front(const std::vector<std::pair<std::int64_t, Objectives>>& offered,
                                         const ObjectiveList& list) {
  std::vector<std::pair<std::int64_t, Objectives>> unique;
  std::set<std::int64_t> seen;
  for (const auto& p : offered) {
    if (seen.insert(p.first).second) unique.push_back(p);
  }
  std::set<std::int64_t> front;
  for (const auto& p : unique) {
    bool dominated = false;
    for (const auto& q : unique) dominated = dominated || dominates(q.second, p.second, list);
    if (!dominated) front.insert(p.first);
  }
  return front;
}
}  // namespace

TEST_CASE("the archive keeps exactly the non-dominated set (random points, ties, duplicates)", "[pareto]") {
  for (const ObjectiveList& list : kLists) {
    for (std::uint64_t trial = 0; trial < 200; ++trial) {
      CounterRng rng(trial, 1);
      // Small integer grids force ties; repeated ids are duplicate architectures
      // (offered again with the same objectives, as an evaluation cache would).
      const auto grid = 2 + rng.below(6);
      std::vector<std::pair<std::int64_t, Objectives>> offered;
      std::map<std::int64_t, Objectives> known;
      ParetoArchive archive(list);
      const auto draw = [&] { return static_cast<double>(rng.below(grid)); };
      for (int i = 0; i < 60; ++i) {
        const auto id = static_cast<std::int64_t>(rng.below(45));
        if (!known.count(id)) known[id] = point(draw(), draw(), draw(), draw(), draw());
        offered.push_back({id, known[id]});
        archive.offer(arch(id), known[id]);
      }
      std::set<std::int64_t> kept;
      for (const auto& e : archive.entries()) kept.insert(e.architecture.genes()[0]);
      REQUIRE(kept.size() == archive.size());  // no architecture twice
      CHECK(kept == brute_force_front(offered, list));
    }
  }
}

TEST_CASE("hypervolume equals the count of dominated grid cells", "[pareto]") {
  for (const ObjectiveList& list : kLists) {
    for (std::uint64_t trial = 0; trial < 50; ++trial) {
      CounterRng rng(trial, 2);
      std::vector<Objectives> points;
      const auto below9 = [&] { return static_cast<double>(rng.below(9)); };
      for (int i = 0; i < 8; ++i) points.push_back(point(1 + below9(), below9(), below9(), below9(), below9()));
      // Reference: proxy 0 and 9 for every cost. Count unit cells of the listed dimensions.
      const Objectives reference = point(0, 9, 9, 9, 9);
      const std::size_t k = list.size();
      std::size_t cells_total = 9;
      for (std::size_t d = 0; d < k; ++d) cells_total *= 9;
      double cells = 0;
      for (std::size_t cell = 0; cell < cells_total; ++cell) {
        std::size_t rest = cell;
        const auto proxy = static_cast<double>(rest % 9);
        rest /= 9;
        std::vector<double> at(k);
        for (std::size_t d = 0; d < k; ++d, rest /= 9) at[d] = static_cast<double>(rest % 9);
        bool covered = false;
        for (const auto& p : points) {
          bool inside = p.proxy >= proxy + 1;
          for (std::size_t d = 0; d < k && inside; ++d) inside = p.costs[list[d]] <= at[d];
          covered = covered || inside;
        }
        cells += covered ? 1 : 0;
      }
      if (k <= 2) {
        CHECK(hypervolume(points, reference, list) == Approx(cells));
      } else {
        // The estimate: within 2% of the box the points span (9^5 cells at most).
        CHECK(std::abs(hypervolume(points, reference, list) - cells) <= 0.02 * static_cast<double>(cells_total));
      }
    }
  }
  ParetoArchive archive(ObjectiveList{0});
  archive.offer(arch(1), point(2, 1, 0, 0));
  archive.offer(arch(2), point(1, 0, 0, 0));
  // Reference (0, 3): [0,2]x[1,3] plus [0,1]x[0,1] = 4 + 1.
  CHECK(archive.hypervolume(point(0, 3, 0, 0)) == Approx(5.0));
}

TEST_CASE("only the listed costs are compared, in any order", "[pareto]") {
  const Objectives light = point(1, 1, 5, 1), fast = point(1, 1, 1, 5);  // equal proxy and parameters
  CHECK(dominates(light, fast, {0, 3}));
  CHECK_FALSE(dominates(fast, light, {0, 3}));
  CHECK(dominates(fast, light, {0, 2}));
  CHECK(dominates(fast, light, {2}));
  CHECK_FALSE(dominates(light, fast, {0}));
  CHECK_FALSE(dominates(fast, light, {0}));
  CHECK_FALSE(dominates(fast, light, {0, 2, 3}));
  CHECK_FALSE(dominates(light, fast, {0, 2, 3}));
  // Reference memory 3: only `light` lies inside, a 1 x 2 x 2 box (proxy 0..1, parameters 1..3, memory 1..3).
  CHECK(hypervolume({light, fast}, point(0, 3, 100, 3), {0, 3}) == Approx(4.0));
  CHECK(hypervolume({light, fast}, point(0, 3, 100, 3), {3, 0}) == Approx(4.0));
}
