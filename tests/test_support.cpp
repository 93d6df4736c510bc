#include "tests/test_support.hpp"

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "engine/benchmarks/benchmark_file.hpp"
#include "search_spaces/search_space.hpp"
#include "engine/scoring/evaluate.hpp"

namespace zerolm::testing {

std::string benchmarks_directory() {
  if (const char* env = std::getenv("ZEROLM_BENCHMARKS"); env != nullptr && *env != '\0') return env;
  return std::string(ZEROLM_SOURCE_DIR) + "/benchmarks";
}

std::optional<std::string> benchmark_file(const std::string& relative) {
  const auto path = std::filesystem::path(benchmarks_directory()) / relative;
  if (!std::filesystem::exists(path)) return std::nullopt;
  return path.string();
}

std::vector<FrontPoint> brute_force_front(const SearchSpace& space, const Proxy& proxy,
                                          std::span<const AdditiveCost> costs) {
  std::vector<Architecture> all;
  space.enumerate([&](const Architecture& a) { all.push_back(a); });
  const auto scores = evaluate(space, proxy, all);
  std::vector<FrontPoint> inside;
  ModelSpec spec;
  for (std::size_t i = 0; i < all.size(); ++i) {
    space.lower(all[i], spec);
    FrontPoint p{scores[i].score, {}};
    bool keep = true;
    for (const auto& c : costs) {
      const double v = c.measure(all[i], spec);
      keep = keep && v >= c.min && v <= c.max;
      if (c.objective) p.objectives.push_back(v);
    }
    if (keep) inside.push_back(std::move(p));
  }
  const auto no_worse = [](const FrontPoint& a, const FrontPoint& b) {
    if (a.score < b.score - 1e-12 * std::max(1.0, std::abs(b.score))) return false;  // rounding is a tie
    for (std::size_t k = 0; k < a.objectives.size(); ++k) {
      if (a.objectives[k] > b.objectives[k]) return false;
    }
    return true;
  };
  // Sorted so that any point's dominators (and an equal point standing for it)
  // come before it.
  std::stable_sort(inside.begin(), inside.end(), [](const FrontPoint& a, const FrontPoint& b) {
    if (a.objectives[0] != b.objectives[0]) return a.objectives[0] < b.objectives[0];
    if (a.score != b.score) return a.score > b.score;
    return a.objectives < b.objectives;
  });
  std::vector<FrontPoint> front;
  for (const auto& p : inside) {
    if (std::none_of(front.begin(), front.end(), [&](const FrontPoint& f) { return no_worse(f, p); }))
      front.push_back(p);
  }
  return front;
}

void check_exact_front(const SearchSpace& space, const Proxy& proxy, std::span<const AdditiveCost> costs) {
  const auto expected = brute_force_front(space, proxy, costs);
  const auto exact = exact_search(space, proxy, costs);
  if (exact.front.size() != expected.size()) {
    for (const auto& p : expected) {
      std::string t;
      for (double v : p.objectives) t += fmt::format(" {:.17g}", v);
      UNSCOPED_INFO("expected " << p.score << t);
    }
    for (std::size_t i = 0; i < exact.front.size(); ++i) {
      std::string t;
      for (double v : exact.front_costs[i]) t += fmt::format(" {:.17g}", v);
      UNSCOPED_INFO("exact " << exact.front[i].score << t);
    }
  }
  REQUIRE(exact.front.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO("front point " << i << ": " << space.summary(exact.front[i].architecture));
    CHECK(exact.front[i].score == Approx(expected[i].score).epsilon(1e-12));
    std::size_t objective = 0;
    for (std::size_t k = 0; k < costs.size(); ++k) {
      const double v = exact.front_costs[i][k];
      CHECK(v >= costs[k].min);
      CHECK(v <= costs[k].max);
      if (costs[k].objective) CHECK(v == Approx(expected[i].objectives[objective++]).epsilon(1e-9));
    }
  }
}

}  // namespace zerolm::testing
