// The weight-statistics backends: "send a population to the device, get every
// sub-module's weight statistics back in one pass". Input: a flat segment table
// (one row per weight tensor of every architecture); output: per tensor the
// sum of squares (in fp64) and its ZeroLM capacity, and per
// (architecture, layer, module) the sum of capacities. The CPU twin runs
// everywhere; the CUDA backend fills the same table when a GPU is present.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/weight_math.hpp"

namespace zerolm::kernels {

// Where the weights come from.
enum class WeightSource : std::uint8_t {
  sampled,  // drawn from Philox in registers, never stored
  given,    // read from memory (`WeightSegment::given`: host memory on the CPU, device memory on the GPU)
};

// One tensor of one architecture, as the kernels see it.
struct WeightSegment {
  std::uint32_t architecture = 0;  // index in the population
  std::uint32_t tensor = 0;        // index in the architecture's model spec (part of the RNG counter)
  std::int64_t rows = 0;
  std::int64_t cols = 1;
  Distribution distribution = Distribution::zeros;
  float std = 0.0f;
  float cut = 0.0f;        // truncation in standard deviations
  std::uint32_t key0 = 0;  // Philox key, from (seed, architecture hash)
  std::uint32_t key1 = 0;
  std::uint32_t module = 0;      // output slot: which (architecture, layer, module) sum it joins
  const float* given = nullptr;  // given weights, row-major rows x cols

  std::int64_t numel() const { return rows * cols; }
};

// A population's segments and the number of module slots their sums go to.
struct SegmentTable {
  std::vector<WeightSegment> segments;
  std::uint32_t modules = 0;
};

struct PopulationStatistics {
  std::vector<TensorMoments> tensors;  // per segment
  std::vector<double> capacity;        // per segment: sum w^2 / min(rows, cols)
  std::vector<double> modules;         // per module slot: sum of its segments' capacities, in segment order
};

// The kernel families a backend may implement. A proxy's sampled mode names the
// one it needs (ProxyDescriptor::sampled_kernels), so `--device` can say where
// its work really runs.
enum class KernelFamily {
  weight_statistics,  // per-tensor sums and module capacities (sampled or given weights)
  spectral,           // singular values of sampled weight matrices
};
std::string_view kernel_family_name(KernelFamily family);

class WeightStatisticsBackend {
 public:
  virtual ~WeightStatisticsBackend() = default;
  virtual std::string_view name() const = 0;
  virtual bool supports(KernelFamily family) const = 0;
  // The result does not depend on thread count or device: each segment is cut
  // into fixed chunks whose partial moments are merged in order, and module sums
  // add capacities in segment order.
  virtual PopulationStatistics compute(const SegmentTable& table, WeightSource source) const = 0;
};

// Elements per partial sum; a multiple of 512 so chunks hold whole CPU batches
// and Philox blocks.
inline constexpr std::int64_t kChunkElements = 1 << 16;

// The backend table: the CPU twin always; CUDA when built and a device is present.
const WeightStatisticsBackend& cpu_backend();
const WeightStatisticsBackend* cuda_backend();  // nullptr when unavailable

// Picks a backend for `family`: `cpu`, `cuda` (an Error when no GPU), or `auto`
// (CUDA when a device is present). A GPU whose backend lacks the family is not
// used: the CPU twin runs it. `picked` receives one line saying where the work
// runs and why.
const WeightStatisticsBackend& select_backend(std::string_view device, std::string* picked = nullptr,
                                              KernelFamily family = KernelFamily::weight_statistics);

// What the CUDA runtime sees; "not built" or "no device" otherwise.
bool cuda_built();
// A distributed run's local rank picks GPU `local_rank % devices` before any other
// CUDA call; a no-op without CUDA or devices.
void use_cuda_device_of_local_rank(int local_rank);
std::string cuda_device_summary();

// Shared by the backends: per-segment capacities and the module sums from the
// per-segment moments, in segment order.
void finish_statistics(const SegmentTable& table, PopulationStatistics& out);

}  // namespace zerolm::kernels
