#include "proxies/proxy.hpp"

#include <cmath>
#include <optional>
#include <system_error>

#include <algorithm>

#include "engine/core/error.hpp"
#include "engine/core/parse_number.hpp"

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
  ZEROLM_FAIL("unknown spectral statistic '{}' (expected log_det|effective_rank|stable_rank|nuclear_norm|frobenius)",
              text);
}

std::string_view spectral_statistic_name(kernels::SpectralStatistic statistic) {
  static const auto names = spectral_statistic_names();
  return names[static_cast<std::size_t>(statistic)];
}

// The registry: every proxy's descriptor, declared and listed from proxies.def.
#define ZEROLM_PROXY(name) ProxyDescriptor name##_proxy_descriptor();
#include "proxies/proxies.def"
#undef ZEROLM_PROXY

const Registry<ProxyDescriptor>& proxies() {
  static const Registry<ProxyDescriptor> all("proxy", {
#define ZEROLM_PROXY(name) name##_proxy_descriptor(),
#include "proxies/proxies.def"
#undef ZEROLM_PROXY
                                                      });
  return all;
}

std::string ProxyOptionSpec::cli_flag() const {
  std::string name = "--" + key;
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

const ProxyOptionSpec* ProxyDescriptor::option(std::string_view key) const {
  for (const auto& o : options) {
    if (o.key == key) return &o;
  }
  return nullptr;
}

std::string ProxyDescriptor::option_keys() const {
  std::string keys;
  for (const auto& o : options) keys += (keys.empty() ? "" : ", ") + o.key;
  return keys.empty() ? "none" : keys;
}

const ProxyDescriptor& proxy_descriptor(std::string_view name) {
  if (const ProxyDescriptor* d = proxies().find(name)) return *d;
  ZEROLM_FAIL("unknown proxy '{}' (expected {})", name, proxy_names_help());
}

std::vector<std::string> proxy_names() { return proxies().names(); }

std::string proxy_names_help() {
  std::string text;
  for (const auto& d : proxies()) text += (text.empty() ? "" : "|") + d.name;
  return text;
}

std::vector<const ProxyOptionSpec*> all_proxy_options() {
  std::vector<const ProxyOptionSpec*> out;
  for (const auto& d : proxies()) {
    for (const auto& o : d.options) {
      if (std::none_of(out.begin(), out.end(), [&](const ProxyOptionSpec* seen) { return seen->key == o.key; })) {
        out.push_back(&o);
      }
    }
  }
  return out;
}

namespace {
// A decimal real, all of `text` (an optional leading '+', as YAML writes one);
// nullopt when it is not one or not finite.
// A finite number, a leading '+' allowed (an option value as a user types it).
std::optional<double> strict_number(std::string_view text) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  return parse_real(text);
}
}  // namespace

double parse_option_number(std::string_view text) {
  const auto v = strict_number(text);
  ZEROLM_CHECK(v.has_value(), "value '{}' is not a number", text);
  return *v;
}

AlphaChoice AlphaChoice::parse(std::string_view text) {
  if (text == "heuristic") return {};
  const auto v = strict_number(text);
  ZEROLM_CHECK(v && *v >= -100.0 && *v <= 100.0, "value '{}' is not a number from -100 to 100 or 'heuristic'", text);
  return number(*v);
}

AlphaChoice AlphaChoice::number(double value) { return {Kind::number, value}; }

ProxySetting parse_proxy_setting(std::string_view name, const std::string& name_context,
                                 const std::vector<ProxyValue>& values) {
  ProxySetting s;
  try {
    s.descriptor = &proxy_descriptor(name);
  } catch (const Error& e) {
    throw e.with_context(name_context);
  }
  const ProxyDescriptor& d = *s.descriptor;
  for (const ProxyValue& v : values) {
    try {
      if (v.key == "mode") {
        s.options.mode = parse_proxy_mode(v.text);
      } else if (v.key == "alpha") {
        ZEROLM_CHECK(d.combines_modules, "proxy {} takes no alpha (it takes: {})", d.name, d.option_keys());
        s.alpha = AlphaChoice::parse(v.text);
        if (s.alpha.kind == AlphaChoice::Kind::number) s.options.alpha = s.alpha.value;
      } else {
        const ProxyOptionSpec* spec = d.option(v.key);
        ZEROLM_CHECK(spec != nullptr, "proxy {} does not take it (it takes: {})", d.name, d.option_keys());
        spec->set(v.text, s.options);
      }
    } catch (const Error& e) {
      throw e.with_context(v.context);
    }
  }
  return s;
}

bool proxy_combines_modules(std::string_view name) { return proxy_descriptor(name).combines_modules; }

std::string module_combining_proxies_help() {
  std::string text;
  for (const auto& d : proxies()) {
    if (d.combines_modules) text += (text.empty() ? "" : "|") + d.name;
  }
  return text;
}

std::unique_ptr<Proxy> make_proxy(const std::string& name, const ProxyOptions& options) {
  return proxy_descriptor(name).make(options);
}

namespace {
bool parse_switch(std::string_view text, std::string_view key) {
  if (text == "true") return true;
  if (text == "false") return false;
  ZEROLM_FAIL("value '{}' of {} is not true|false", text, key);
}
}  // namespace

ProxyOptionSpec include_embeddings_option() {
  return {
      "include_embeddings", "Add the embedding matrices' values to the score (unit weight)", true,
      [](std::string_view text, ProxyOptions& o) { o.include_embeddings = parse_switch(text, "include_embeddings"); },
      [](const ProxyOptions& o) { return nlohmann::json(o.include_embeddings); }};
}

ProxyOptionSpec include_norms_option() {
  return {"include_norms", "Add the LayerNorm weights' capacity to the score (unit weight)", true,
          [](std::string_view text, ProxyOptions& o) { o.include_norms = parse_switch(text, "include_norms"); },
          [](const ProxyOptions& o) { return nlohmann::json(o.include_norms); }};
}

void check_sampled_work(const ModelSpec& spec, double work, double bound, const char* what) {
  ZEROLM_CHECK(work <= bound,
               "architecture {:016x} ({} parameters): sampled mode would take {:.3g} {}, more than the bound of {:.3g} "
               "(minutes on a CPU); score it in expected mode",
               spec.architecture_hash, spec.total_parameters(), work, what, bound);
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
