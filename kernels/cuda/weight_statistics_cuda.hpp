// The CUDA backend of the weight-statistics table (plain C++ view: host code never
// includes CUDA headers).
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/weight_statistics.hpp"

namespace zerolm::kernels::cuda {

// The backend for device 0. Only call when device_count() > 0.
const WeightStatisticsBackend& backend();

// The practical limit of the sampled mode: a kernel that only draws Philox
// normals and sums their squares. Returns normals per second over `count` draws.
double generate_and_sum_rate(std::uint64_t count);

// The sampled values of the given elements of one segment, drawn on the GPU by the
// same per-element code as the population kernel (for cross-backend tests).
std::vector<float> draw_elements(const WeightSegment& segment, const std::vector<std::uint64_t>& elements);

}  // namespace zerolm::kernels::cuda
