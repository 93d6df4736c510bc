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
  return (static_cast<float>(bits >> 8) + 1.0f) * (1.0f / 16777216.0f);
}

// Two standard normals from two uniform words (Box-Muller).
ZEROLM_HD void box_muller(std::uint32_t a, std::uint32_t b, float& z0, float& z1) {
  const float radius = sqrtf(-2.0f * logf(uniform_open0(a)));
  const float angle = 6.2831853071795864769f * uniform_open0(b);
  z0 = radius * cosf(angle);
  z1 = radius * sinf(angle);
}

// Four standard normals of one Philox block.
ZEROLM_HD void normal4(std::uint64_t block, std::uint32_t tensor, std::uint32_t attempt, std::uint32_t key0,
                       std::uint32_t key1, float out[4]) {
  const Philox4x32 bits = philox4x32_10(
      {{static_cast<std::uint32_t>(block), static_cast<std::uint32_t>(block >> 32), tensor, attempt}}, key0, key1);
  box_muller(bits.v[0], bits.v[1], out[0], out[1]);
  box_muller(bits.v[2], bits.v[3], out[2], out[3]);
}

// The standard-normal draw of one element, truncated to [-cut, cut] when cut > 0.
ZEROLM_HD float standard_element(std::uint64_t element, std::uint32_t tensor, float cut, std::uint32_t key0,
                                 std::uint32_t key1) {
  float z[4];
  std::uint32_t attempt = 0;
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

// Statistics of one weight tensor, accumulated in fp64.
struct TensorMoments {
  double sum_squares = 0.0;
  double sum = 0.0;
  double sum_abs = 0.0;
  float max_abs = 0.0f;
};

ZEROLM_HD void accumulate(TensorMoments& m, float value) {
  const double v = value;
  m.sum_squares += v * v;
  m.sum += v;
  m.sum_abs += fabs(v);
  m.max_abs = fmaxf(m.max_abs, fabsf(value));
}

ZEROLM_HD void merge(TensorMoments& into, const TensorMoments& part) {
  into.sum_squares += part.sum_squares;
  into.sum += part.sum;
  into.sum_abs += part.sum_abs;
  into.max_abs = fmaxf(into.max_abs, part.max_abs);
}

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
      if (fabsf(out[lane]) > cut) out[lane] = standard_element(block * 4u + static_cast<std::uint32_t>(lane), tensor, cut, key0, key1);
    }
  }
  for (int lane = 0; lane < 4; ++lane) out[lane] *= std;
}

}  // namespace zerolm::kernels
