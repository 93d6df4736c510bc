#include "proxies/proxy.hpp"

#include "engine/core/error.hpp"
#include "proxies/params_proxy.hpp"
#include "proxies/spectral_proxy.hpp"
#include "proxies/zerolm_proxy.hpp"

namespace zerolm {

ProxyMode parse_proxy_mode(std::string_view text) {
  if (text == "expected") return ProxyMode::expected;
  if (text == "sampled") return ProxyMode::sampled;
  ZEROLM_FAIL("unknown proxy mode '{}' (expected expected|sampled)", text);
}

std::string_view proxy_mode_name(ProxyMode mode) { return mode == ProxyMode::expected ? "expected" : "sampled"; }

void ProxyBreakdown::reset(std::int32_t layers) {
  score = 0.0;
  num_layers = layers;
  per_layer.assign(static_cast<std::size_t>(layers) * kNumRoles, 0.0);
  outside_layers.fill(0.0);
}

double& ProxyBreakdown::at(std::int32_t layer, Role role) {
  if (layer < 0) return outside_layers[static_cast<std::size_t>(role)];
  return per_layer[static_cast<std::size_t>(layer) * kNumRoles + static_cast<std::size_t>(role)];
}

double ProxyBreakdown::layer_value(std::int32_t layer, Role role) const {
  if (layer < 0) return outside_layers[static_cast<std::size_t>(role)];
  return per_layer[static_cast<std::size_t>(layer) * kNumRoles + static_cast<std::size_t>(role)];
}

double ProxyBreakdown::module_total(Role role) const {
  double total = outside_layers[static_cast<std::size_t>(role)];
  for (std::int32_t l = 0; l < num_layers; ++l) total += layer_value(l, role);
  return total;
}

LayerAggregate parse_layer_aggregate(std::string_view text) {
  if (text == "linear") return LayerAggregate::linear;
  if (text == "log") return LayerAggregate::log;
  ZEROLM_FAIL("unknown layer aggregate '{}' (expected linear|log)", text);
}

std::string_view layer_aggregate_name(LayerAggregate aggregate) {
  return aggregate == LayerAggregate::linear ? "linear" : "log";
}

std::vector<std::string> spectral_statistic_names() {
  return {"log_det", "effective_rank", "stable_rank", "nuclear_norm", "frobenius"};
}

kernels::SpectralStatistic parse_spectral_statistic(std::string_view text) {
  const auto names = spectral_statistic_names();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (text == names[i]) return static_cast<kernels::SpectralStatistic>(i);
  }
  ZEROLM_FAIL("unknown spectral statistic '{}' (expected log_det|effective_rank|stable_rank|nuclear_norm|frobenius)", text);
}

std::string_view spectral_statistic_name(kernels::SpectralStatistic statistic) {
  static const auto names = spectral_statistic_names();
  return names[static_cast<std::size_t>(statistic)];
}

std::vector<std::string> proxy_names() { return {"params", "zerolm", "spectral"}; }

bool proxy_combines_modules(std::string_view name) { return name == "zerolm" || name == "spectral"; }

std::unique_ptr<Proxy> make_proxy(const std::string& name, const ProxyOptions& options) {
  if (name == "params") return std::make_unique<ParamsProxy>(options);
  if (name == "zerolm") return std::make_unique<ZeroLmProxy>(options);
  if (name == "spectral") return std::make_unique<SpectralProxy>(options);
  ZEROLM_FAIL("unknown proxy '{}' (expected params|zerolm|spectral)", name);
}

double zerolm_combine(const ProxyBreakdown& b, double alpha, const ProxyOptions& options) {
  // Sum over layers of alpha S_attn + (1 - alpha) S_ffn equals the same
  // combination of the module totals.
  double score = alpha * b.module_total(Role::attention) + (1.0 - alpha) * b.module_total(Role::ffn);
  if (options.include_embeddings) score += b.module_total(Role::embedding);
  if (options.include_norms) score += b.module_total(Role::norm);
  return score;
}

}  // namespace zerolm
