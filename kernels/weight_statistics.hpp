// The weight-statistics backends: per weight tensor of a whole population, the
// moments (sum w^2, sum w, sum |w|, max |w|) of its initial values. The CPU twin
// runs everywhere; the CUDA backend plugs into the same table.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "kernels/weight_math.hpp"

namespace zerolm::kernels {

// One tensor of one architecture, as the kernels see it.
struct WeightSegment {
  std::uint32_t architecture = 0;  // index in the population
  std::uint32_t tensor = 0;        // index in the architecture's model spec (part of the RNG counter)
  std::int64_t rows = 0;
  std::int64_t cols = 1;
  Distribution distribution = Distribution::zeros;
  float std = 0.0f;
  float cut = 0.0f;       // truncation in standard deviations
  std::uint32_t key0 = 0;  // Philox key, from (seed, architecture hash)
  std::uint32_t key1 = 0;

  std::int64_t numel() const { return rows * cols; }
};

enum class DeviceKind { cpu, cuda };

class WeightStatisticsBackend {
 public:
  virtual ~WeightStatisticsBackend() = default;
  virtual std::string_view name() const = 0;
  // Moments of the sampled initial values of every segment. The result does not
  // depend on thread count or device: each segment is cut into fixed chunks whose
  // partial moments are merged in order.
  virtual void sampled_moments(std::span<const WeightSegment> segments, std::span<TensorMoments> out) const = 0;
};

// Elements per partial sum; a multiple of 4 so chunks hold whole Philox blocks.
inline constexpr std::int64_t kChunkElements = 1 << 16;

// The backend table: the CPU twin always, CUDA when built and a device is present
// (nullptr otherwise).
const WeightStatisticsBackend& cpu_backend();
const WeightStatisticsBackend* cuda_backend();

// What the CUDA runtime sees; "not built" or "no device" otherwise.
bool cuda_built();
int cuda_device_count();
std::string cuda_device_summary();

}  // namespace zerolm::kernels
