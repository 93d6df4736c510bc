// Proxies score a batch of model specs and return, per architecture, the score and
// its per-layer, per-module breakdown (fp64).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/model_spec.hpp"
#include "kernels/spectral_math.hpp"

namespace zerolm {

enum class ProxyMode { expected, sampled };
ProxyMode parse_proxy_mode(std::string_view text);
std::string_view proxy_mode_name(ProxyMode mode);

enum class ParameterCount { total, non_embedding };

// Spectral proxies: how a layer's module statistic enters the sum over layers.
// linear: as is; log: ln(1 + value), so every layer adds a comparable amount and
// depth counts (what GLUE rewards on FlexiBERT; docs/RESULTS.md).
enum class LayerAggregate { linear, log };
LayerAggregate parse_layer_aggregate(std::string_view text);
std::string_view layer_aggregate_name(LayerAggregate aggregate);
kernels::SpectralStatistic parse_spectral_statistic(std::string_view text);
std::string_view spectral_statistic_name(kernels::SpectralStatistic statistic);
std::vector<std::string> spectral_statistic_names();

namespace kernels {
class WeightStatisticsBackend;
}

struct ProxyOptions {
  ProxyMode mode = ProxyMode::expected;
  double alpha = 0.5;          // zerolm: weight of the attention capacity
  std::uint64_t seed = 0;      // sampled mode: weights are keyed by (seed, architecture hash)
  bool include_embeddings = false;  // zerolm: add embedding matrices' capacity (unit weight)
  bool include_norms = false;       // zerolm: add LayerNorm vectors' capacity (unit weight)
  ParameterCount count = ParameterCount::total;  // params: what the score counts
  // spectral: which statistic of each weight matrix, how layers add up, and the
  // gain g of ln det(I + g W^T W).
  kernels::SpectralStatistic statistic = kernels::SpectralStatistic::log_det;
  LayerAggregate aggregate = LayerAggregate::linear;
  double gain = 1.0;
  // sampled mode: where the weights are drawn (nullptr: the CPU twin).
  const kernels::WeightStatisticsBackend* backend = nullptr;
};

struct ProxyBreakdown {
  double score = 0.0;
  std::int32_t num_layers = 0;
  // Per-layer module values, index layer * kNumRoles + role.
  std::vector<double> per_layer;
  // Tensors outside numbered layers (embeddings, final norms), by role.
  std::array<double, kNumRoles> outside_layers{};

  void reset(std::int32_t layers);
  double& at(std::int32_t layer, Role role);
  double layer_value(std::int32_t layer, Role role) const;
  // Sum over layers and outside them.
  double module_total(Role role) const;
};

class Proxy {
 public:
  virtual ~Proxy() = default;
  virtual std::string_view name() const = 0;
  virtual void score(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const = 0;
};

std::unique_ptr<Proxy> make_proxy(const std::string& name, const ProxyOptions& options);
std::vector<std::string> proxy_names();
// Proxies whose score is alpha * attention + (1 - alpha) * FFN over a breakdown
// (zerolm, spectral): the ones that alpha calibration applies to.
bool proxy_combines_modules(std::string_view name);

// The ZeroLM combination of a breakdown's module capacities.
double zerolm_combine(const ProxyBreakdown& breakdown, double alpha, const ProxyOptions& options);

}  // namespace zerolm
