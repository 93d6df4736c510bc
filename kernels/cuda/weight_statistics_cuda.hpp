// The CUDA backend of the weight-statistics table (plain C++ view: host code never
// includes CUDA headers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/weight_statistics.hpp"

namespace zerolm::kernels::cuda {

// The backend for device 0. Only call when device_count() > 0.
const WeightStatisticsBackend& backend();

// The practical limit of the sampled mode: a kernel that only draws Philox
// normals and sums their squares. Returns normals per second over `count` draws.
double generate_and_sum_rate(std::uint64_t count);

// Device copies of a table's weights (drawn on the GPU with the sampled values),
// for the `given` mode's benchmark and tests. Sets each segment's `given`.
class DeviceWeights {
 public:
  explicit DeviceWeights(SegmentTable& table);
  ~DeviceWeights();
  DeviceWeights(const DeviceWeights&) = delete;
  DeviceWeights& operator=(const DeviceWeights&) = delete;
  std::size_t bytes() const { return bytes_; }

 private:
  float* data_ = nullptr;
  std::size_t bytes_ = 0;
};

// Free device memory in bytes, and the memory bandwidth peak in bytes/s
// (2 x memory clock x bus width).
std::size_t free_memory();
double peak_bandwidth();
std::string device_name();

// The sampled values of the given elements of one segment, drawn on the GPU by the
// same per-element code as the population kernel (for cross-backend tests).
std::vector<float> draw_elements(const WeightSegment& segment, const std::vector<std::uint64_t>& elements);

}  // namespace zerolm::kernels::cuda
