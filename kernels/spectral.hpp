// Spectral statistics of real weight matrices (the `sampled` and `given` modes of
// the spectral proxies): the Gram matrix of the smaller side, then its
// eigenvalues, then spectral_from_eigenvalues(). CPU twin with Eigen here.
#pragma once

#include <cstdint>

#include "kernels/spectral_math.hpp"
#include "kernels/weight_math.hpp"

namespace zerolm::kernels {

// A given matrix, row-major rows x cols (fp32, as checkpoints store it);
// the Gram matrix and the eigenvalues are fp64.
SpectralValues spectral_of_matrix(const float* weights, std::int64_t rows, std::int64_t cols, double gain);

// The matrix the weight-statistics kernels draw for (tensor, key): element
// r * cols + c is weight_element(..., r * cols + c, tensor, key0, key1), so its
// Frobenius statistic equals their sum of squares.
SpectralValues spectral_of_sampled(Distribution distribution, float std, float cut, std::int64_t rows,
                                   std::int64_t cols, std::uint32_t tensor, std::uint32_t key0, std::uint32_t key1,
                                   double gain);

}  // namespace zerolm::kernels
