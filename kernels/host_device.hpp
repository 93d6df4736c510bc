// ZEROLM_HD marks arithmetic shared by the CUDA kernels and their CPU twins, so the
// CPU tests exercise the GPU's math.
#pragma once

#if defined(__CUDACC__)
#define ZEROLM_HD __host__ __device__ __forceinline__
#else
#define ZEROLM_HD inline
#endif
