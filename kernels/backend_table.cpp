#include "kernels/weight_statistics.hpp"

#if ZEROLM_HAVE_CUDA
#include "kernels/cuda/cuda_runtime_info.hpp"
#endif

namespace zerolm::kernels {

const WeightStatisticsBackend* cuda_backend() {
  // The population kernels arrive with the CUDA backend; until then the GPU is
  // only detected, never used.
  return nullptr;
}

bool cuda_built() { return ZEROLM_HAVE_CUDA != 0; }

int cuda_device_count() {
#if ZEROLM_HAVE_CUDA
  return cuda::device_count();
#else
  return 0;
#endif
}

std::string cuda_device_summary() {
#if ZEROLM_HAVE_CUDA
  return cuda::device_summary();
#else
  return "CUDA backend not built";
#endif
}

}  // namespace zerolm::kernels
