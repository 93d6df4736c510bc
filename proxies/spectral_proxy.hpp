// Spectral-capacity proxies: per weight matrix one spectral statistic (log-det
// capacity sum ln(1 + g s_i^2), effective rank, stable rank, nuclear norm, or
// ||W||_F^2 for reference), summed per layer and module, each (layer, module)
// value optionally taken as ln(1 + value) (`aggregate: log`), and combined as
// ZeroLM combines its capacities: sum over layers of alpha A_l + (1 - alpha) F_l.
// Modes: expected (Marchenko-Pastur closed form, cached per shape), sampled
// (real singular values of the Philox-drawn initial weights, Eigen on the CPU).
#pragma once

#include "proxies/marchenko_pastur.hpp"
#include "proxies/proxy.hpp"

namespace zerolm {

class SpectralProxy final : public Proxy {
 public:
  explicit SpectralProxy(ProxyOptions options);
  std::string_view name() const override { return "spectral"; }
  void score(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const override;

  // Matrices only: spectral statistics of vectors mean nothing.
  bool counts(const TensorSpec& t) const {
    if (!t.is_matrix()) return false;
    return t.role == Role::attention || t.role == Role::ffn ||
           (t.role == Role::embedding && options_.include_embeddings);
  }
  // Per matrix, before aggregation (what the tests compare across modes).
  double matrix_statistic(const TensorSpec& t, std::uint32_t tensor_index, std::uint64_t architecture_hash) const;

 private:
  void aggregate(ProxyBreakdown& b) const;

  ProxyOptions options_;
  MarchenkoPasturTable table_;
};

}  // namespace zerolm
