// Per-element arithmetic of the weight-statistics kernels, shared by the CUDA
// kernels and the TBB CPU twin.
//
// Element e of tensor t under key k takes lane e % 4 of Philox block
// (counter = {e / 4 low, e / 4 high, t, attempt}); a normal comes from Box-Muller
// on the lane pair, in fp32 like a real initialiser. A truncated normal redraws the
// element with attempt + 1 until it falls inside the cut, so every element is a
// pure function of (key, tensor, element).
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/host_device.hpp"
#include "kernels/philox.hpp"

namespace zerolm::kernels {

enum class Distribution : std::uint8_t { normal = 0, truncated_normal = 1, zeros = 2, ones = 3 };

// (0, 1]: never zero, so log() is finite.
ZEROLM_HD float uniform_open0(std::uint32_t bits) {
  // Via int32: bits >> 8 < 2^24, and signed conversion is one vector instruction.
  return (static_cast<float>(static_cast<std::int32_t>(bits >> 8)) + 1.0f) * (1.0f / 16777216.0f);
}

ZEROLM_HD float bits_to_float(std::uint32_t bits) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(bits);
#else
  return __builtin_bit_cast(float, bits);
#endif
}

ZEROLM_HD std::uint32_t float_to_bits(float value) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(value);
#else
  return __builtin_bit_cast(std::uint32_t, value);
#endif
}

// Natural log of a normal positive float, in plain arithmetic (no libm), so the CPU
// and GPU compute the same value and CPU loops vectorise. x = m 2^e with m in
// [1/sqrt 2, sqrt 2); log m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.172, by its
// series to s^9 (truncation below 1e-9).
ZEROLM_HD float log_positive(float x) {
  // Integer operations only before the series: vector code needs no branches.
  const std::uint32_t bits = float_to_bits(x);
  const std::uint32_t mantissa = (bits & 0x007fffffu) | 0x3f800000u;  // m in [1, 2)
  const std::uint32_t high = mantissa > 0x3fb504f3u ? 1u : 0u;        // m > sqrt 2
  const float m = bits_to_float(mantissa - (high << 23));             // halve when high
  const int exponent = static_cast<int>((bits >> 23) & 0xffu) - 127 + static_cast<int>(high);
  const float s = (m - 1.0f) / (m + 1.0f);
  const float s2 = s * s;
  const float series = s * (2.0f + s2 * (2.0f / 3.0f + s2 * (2.0f / 5.0f + s2 * (2.0f / 7.0f + s2 * (2.0f / 9.0f)))));
  return static_cast<float>(exponent) * 0.69314718f + series;
}

// sin and cos of 2 pi u for u in [0, 1]: reduce to the nearest quarter turn, then
// Taylor polynomials on [-pi/4, pi/4] (truncation below 2e-9).
ZEROLM_HD void sincos_turns(float u, float& sine, float& cosine) {
  // 4u + 0.5 >= 0, so truncation is floor (and vectorises without libm).
  const int q = static_cast<int>(4.0f * u + 0.5f);
  const float x = 6.2831853f * (u - 0.25f * static_cast<float>(q));
  const float x2 = x * x;
  const float s = x * (1.0f + x2 * (-1.0f / 6 + x2 * (1.0f / 120 + x2 * (-1.0f / 5040 + x2 * (1.0f / 362880)))));
  const float c =
      1.0f + x2 * (-0.5f + x2 * (1.0f / 24 + x2 * (-1.0f / 720 + x2 * (1.0f / 40320 + x2 * (-1.0f / 3628800)))));
  // Rotate by q quarter turns: odd q swaps sine and cosine, then signs follow the
  // quadrant. Plain selects, so vector code needs no branches.
  const std::uint32_t swap = 0u - static_cast<std::uint32_t>(q & 1);  // all ones when q is odd
  const std::uint32_t sb = float_to_bits(s), cb = float_to_bits(c);
  const std::uint32_t a = (cb & swap) | (sb & ~swap);
  const std::uint32_t b = (sb & swap) | (cb & ~swap);
  sine = bits_to_float(a ^ (static_cast<std::uint32_t>(q & 2) << 30));
  cosine = bits_to_float(b ^ (static_cast<std::uint32_t>((q + 1) & 2) << 30));
}

// Two standard normals from two uniform words (Box-Muller).
ZEROLM_HD void box_muller(std::uint32_t a, std::uint32_t b, float& z0, float& z1) {
  const float radius = sqrtf(-2.0f * log_positive(uniform_open0(a)));
  float sine, cosine;
  sincos_turns(uniform_open0(b), sine, cosine);
  z0 = radius * cosine;
  z1 = radius * sine;
}

// Four standard normals of one Philox block.
ZEROLM_HD void normal4(std::uint64_t block, std::uint32_t tensor, std::uint32_t attempt, std::uint32_t key0,
                       std::uint32_t key1, float out[4]) {
  const Philox4x32 bits = philox4x32_10(
      {{static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32), tensor, attempt}}, key0, key1);
  box_muller(bits.v[0], bits.v[1], out[0], out[1]);
  box_muller(bits.v[2], bits.v[3], out[2], out[3]);
}

// Draw `attempt` of one element (lane element % 4 of its block), branch-free.
ZEROLM_HD float element_attempt(std::uint64_t element, std::uint32_t tensor, std::uint32_t attempt, std::uint32_t key0,
                                std::uint32_t key1) {
  float z[4];
  normal4(element >> 2, tensor, attempt, key0, key1, z);
  const std::uint32_t lane = static_cast<std::uint32_t>(element) & 3u;
  const float low = (lane & 1u) != 0 ? z[1] : z[0];
  const float high = (lane & 1u) != 0 ? z[3] : z[2];
  return (lane & 2u) != 0 ? high : low;
}

// The standard-normal draw of one element, truncated to [-cut, cut] when cut > 0:
// attempts first_attempt, first_attempt + 1, ... until one falls inside the cut.
ZEROLM_HD float standard_element(std::uint64_t element, std::uint32_t tensor, float cut, std::uint32_t key0,
                                 std::uint32_t key1, std::uint32_t first_attempt = 0) {
  float z[4];
  std::uint32_t attempt = first_attempt;
  for (;;) {
    normal4(element >> 2, tensor, attempt, key0, key1, z);
    const float value = z[element & 3u];
    if (cut <= 0.0f || fabsf(value) <= cut) return value;
    ++attempt;
  }
}

// The initial value of element e of a tensor.
ZEROLM_HD float weight_element(Distribution distribution, float std, float cut, std::uint64_t element,
                               std::uint32_t tensor, std::uint32_t key0, std::uint32_t key1) {
  switch (distribution) {
    case Distribution::zeros: return 0.0f;
    case Distribution::ones: return 1.0f;
    case Distribution::normal: return std * standard_element(element, tensor, 0.0f, key0, key1);
    case Distribution::truncated_normal: return std * standard_element(element, tensor, cut, key0, key1);
  }
  return 0.0f;
}

// What the kernels sum over one weight tensor, in fp64: the squares (the ZeroLM
// capacity's numerator). Other moments would cost registers and bandwidth that
// no proxy reads.
struct TensorMoments {
  double sum_squares = 0.0;
};

ZEROLM_HD void accumulate(TensorMoments& m, float value) {
  const double v = value;
  m.sum_squares += v * v;
}

ZEROLM_HD void merge(TensorMoments& into, const TensorMoments& part) { into.sum_squares += part.sum_squares; }

// ZeroLM capacity of a rows x cols matrix: ||W||_F^2 / min(rows, cols).
ZEROLM_HD double capacity(double sum_squares, std::int64_t rows, std::int64_t cols) {
  return sum_squares / static_cast<double>(rows < cols ? rows : cols);
}

}  // namespace zerolm::kernels

namespace zerolm::kernels {

// The four initial values of Philox block `block` (elements 4*block .. 4*block+3),
// each exactly weight_element() of its element; one Philox call serves all four
// unless a truncated lane must be redrawn.
ZEROLM_HD void weight_block(Distribution distribution, float std, float cut, std::uint64_t block, std::uint32_t tensor,
                            std::uint32_t key0, std::uint32_t key1, float out[4]) {
  if (distribution == Distribution::zeros || distribution == Distribution::ones) {
    const float value = distribution == Distribution::ones ? 1.0f : 0.0f;
    out[0] = out[1] = out[2] = out[3] = value;
    return;
  }
  normal4(block, tensor, 0u, key0, key1, out);
  if (distribution == Distribution::truncated_normal) {
    for (int lane = 0; lane < 4; ++lane) {
      if (fabsf(out[lane]) > cut)
        out[lane] = standard_element(block * 4u + static_cast<std::uint32_t>(lane), tensor, cut, key0, key1);
    }
  }
  for (int lane = 0; lane < 4; ++lane) out[lane] *= std;
}

}  // namespace zerolm::kernels
