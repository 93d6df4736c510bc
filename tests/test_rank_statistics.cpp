// Rank statistics on small cases whose expected values are worked out by hand in
// the comments (not copied from the program's output).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <algorithm>

#include "engine/core/error.hpp"
#include "engine/core/random.hpp"
#include "engine/stats/rank_statistics.hpp"

namespace zerolm::stats {

namespace {
using Vec = std::vector<double>;
}  // namespace

TEST_CASE("average_ranks gives 1-based ranks and averages ties", "[stats]") {
  SECTION("no ties") {
    // 10 < 20 < 30: ranks 1, 2, 3 at indices 1, 0, 2.
    const Vec values{20.0, 10.0, 30.0};
    CHECK(average_ranks(values) == Vec{2.0, 1.0, 3.0});
  }
  SECTION("a pair and a triple of ties") {
    // Sorted: 5 (index 3) -> rank 1; 10 (index 0) -> rank 2; 20 at indices 1, 2, 4
    // span ranks 3, 4, 5 -> (3+4+5)/3 = 4 each; 30 (index 5) -> rank 6.
    const Vec values{10.0, 20.0, 20.0, 5.0, 20.0, 30.0};
    CHECK(average_ranks(values) == Vec{2.0, 4.0, 4.0, 1.0, 4.0, 6.0});
    // Sorted: 1 -> rank 1; the two 3s span ranks 2 and 3 -> 2.5 each.
    const Vec pair{3.0, 1.0, 3.0};
    CHECK(average_ranks(pair) == Vec{2.5, 1.0, 2.5});
  }
  SECTION("all equal") {
    // Four equal values span ranks 1..4 -> 2.5 each.
    const Vec values{7.0, 7.0, 7.0, 7.0};
    CHECK(average_ranks(values) == Vec{2.5, 2.5, 2.5, 2.5});
  }
  SECTION("empty and single") {
    CHECK(average_ranks(Vec{}).empty());
    CHECK(average_ranks(Vec{42.0}) == Vec{1.0});
  }
}

TEST_CASE("pearson on hand-computed data", "[stats]") {
  SECTION("general case") {
    // x = 1 2 3 4, mean 2.5, deviations -1.5 -0.5 0.5 1.5
    // y = 2 4 5 9, mean 5,   deviations -3   -1   0   4
    // sxy = 4.5 + 0.5 + 0 + 6 = 11; sxx = 2.25+0.25+0.25+2.25 = 5; syy = 9+1+0+16 = 26
    // r = 11 / sqrt(5 * 26) = 11 / sqrt(130) = 0.96476...
    const Vec x{1.0, 2.0, 3.0, 4.0};
    const Vec y{2.0, 4.0, 5.0, 9.0};
    CHECK(pearson(x, y) == Approx(11.0 / std::sqrt(130.0)));
    CHECK(pearson(x, y) == Approx(0.9647638));
    CHECK(pearson(y, x) == Approx(pearson(x, y)));
  }
  SECTION("exact linear relations") {
    const Vec x{1.0, 2.0, 3.0, 4.0, 5.0};
    const Vec up{3.0, 5.0, 7.0, 9.0, 11.0};        // 2x + 1
    const Vec down{-1.0, -2.0, -3.0, -4.0, -5.0};  // -x
    CHECK(pearson(x, up) == Approx(1.0));
    CHECK(pearson(x, down) == Approx(-1.0));
  }
}

TEST_CASE("spearman without ties", "[stats]") {
  SECTION("one adjacent swap at each end") {
    // rank(x) = 1 2 3 4 5, rank(y) = 1 3 2 5 4, d = 0 -1 1 -1 1, sum d^2 = 4.
    // Without ties rho = 1 - 6 sum d^2 / (n (n^2 - 1)) = 1 - 24 / 120 = 0.8.
    const Vec x{10.0, 20.0, 30.0, 40.0, 50.0};
    const Vec y{1.0, 3.0, 2.0, 5.0, 4.0};
    CHECK(spearman(x, y) == Approx(0.8));
  }
  SECTION("monotone but not linear") {
    // y = x^3 keeps the order: rho = 1, while Pearson is below 1.
    const Vec x{1.0, 2.0, 3.0, 4.0};
    const Vec y{1.0, 8.0, 27.0, 64.0};
    CHECK(spearman(x, y) == Approx(1.0));
    CHECK(pearson(x, y) < 0.999);
    // Reversed order: rho = -1.
    const Vec reversed{64.0, 27.0, 8.0, 1.0};
    CHECK(spearman(x, reversed) == Approx(-1.0));
  }
}

TEST_CASE("spearman with ties is Pearson on average ranks", "[stats]") {
  // x = 1 2 2 3 -> ranks 1 2.5 2.5 4; y = 1 2 3 4 -> ranks 1 2 3 4. Both mean 2.5.
  // rank deviations: x -1.5 0 0 1.5; y -1.5 -0.5 0.5 1.5
  // sxy = 2.25 + 0 + 0 + 2.25 = 4.5; sxx = 4.5; syy = 2.25+0.25+0.25+2.25 = 5
  // rho = 4.5 / sqrt(4.5 * 5) = sqrt(0.9) = 0.948683...
  // (The no-ties shortcut 1 - 6 * 0.5 / 60 = 0.95 would be wrong here.)
  const Vec x{1.0, 2.0, 2.0, 3.0};
  const Vec y{1.0, 2.0, 3.0, 4.0};
  CHECK(spearman(x, y) == Approx(std::sqrt(0.9)));
  CHECK(spearman(x, y) == Approx(0.9486833));
  CHECK(spearman(x, y) != Approx(0.95).epsilon(1e-6));
}

TEST_CASE("kendall_tau_b: perfect agreement and reversal", "[stats]") {
  const Vec x{1.0, 2.0, 3.0, 4.0};
  const Vec y{10.0, 20.0, 30.0, 40.0};
  const Vec reversed{40.0, 30.0, 20.0, 10.0};
  // All 6 pairs concordant: 6 / sqrt(6 * 6) = 1; all discordant: -1.
  CHECK(kendall_tau_b(x, y) == Approx(1.0));
  CHECK(kendall_tau_b(x, reversed) == Approx(-1.0));
}

TEST_CASE("kendall_tau_b with ties in x and y differs from tau-a", "[stats]") {
  // i:  0 1 2 3 4
  // x:  1 2 2 3 4
  // y:  2 1 3 3 5
  // n0 = 5*4/2 = 10 pairs:
  //  (0,1) x<  y>  discordant      (1,3) x<  y<  concordant
  //  (0,2) x<  y<  concordant      (1,4) x<  y<  concordant
  //  (0,3) x<  y<  concordant      (2,3) x<  y=  tied in y
  //  (0,4) x<  y<  concordant      (2,4) x<  y<  concordant
  //  (1,2) x=  y<  tied in x       (3,4) x<  y<  concordant
  // C = 7, D = 1, n1 (tied in x) = 1, n2 (tied in y) = 1.
  // tau-b = (C - D) / sqrt((n0 - n1)(n0 - n2)) = 6 / sqrt(9 * 9) = 2/3,
  // whereas tau-a = (C - D) / n0 = 0.6.
  const Vec x{1.0, 2.0, 2.0, 3.0, 4.0};
  const Vec y{2.0, 1.0, 3.0, 3.0, 5.0};
  CHECK(kendall_tau_b(x, y) == Approx(2.0 / 3.0));
  CHECK(kendall_tau_b(x, y) != Approx(0.6));
  CHECK(kendall_tau_b(y, x) == Approx(2.0 / 3.0));  // symmetric

  SECTION("unequal numbers of ties in x and y") {
    // x: 1 1 2 3, y: 1 2 3 3. n0 = 6:
    //  (0,1) x=  y<  tied in x    (1,2) x<  y<  C
    //  (0,2) x<  y<  C            (1,3) x<  y<  C
    //  (0,3) x<  y<  C            (2,3) x<  y=  tied in y
    // C = 4, D = 0, n1 = 1, n2 = 1 -> 4 / sqrt(5 * 5) = 0.8.
    const Vec a{1.0, 1.0, 2.0, 3.0};
    const Vec b{1.0, 2.0, 3.0, 3.0};
    CHECK(kendall_tau_b(a, b) == Approx(0.8));
    // x: 1 1 1 2, y: 1 2 3 4. n0 = 6; the 3 pairs among indices 0..2 are tied in x,
    // (0,3) (1,3) (2,3) are concordant.
    // C = 3, D = 0, n1 = 3, n2 = 0 -> 3 / sqrt(3 * 6) = 3 / sqrt(18) = 1/sqrt(2).
    const Vec c{1.0, 1.0, 1.0, 2.0};
    const Vec d{1.0, 2.0, 3.0, 4.0};
    CHECK(kendall_tau_b(c, d) == Approx(1.0 / std::sqrt(2.0)));
  }
  SECTION("a pair tied in both counts in n1 and n2") {
    // x = y = 1 1 2: (0,1) tied in both, (0,2) and (1,2) concordant.
    // C = 2, n1 = n2 = 1 -> 2 / sqrt(2 * 2) = 1.
    const Vec a{1.0, 1.0, 2.0};
    CHECK(kendall_tau_b(a, a) == Approx(1.0));
  }
}

TEST_CASE("kendall_tau_b_similar_size keeps only pairs of similar size", "[stats]") {
  // parameters: 100 105 108 200 1000; a pair is kept when |p_i - p_j| < 0.1 * max.
  //  (0,1): 5 < 10.5 kept    (0,2): 8 < 10.8 kept    (1,2): 3 < 10.8 kept
  //  (0,3): 100 < 20 no      (1,3): 95 < 20 no       (2,3): 92 < 20 no
  //  every pair with 1000:   >= 800 < 100 no
  // x: 1 2 3 4 5, y: 2 1 3 10 0.
  // Kept pairs: (0,1) x< y> D; (0,2) x< y< C; (1,2) x< y< C -> C = 2, D = 1, no ties:
  //   tau-b = (2 - 1) / sqrt(3 * 3) = 1/3.
  // Over all 10 pairs: the kept ones plus (0,3) (1,3) (2,3) concordant, (0,4) (1,4)
  // (2,4) (3,4) discordant -> C = 5, D = 5 -> tau-b = 0.
  const Vec x{1.0, 2.0, 3.0, 4.0, 5.0};
  const Vec y{2.0, 1.0, 3.0, 10.0, 0.0};
  const Vec parameters{100.0, 105.0, 108.0, 200.0, 1000.0};
  CHECK(kendall_tau_b_similar_size(x, y, parameters) == Approx(1.0 / 3.0));
  CHECK(kendall_tau_b_similar_size(x, y, parameters, 0.10) == Approx(1.0 / 3.0));
  CHECK(kendall_tau_b(x, y) == Approx(0.0).margin(1e-12));

  SECTION("a wider fraction admits more pairs") {
    // fraction 0.6: (i,3) differences 100, 95, 92 < 0.6 * 200 = 120 -> also kept, all
    // concordant; pairs with 1000 still out (>= 800 vs 600). C = 5, D = 1, 6 pairs:
    // tau-b = 4 / sqrt(6 * 6) = 2/3.
    CHECK(kendall_tau_b_similar_size(x, y, parameters, 0.6) == Approx(2.0 / 3.0));
  }
  SECTION("the bound is strict") {
    // 100 vs 200 with fraction 0.5: |100 - 200| = 100 is not < 0.5 * 200 = 100, so no
    // pair is kept and the statistic is undefined; 100 vs 199: 99 < 99.5 is kept.
    const Vec a{1.0, 2.0};
    const Vec b{1.0, 2.0};
    CHECK(std::isnan(kendall_tau_b_similar_size(a, b, Vec{100.0, 200.0}, 0.5)));
    CHECK(kendall_tau_b_similar_size(a, b, Vec{100.0, 199.0}, 0.5) == Approx(1.0));
  }
  SECTION("kendall_tau_b_on_pairs with an explicit filter") {
    // Keep only pairs whose indices are both even: (0,2) (0,4) (2,4).
    // (0,2) C; (0,4) D; (2,4) D -> (1 - 2) / sqrt(3 * 3) = -1/3.
    const auto even = [](std::size_t i, std::size_t j) { return i % 2 == 0 && j % 2 == 0; };
    CHECK(kendall_tau_b_on_pairs(x, y, even) == Approx(-1.0 / 3.0));
    CHECK(kendall_tau_b_on_pairs(x, y, nullptr) == Approx(kendall_tau_b(x, y)).margin(1e-12));
  }
}

TEST_CASE("undefined statistics are NaN", "[stats]") {
  const Vec constant{3.0, 3.0, 3.0, 3.0};
  const Vec varying{1.0, 2.0, 3.0, 4.0};
  SECTION("constant input") {
    CHECK(std::isnan(pearson(constant, varying)));
    CHECK(std::isnan(pearson(varying, constant)));
    CHECK(std::isnan(spearman(constant, varying)));
    CHECK(std::isnan(spearman(varying, constant)));
    CHECK(std::isnan(kendall_tau_b(constant, varying)));
    CHECK(std::isnan(kendall_tau_b(varying, constant)));
  }
  SECTION("fewer than two points") {
    const Vec empty;
    const Vec one{1.0};
    const Vec other{2.0};
    CHECK(std::isnan(pearson(empty, empty)));
    CHECK(std::isnan(pearson(one, other)));
    CHECK(std::isnan(spearman(empty, empty)));
    CHECK(std::isnan(spearman(one, other)));
    CHECK(std::isnan(kendall_tau_b(empty, empty)));
    CHECK(std::isnan(kendall_tau_b(one, other)));
    CHECK(std::isnan(kendall_tau_b_similar_size(one, other, Vec{10.0})));
  }
}

TEST_CASE("mean_sd uses the sample standard deviation", "[stats]") {
  SECTION("general case") {
    // 2 4 4 4 5 5 7 9: sum 40, mean 5; squared deviations 9 1 1 1 0 0 4 16 = 32;
    // sd = sqrt(32 / (8 - 1)) = sqrt(32/7) = 2.13809...
    const Vec values{2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0};
    const MeanSd m = mean_sd(values);
    CHECK(m.mean == Approx(5.0));
    CHECK(m.sd == Approx(std::sqrt(32.0 / 7.0)));
    CHECK(m.sd == Approx(2.1380899));
  }
  SECTION("two values") {
    // 1 3: mean 2, squared deviations 1 + 1 = 2, sd = sqrt(2 / 1).
    const MeanSd m = mean_sd(Vec{1.0, 3.0});
    CHECK(m.mean == Approx(2.0));
    CHECK(m.sd == Approx(std::sqrt(2.0)));
  }
  SECTION("one value: its mean, sd 0") {
    const MeanSd m = mean_sd(Vec{4.5});
    CHECK(m.mean == Approx(4.5));
    CHECK(m.sd == 0.0);
  }
  SECTION("no values: NaN") {
    const MeanSd m = mean_sd(Vec{});
    CHECK(std::isnan(m.mean));
    CHECK(std::isnan(m.sd));
  }
}

TEST_CASE("unequal lengths throw zerolm::Error", "[stats]") {
  using Catch::Matchers::Contains;
  const Vec three{1.0, 2.0, 3.0};
  const Vec two{1.0, 2.0};
  CHECK_THROWS_AS(pearson(three, two), Error);
  CHECK_THROWS_AS(spearman(three, two), Error);
  CHECK_THROWS_AS(kendall_tau_b(three, two), Error);
  CHECK_THROWS_AS(kendall_tau_b_on_pairs(three, two, nullptr), Error);
  // y or the parameter counts of another length.
  CHECK_THROWS_AS(kendall_tau_b_similar_size(three, two, three), Error);
  CHECK_THROWS_AS(kendall_tau_b_similar_size(three, three, two), Error);
  // Also with fewer than two points, where the result would otherwise be NaN.
  CHECK_THROWS_AS(pearson(Vec{1.0}, Vec{}), Error);
  try {
    (void)pearson(three, two);
    FAIL("pearson accepted lengths 3 and 2");
  } catch (const Error& e) {
    CHECK_THAT(e.message(), Contains("equal lengths") && Contains("3") && Contains("2"));
  }
}

}  // namespace zerolm::stats

TEST_CASE("Knight's O(n log n) tau-b and the windowed 10% pairs equal the pair-by-pair definitions", "[stats]") {
  // Random data with many ties in x, in y and in both, and parameter counts with
  // equal values and near misses around the 10% bound.
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    zerolm::CounterRng rng(seed, 0);
    const std::size_t n = 2 + static_cast<std::size_t>(rng.below(300));
    std::vector<double> x(n), y(n), p(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = static_cast<double>(rng.below(seed % 3 == 0 ? 4 : 40));
      y[i] = static_cast<double>(rng.below(seed % 2 == 0 ? 5 : 1000)) - 2.5;
      p[i] = 1000.0 + 10.0 * static_cast<double>(rng.below(60));
    }
    INFO("seed " << seed << ", n " << n);
    const double reference = zerolm::stats::kendall_tau_b_on_pairs(x, y, nullptr);
    const double fast = zerolm::stats::kendall_tau_b(x, y);
    if (std::isnan(reference)) {
      CHECK(std::isnan(fast));
    } else {
      CHECK(fast == Approx(reference).epsilon(1e-12).margin(1e-15));
    }
    const double windowed = zerolm::stats::kendall_tau_b_similar_size(x, y, p);
    const double filtered = zerolm::stats::kendall_tau_b_on_pairs(x, y, [&](std::size_t i, std::size_t j) {
      return std::abs(p[i] - p[j]) < 0.10 * std::max(p[i], p[j]);
    });
    if (std::isnan(filtered)) {
      CHECK(std::isnan(windowed));
    } else {
      CHECK(windowed == Approx(filtered).epsilon(1e-12).margin(1e-15));
    }
  }
}
