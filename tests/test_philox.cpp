#include <catch2/catch.hpp>
#include <cmath>

#include "kernels/weight_math.hpp"

using namespace zerolm::kernels;

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors", "[philox]") {
  const Philox4x32 zero = philox4x32_10({{0, 0, 0, 0}}, 0, 0);
  CHECK(zero.v[0] == 0x6627e8d5u);
  CHECK(zero.v[1] == 0xe169c58du);
  CHECK(zero.v[2] == 0xbc57ac4cu);
  CHECK(zero.v[3] == 0x9b00dbd8u);
  const Philox4x32 ones =
      philox4x32_10({{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}}, 0xffffffffu, 0xffffffffu);
  CHECK(ones.v[0] == 0x408f276du);
  CHECK(ones.v[1] == 0x41c83b0eu);
  CHECK(ones.v[2] == 0xa20bc7c6u);
  CHECK(ones.v[3] == 0x6d5451fdu);
  const Philox4x32 pi = philox4x32_10({{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}}, 0xa4093822u, 0x299f31d0u);
  CHECK(pi.v[0] == 0xd16cfe09u);
  CHECK(pi.v[1] == 0x94fdccebu);
  CHECK(pi.v[2] == 0x5001e420u);
  CHECK(pi.v[3] == 0x24126ea1u);
}

TEST_CASE("a block of four weights equals the four single-element draws", "[philox]") {
  for (Distribution d : {Distribution::normal, Distribution::truncated_normal}) {
    for (std::uint64_t block : {0ull, 1ull, 977ull, 123456789ull}) {
      float values[4];
      weight_block(d, 0.02f, 2.0f, block, 7, 0x1234u, 0x9876u, values);
      for (int lane = 0; lane < 4; ++lane) {
        CHECK(values[lane] ==
              weight_element(d, 0.02f, 2.0f, block * 4 + static_cast<std::uint64_t>(lane), 7, 0x1234u, 0x9876u));
      }
    }
  }
}

TEST_CASE("sampled normals have the right moments and truncated ones stay inside the cut", "[philox]") {
  const std::uint64_t n = 1 << 20;
  double sum = 0, sum_sq = 0, trunc_sq = 0;
  float trunc_max = 0;
  for (std::uint64_t e = 0; e < n; ++e) {
    const double z = weight_element(Distribution::normal, 1.0f, 0.0f, e, 3, 11u, 12u);
    sum += z;
    sum_sq += z * z;
    const float t = weight_element(Distribution::truncated_normal, 1.0f, 2.0f, e, 3, 11u, 12u);
    trunc_sq += static_cast<double>(t) * t;
    trunc_max = std::max(trunc_max, std::fabs(t));
  }
  const double count = static_cast<double>(n);
  CHECK(std::abs(sum / count) < 5.0 / std::sqrt(count));
  CHECK(sum_sq / count == Approx(1.0).margin(5.0 * std::sqrt(2.0 / count)));
  // Variance of N(0,1) truncated at +-2: 1 - 4 phi(2) / (2 Phi(2) - 1) = 0.7737413...
  CHECK(trunc_sq / count == Approx(0.7737413).margin(0.004));
  CHECK(trunc_max <= 2.0f);
}

TEST_CASE("different tensors and keys give different streams", "[philox]") {
  CHECK(weight_element(Distribution::normal, 1.0f, 0.0f, 5, 0, 1u, 2u) !=
        weight_element(Distribution::normal, 1.0f, 0.0f, 5, 1, 1u, 2u));
  CHECK(weight_element(Distribution::normal, 1.0f, 0.0f, 5, 0, 1u, 2u) !=
        weight_element(Distribution::normal, 1.0f, 0.0f, 5, 0, 1u, 3u));
  CHECK(weight_element(Distribution::zeros, 1.0f, 0.0f, 5, 0, 1u, 2u) == 0.0f);
  CHECK(weight_element(Distribution::ones, 1.0f, 0.0f, 5, 0, 1u, 2u) == 1.0f);
}
