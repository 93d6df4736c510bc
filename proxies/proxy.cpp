#include "proxies/proxy.hpp"

#include "engine/core/error.hpp"
#include "proxies/params_proxy.hpp"
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

std::vector<std::string> proxy_names() { return {"params", "zerolm"}; }

std::unique_ptr<Proxy> make_proxy(const std::string& name, const ProxyOptions& options) {
  if (name == "params") return std::make_unique<ParamsProxy>(options);
  if (name == "zerolm") return std::make_unique<ZeroLmProxy>(options);
  ZEROLM_FAIL("unknown proxy '{}' (expected params|zerolm)", name);
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
