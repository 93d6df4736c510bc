#include "proxies/marchenko_pastur.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <mutex>
#include <numbers>

#include "engine/core/hashing.hpp"

namespace zerolm {

namespace {
// Midpoint rule in theta: the integrand is smooth and its odd derivatives vanish
// at both ends, so the error falls faster than any power of the node count;
// 2048 nodes give ~1e-12 relative on every statistic (tests/test_spectral.cpp).
constexpr int kNodes = 2048;
}  // namespace

kernels::SpectralValues marchenko_pastur_statistics(std::int64_t rows, std::int64_t cols, double variance,
                                                    double gain) {
  kernels::SpectralValues out;
  if (rows <= 0 || cols <= 0 || !(variance > 0.0)) return out;
  const double k = static_cast<double>(std::min(rows, cols));
  const double big = static_cast<double>(std::max(rows, cols));
  const double ratio = k / big;
  const double c = big * variance;
  const double a = std::pow(1.0 - std::sqrt(ratio), 2.0);
  const double b = std::pow(1.0 + std::sqrt(ratio), 2.0);
  const double mid = 0.5 * (a + b), half = 0.5 * (b - a);
  // t = mid - half cos(theta); density(t) dt = half^2 sin^2(theta) / (2 pi ratio t) dtheta.
  double mass = 0.0, mean = 0.0, log_det = 0.0, t_log_t = 0.0, root = 0.0;
  const double step = std::numbers::pi / kNodes;
  for (int i = 0; i < kNodes; ++i) {
    const double theta = (i + 0.5) * step;
    const double s = std::sin(theta);
    const double t = mid - half * std::cos(theta);
    const double w = half * half * s * s / (2.0 * std::numbers::pi * ratio * t) * step;
    mass += w;
    mean += w * t;
    log_det += w * std::log1p(gain * c * t);
    t_log_t += w * t * std::log(t);
    root += w * std::sqrt(t);
  }
  // Normalise by the quadrature's own mass and mean (both 1 exactly) so the
  // statistics keep their exact identities (e.g. effective rank <= k).
  mean /= mass;
  log_det /= mass;
  t_log_t /= mass;
  root /= mass;
  using S = kernels::SpectralStatistic;
  out.value[static_cast<int>(S::log_det)] = k * log_det;
  out.value[static_cast<int>(S::effective_rank)] = k * std::exp(-(t_log_t / mean - std::log(mean)));
  out.value[static_cast<int>(S::stable_rank)] = k * mean / b;
  out.value[static_cast<int>(S::nuclear_norm)] = k * std::sqrt(c) * root;
  out.value[static_cast<int>(S::frobenius)] = static_cast<double>(rows) * static_cast<double>(cols) * variance;
  return out;
}

std::size_t MarchenkoPasturTable::KeyHash::operator()(const Key& k) const {
  std::uint64_t h = mix64(static_cast<std::uint64_t>(k.rows));
  h = hash_combine(h, static_cast<std::uint64_t>(k.cols));
  h = hash_combine(h, k.variance_bits);
  return static_cast<std::size_t>(hash_combine(h, k.gain_bits));
}

kernels::SpectralValues MarchenkoPasturTable::lookup(std::int64_t rows, std::int64_t cols, double variance,
                                                     double gain) const {
  const Key key{rows, cols, std::bit_cast<std::uint64_t>(variance), std::bit_cast<std::uint64_t>(gain)};
  {
    std::shared_lock lock(mutex_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  const kernels::SpectralValues values = marchenko_pastur_statistics(rows, cols, variance, gain);
  std::unique_lock lock(mutex_);
  cache_.emplace(key, values);
  return values;
}

std::size_t MarchenkoPasturTable::size() const {
  std::shared_lock lock(mutex_);
  return cache_.size();
}

}  // namespace zerolm
