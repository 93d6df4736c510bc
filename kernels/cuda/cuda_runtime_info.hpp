// Plain C++ view of the CUDA runtime, so host code never includes CUDA headers.
#pragma once

#include <string>

namespace zerolm::kernels::cuda {

int device_count();           // 0 when no device or no driver
std::string device_summary();  // "NVIDIA H100 (sm_90, 79.1 GiB), runtime 13.0, driver 13.0" or why none

}  // namespace zerolm::kernels::cuda
