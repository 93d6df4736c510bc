// Expected spectral statistics of a random n x m matrix with iid zero-mean
// entries of variance v, in closed form from the Marchenko-Pastur law: with
// k = min(n, m), N = max(n, m), lambda = k / N and c = N v, the eigenvalues of
// the k x k Gram matrix are c t with t ~ MP(lambda), supported on
// [(1 - sqrt(lambda))^2, (1 + sqrt(lambda))^2] with mean 1. Then
//   log_det        = k E ln(1 + g c t)
//   effective_rank = k exp(-E[t ln t])        (entropy of t_i / sum t)
//   stable_rank    = k / (1 + sqrt(lambda))^2  (the largest eigenvalue sits at the edge)
//   nuclear_norm   = k sqrt(c) E sqrt(t)
//   frobenius      = n m v
// The integrals are one-dimensional and smooth after t = mid - half cos(theta);
// a table caches them per (n, m, v, g), so scoring never integrates twice.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <unordered_map>

#include "kernels/spectral_math.hpp"

namespace zerolm {

kernels::SpectralValues marchenko_pastur_statistics(std::int64_t rows, std::int64_t cols, double variance, double gain);

// Thread-safe memo of marchenko_pastur_statistics(); search spaces reuse a few
// hundred shapes, so after warm-up a lookup is a hash probe under a shared lock.
class MarchenkoPasturTable {
 public:
  kernels::SpectralValues lookup(std::int64_t rows, std::int64_t cols, double variance, double gain) const;
  std::size_t size() const;

 private:
  struct Key {
    std::int64_t rows, cols;
    std::uint64_t variance_bits, gain_bits;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  mutable std::shared_mutex mutex_;
  mutable std::unordered_map<Key, kernels::SpectralValues, KeyHash> cache_;
};

}  // namespace zerolm
