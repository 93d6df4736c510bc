// CUDA error checks: every API call and launch goes through ZEROLM_CUDA_CHECK,
// which throws CudaError (a user-facing Error that keeps the cudaError_t, so an
// out-of-memory is recognised by its code, not by its text).
#pragma once

#include <cuda_runtime.h>

#include "engine/core/error.hpp"

namespace zerolm::kernels::cuda {

class CudaError : public Error {
 public:
  CudaError(cudaError_t code, std::string message, const char* source_file, int source_line)
      : Error(std::move(message), source_file, source_line), code_(code) {}
  cudaError_t code() const { return code_; }
  bool out_of_memory() const { return code_ == cudaErrorMemoryAllocation; }

 private:
  cudaError_t code_;
};

}  // namespace zerolm::kernels::cuda

#define ZEROLM_CUDA_CHECK(call, ...)                                                                          \
  do {                                                                                                        \
    const cudaError_t zerolm_cuda_status = (call);                                                            \
    if (zerolm_cuda_status != cudaSuccess) {                                                                  \
      throw ::zerolm::kernels::cuda::CudaError(                                                               \
          zerolm_cuda_status,                                                                                 \
          ::fmt::format("CUDA error in {}: {} ({})", ::fmt::format(__VA_ARGS__), cudaGetErrorString(zerolm_cuda_status), \
                        #call),                                                                               \
          __FILE__, __LINE__);                                                                                \
    }                                                                                                         \
  } while (false)
