// Plain C++ view of the CUDA runtime, so host code never includes CUDA headers.
#pragma once

#include <string>

namespace zerolm::kernels::cuda {

int device_count();  // 0 when no device or no driver
// Makes device `index % device_count()` this process's device (a distributed
// run's local rank picks its GPU); returns the ordinal used, -1 without devices.
int use_device(int index);
int current_device();
std::string device_summary();  // "NVIDIA H100 (sm_90, 79.1 GiB), runtime 13.0, driver 13.0" or why none

}  // namespace zerolm::kernels::cuda
