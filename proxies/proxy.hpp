// Proxies score a batch of model specs and return, per architecture, the score and
// its per-layer, per-module breakdown (fp64).
#pragma once

#include "engine/core/registry.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/model_spec.hpp"
#include "kernels/spectral_math.hpp"
#include "kernels/weight_statistics.hpp"

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

struct ProxyOptions {
  ProxyMode mode = ProxyMode::expected;
  double alpha = 0.5;                            // zerolm: weight of the attention capacity
  std::uint64_t seed = 0;                        // sampled mode: weights are keyed by (seed, architecture hash)
  bool include_embeddings = false;               // zerolm: add embedding matrices' capacity (unit weight)
  bool include_norms = false;                    // zerolm: add LayerNorm vectors' capacity (unit weight)
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

// A proxy's own option (a CLI flag and a config key of the `proxy:` section),
// defined once: help, parsing and the stored form come from here.
struct ProxyOptionSpec {
  std::string key;  // config key; the CLI flag is "--" + key with '_' as '-'
  std::string help;
  bool flag = false;  // a switch on the command line, true|false in a config
  // Parses and validates `text` into `options`; an Error (without context) when
  // the value is bad.
  std::function<void(std::string_view text, ProxyOptions& options)> set;
  // The value as a config stores it.
  std::function<nlohmann::json(const ProxyOptions& options)> get;

  std::string cli_flag() const;  // "--include-embeddings"
};

// One entry of the proxy registry (proxies/proxies.def).
struct ProxyDescriptor {
  std::string name;
  std::string description;
  // Scores alpha * attention + (1 - alpha) * FFN over a breakdown: takes alpha
  // and its calibration.
  bool combines_modules = false;
  std::vector<ProxyOptionSpec> options;
  // What its sampled mode runs on (none: it reads shapes only).
  std::optional<kernels::KernelFamily> sampled_kernels;
  std::function<std::unique_ptr<Proxy>(const ProxyOptions&)> make;

  const ProxyOptionSpec* option(std::string_view key) const;  // nullptr: not this proxy's
  std::string option_keys() const;                            // "statistic, aggregate, gain" (or "none")
};

// The registry, in proxies.def order.
const Registry<ProxyDescriptor>& proxies();
// An Error naming the known proxies when `name` is not one.
const ProxyDescriptor& proxy_descriptor(std::string_view name);
std::unique_ptr<Proxy> make_proxy(const std::string& name, const ProxyOptions& options);
std::vector<std::string> proxy_names();
std::string proxy_names_help();  // "params|zerolm|spectral"
// Every proxy's options, each key once (registry order): what the CLI attaches
// and what a config's `proxy:` section may hold.
std::vector<const ProxyOptionSpec*> all_proxy_options();
// Proxies whose score is alpha * attention + (1 - alpha) * FFN over a breakdown
// (zerolm, spectral): the ones that alpha calibration applies to.
bool proxy_combines_modules(std::string_view name);
std::string module_combining_proxies_help();  // "zerolm|spectral"

// How a module-combining proxy's alpha is chosen: the data-free heuristic (the
// default), a given number, or calibrated on trained records (rank
// --calibrate-on, which chooses one per calibration sample). It becomes a
// number in one place only: apply_alpha (engine/calibration/calibrate.hpp).
struct AlphaChoice {
  enum class Kind { heuristic, number, calibrated };
  Kind kind = Kind::heuristic;
  double value = 0.0;  // Kind::number

  // "heuristic" or a number from -100 to 100; an Error without context otherwise.
  static AlphaChoice parse(std::string_view text);
  static AlphaChoice number(double value);
  bool operator==(const AlphaChoice&) const = default;
};

// One value of a proxy section as given, and where it came from, for errors
// ("--gain", "run.yaml:4:9: 'proxy.gain'").
struct ProxyValue {
  std::string key;
  std::string text;
  std::string context;
};

// A proxy as a command line or a config chose it.
struct ProxySetting {
  const ProxyDescriptor* descriptor = nullptr;
  ProxyOptions options;
  AlphaChoice alpha;
};

// The one parser of a proxy's settings, for CLI flags and config keys alike:
// `values` may hold mode, alpha (proxies that combine modules only) and the
// proxy's own options; anything else is an Error naming the value's context and
// what the proxy takes. `name_context` is where the proxy's name came from.
ProxySetting parse_proxy_setting(std::string_view name, const std::string& name_context,
                                 const std::vector<ProxyValue>& values);

// A real number in the strict form options take (decimal, finite); an Error
// without context otherwise.
double parse_option_number(std::string_view text);

// Options shared by several proxies' descriptors.
ProxyOptionSpec include_embeddings_option();
ProxyOptionSpec include_norms_option();

// Work bounds of the sampled mode, per architecture (docs/RELIABILITY.md): past
// them a score would take minutes on a CPU (about 3e8 weights/s per core), so the
// architecture is refused with its size and the bound, and the expected mode named.
inline constexpr double kMaxSampledWeights = 2e10;        // weights drawn (zerolm)
inline constexpr double kMaxSampledSpectralFlops = 2e12;  // Gram products and eigensolves (spectral)
// An Error when `work` exceeds `bound`; `what` says what was counted.
void check_sampled_work(const ModelSpec& spec, double work, double bound, const char* what);

// The ZeroLM combination of a breakdown's module capacities.
double zerolm_combine(const ProxyBreakdown& breakdown, double alpha, const ProxyOptions& options);

}  // namespace zerolm
