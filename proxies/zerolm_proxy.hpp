// The ZeroLM proxy (arXiv 2503.18646): per weight matrix W (n x m) the capacity
// S = ||W||_F^2 / min(n, m); score = sum over layers of
// alpha * S_attn + (1 - alpha) * S_ffn. Breakdown: capacities per layer and module.
#pragma once

#include <vector>

#include "kernels/weight_math.hpp"
#include "proxies/proxy.hpp"

namespace zerolm {

namespace kernels {
struct SegmentTable;
}

class ZeroLmProxy final : public Proxy {
 public:
  explicit ZeroLmProxy(ProxyOptions options);
  std::string_view name() const override { return "zerolm"; }
  void score(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const override;

  // The kernels' view of the counted tensors of a population. Module slot of
  // tensor (architecture a, layer l, role r): module_base[a] + (l + 1) * kNumRoles + r.
  kernels::SegmentTable segment_table(std::span<const ModelSpec> specs, std::vector<std::uint32_t>& module_base) const;

  // Whether a tensor contributes to the score under these options.
  bool counts(const TensorSpec& t) const {
    switch (t.role) {
      case Role::attention:
      case Role::ffn: return t.is_matrix();
      case Role::embedding: return options_.include_embeddings && t.is_matrix();
      case Role::norm: return options_.include_norms;
      case Role::other: return false;
    }
    return false;
  }

 private:
  void score_expected(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const;
  void score_sampled(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const;

  ProxyOptions options_;
  const kernels::WeightStatisticsBackend* backend_;
};

// Module slot of (layer, role) in an architecture whose slots start at `base`
// (layer -1: outside numbered layers). One formula for writing and reading.
inline std::uint32_t module_slot(std::uint32_t base, std::int32_t layer, Role role) {
  return base + static_cast<std::uint32_t>(layer + 1) * kNumRoles + static_cast<std::uint32_t>(role);
}
// A breakdown's module capacities from a population's module sums.
void read_module_sums(const ModelSpec& spec, std::span<const double> modules, std::uint32_t base, ProxyBreakdown& out);

// The kernels' name of an initialisation.
kernels::Distribution distribution_of(InitKind kind);

// Philox key of an architecture's weights under a seed.
void weight_key(std::uint64_t seed, std::uint64_t architecture_hash, std::uint32_t& key0, std::uint32_t& key1);

}  // namespace zerolm
