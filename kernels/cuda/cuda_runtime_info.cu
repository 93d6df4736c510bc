#include <fmt/format.h>

#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/cuda_runtime_info.hpp"

namespace zerolm::kernels::cuda {

int device_count() {
  int count = 0;
  // No driver or no device is not an error here: it selects the CPU backend.
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  return count;
}

std::string device_summary() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    (void)cudaGetLastError();
    return fmt::format("no CUDA device ({})", status != cudaSuccess ? cudaGetErrorString(status) : "none found");
  }
  cudaDeviceProp properties{};
  ZEROLM_CUDA_CHECK(cudaGetDeviceProperties(&properties, 0), "querying device 0");
  int runtime = 0, driver = 0;
  ZEROLM_CUDA_CHECK(cudaRuntimeGetVersion(&runtime), "querying the runtime version");
  ZEROLM_CUDA_CHECK(cudaDriverGetVersion(&driver), "querying the driver version");
  return fmt::format("{} x {} (sm_{}{}, {:.1f} GiB), runtime {}.{}, driver {}.{}", count, properties.name,
                     properties.major, properties.minor, static_cast<double>(properties.totalGlobalMem) / (1 << 30),
                     runtime / 1000, (runtime % 1000) / 10, driver / 1000, (driver % 1000) / 10);
}

}  // namespace zerolm::kernels::cuda
