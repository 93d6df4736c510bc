// The CUDA backend of the weight-statistics table (plain C++ view: host code never
// includes CUDA headers).
#pragma once

#include <cstdint>

#include "kernels/weight_statistics.hpp"

namespace zerolm::kernels::cuda {

// The backend for device 0. Only call when device_count() > 0.
const WeightStatisticsBackend& backend();

// The practical limit of the sampled mode: a kernel that only draws Philox
// normals and sums their squares. Returns normals per second over `count` draws.
double generate_and_sum_rate(std::uint64_t count);

}  // namespace zerolm::kernels::cuda
