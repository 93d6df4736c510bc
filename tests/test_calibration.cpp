#include <catch2/catch.hpp>
#include <set>

#include "engine/calibration/calibrate.hpp"
#include "engine/core/random.hpp"
#include "engine/rank/rank.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;

namespace {
ModuleCapacities synthetic(std::size_t n, double attention_scale, double ffn_scale, std::uint64_t seed) {
  ModuleCapacities c;
  CounterRng rng(seed, 0);
  for (std::size_t i = 0; i < n; ++i) {
    c.attention.push_back(attention_scale * rng.uniform());
    c.ffn.push_back(ffn_scale * rng.uniform());
    c.extra.push_back(0.0);
  }
  return c;
}
}  // namespace

TEST_CASE("the sample grid runs from -1.5 to 1.5 by 0.1", "[calibration]") {
  const auto grid = calibration_grid();
  REQUIRE(grid.size() == 31);
  CHECK(grid.front() == -1.5);
  CHECK(grid.back() == 1.5);
  CHECK(grid[15] == 0.0);
  CHECK(grid[18] == Approx(0.3));
}

TEST_CASE("sample calibration recovers the alpha that generated the ground truth", "[calibration]") {
  const auto c = synthetic(60, 1.0, 1.0, 1);
  for (double alpha : {-0.7, 0.3, 0.8}) {
    const auto truth = c.combine(alpha);
    std::vector<std::size_t> all(60);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    const auto result = calibrate_by_sample(c, truth, all);
    CHECK(result.alpha == Approx(alpha));
    CHECK(result.kendall == Approx(1.0));
  }
}

TEST_CASE("heuristic calibration balances the modules' influence on the ranking", "[calibration]") {
  // Equal spreads: equal weights. Attention spread 3x the FFN's: alpha * 3 = 1 - alpha.
  CHECK(calibrate_by_heuristic(synthetic(2000, 1.0, 1.0, 2)).alpha == Approx(0.5).margin(0.03));
  const auto skewed = calibrate_by_heuristic(synthetic(2000, 3.0, 1.0, 3));
  CHECK(skewed.alpha == Approx(0.25).margin(0.03));
  CHECK(skewed.spearman_attention == Approx(skewed.spearman_ffn).margin(0.01));
}

TEST_CASE("calibration subsets are distinct and seeded", "[calibration]") {
  const auto a = draw_subset(350, 50, 4);
  CHECK(a == draw_subset(350, 50, 4));
  CHECK(a != draw_subset(350, 50, 5));
  CHECK(std::set<std::size_t>(a.begin(), a.end()).size() == 50);
  for (std::size_t i : a) CHECK(i < 350);
}

TEST_CASE("paper protocol reproduces the ZeroLM paper's FlexiBERT correlation", "[calibration][benchmark]") {
  ZEROLM_REQUIRE_BENCHMARK(path, "nas-bench-bert/architectures.json");
  RankRequest request;
  request.benchmark = path;
  request.protocol = "paper";
  request.calibration = CalibrationRequest{path, 50, 20};
  const RankReport report = rank_benchmark(request);
  INFO("rho " << report.proxy_correlations.spearman << " tau " << report.proxy_correlations.kendall);
  CHECK(report.n == 300);  // the 50 calibration records are left out
  CHECK(report.repeats == 20);
  CHECK(report.proxy_correlations.spearman >= 0.75);
  CHECK(report.proxy_correlations.kendall >= 0.53);
  // The published #params baseline on the same rows.
  CHECK(report.baselines.at("number_of_parameters").kendall == Approx(0.454).margin(0.03));
}
