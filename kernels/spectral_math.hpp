// Spectral statistics of one weight matrix W (rows x cols), from the eigenvalues
// lambda_i = s_i^2 of its smaller Gram matrix. Shared by the CPU twin (Eigen)
// and any device path, so both reduce the same eigenvalues the same way (fp64).
#pragma once

#include <math.h>

#include <cstdint>

#include "kernels/host_device.hpp"

namespace zerolm::kernels {

enum class SpectralStatistic : std::uint8_t {
  log_det,         // sum_i ln(1 + gain * s_i^2)                 (NSC's ln det(I + W^T W) at gain 1)
  effective_rank,  // exp(entropy of p_i = s_i^2 / sum_j s_j^2)
  stable_rank,     // ||W||_F^2 / ||W||_2^2
  nuclear_norm,    // sum_i s_i
  frobenius,       // ||W||_F^2 = sum_i s_i^2 (the reference: ZeroLM's S times min(n, m))
};
inline constexpr int kNumSpectralStatistics = 5;

// Every statistic of one matrix at once: eigen-decompositions dominate the cost,
// so a caller never asks twice for the same matrix.
struct SpectralValues {
  double value[kNumSpectralStatistics] = {0.0, 0.0, 0.0, 0.0, 0.0};
  ZEROLM_HD double operator[](SpectralStatistic s) const { return value[static_cast<int>(s)]; }
};

// Statistics from the eigenvalues of W^T W (or W W^T); tiny negative round-off
// eigenvalues count as zero. Order-independent up to fp64 summation order: the
// caller passes them in a fixed order (ascending, as the solvers return them).
ZEROLM_HD SpectralValues spectral_from_eigenvalues(const double* eigenvalues, std::int64_t count, double gain) {
  double sum = 0.0, largest = 0.0, log_det = 0.0, nuclear = 0.0;
  for (std::int64_t i = 0; i < count; ++i) {
    const double lambda = eigenvalues[i] > 0.0 ? eigenvalues[i] : 0.0;
    sum += lambda;
    largest = lambda > largest ? lambda : largest;
    log_det += log1p(gain * lambda);
    nuclear += sqrt(lambda);
  }
  double entropy = 0.0;
  if (sum > 0.0) {
    for (std::int64_t i = 0; i < count; ++i) {
      const double p = (eigenvalues[i] > 0.0 ? eigenvalues[i] : 0.0) / sum;
      if (p > 0.0) entropy -= p * log(p);
    }
  }
  SpectralValues out;
  out.value[static_cast<int>(SpectralStatistic::log_det)] = log_det;
  out.value[static_cast<int>(SpectralStatistic::effective_rank)] = sum > 0.0 ? exp(entropy) : 0.0;
  out.value[static_cast<int>(SpectralStatistic::stable_rank)] = largest > 0.0 ? sum / largest : 0.0;
  out.value[static_cast<int>(SpectralStatistic::nuclear_norm)] = nuclear;
  out.value[static_cast<int>(SpectralStatistic::frobenius)] = sum;
  return out;
}

}  // namespace zerolm::kernels
