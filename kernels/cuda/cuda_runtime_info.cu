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

int use_device(int index) {
  const int count = device_count();
  if (count == 0) return -1;
  const int ordinal = index % count;
  ZEROLM_CUDA_CHECK(cudaSetDevice(ordinal), "selecting device {}", ordinal);
  return ordinal;
}

int current_device() {
  int ordinal = 0;
  ZEROLM_CUDA_CHECK(cudaGetDevice(&ordinal), "querying the current device");
  return ordinal;
}

std::string device_summary() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess || count == 0) {
    (void)cudaGetLastError();
    return fmt::format("no CUDA device ({})", status != cudaSuccess ? cudaGetErrorString(status) : "none found");
  }
  cudaDeviceProp properties{};
  const int ordinal = current_device();
  ZEROLM_CUDA_CHECK(cudaGetDeviceProperties(&properties, ordinal), "querying the current device");
  int runtime = 0, driver = 0;
  ZEROLM_CUDA_CHECK(cudaRuntimeGetVersion(&runtime), "querying the runtime version");
  ZEROLM_CUDA_CHECK(cudaDriverGetVersion(&driver), "querying the driver version");
  return fmt::format("{} x {} (using {}: sm_{}{}, {:.1f} GiB), runtime {}.{}, driver {}.{}", count, properties.name,
                     ordinal, properties.major, properties.minor,
                     static_cast<double>(properties.totalGlobalMem) / (1 << 30), runtime / 1000, (runtime % 1000) / 10,
                     driver / 1000, (driver % 1000) / 10);
}

}  // namespace zerolm::kernels::cuda
