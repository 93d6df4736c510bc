// CUDA error checks: every API call and launch goes through ZEROLM_CUDA_CHECK.
#pragma once

#include <cuda_runtime.h>

#include "engine/core/error.hpp"

#define ZEROLM_CUDA_CHECK(call, ...)                                                                       \
  do {                                                                                                     \
    const cudaError_t zerolm_cuda_status = (call);                                                         \
    if (zerolm_cuda_status != cudaSuccess) {                                                               \
      ::zerolm::detail::throw_error(__FILE__, __LINE__,                                                    \
                                    ::fmt::format("CUDA error in {}: {} ({})", ::fmt::format(__VA_ARGS__), \
                                                  cudaGetErrorString(zerolm_cuda_status), #call));         \
    }                                                                                                      \
  } while (false)
