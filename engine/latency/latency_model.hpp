// Latency models behind one interface. Three kinds:
//  - `analytic` (analytic_latency.hpp): FLOPs and launches per module with a few
//    constants from device peaks or fitted to measured records;
//  - `lut` (lut_latency.hpp): per-layer latencies, profiled on a device or fitted
//    to whole-network records, looked up and summed;
//  - `measured` (measured_latency.hpp): a LibTorch forward pass, timed, cached by
//    architecture hash (and, in a search, in the run store).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/architecture.hpp"
#include "engine/core/error.hpp"
#include "engine/core/model_spec.hpp"
#include "engine/core/registry.hpp"

namespace zerolm {

class SearchSpace;

// The forward pass a latency stands for: token ids [batch, sequence].
struct Workload {
  double batch = 8;
  double sequence = 1024;
};

// A model file's workload: {"batch": B, "sequence": T}.
inline Workload workload_from_json(const nlohmann::json& value) {
  const Workload w{value.at("workload").at("batch").get<double>(), value.at("workload").at("sequence").get<double>()};
  ZEROLM_CHECK(std::isfinite(w.batch) && w.batch >= 1 && std::isfinite(w.sequence) && w.sequence >= 1,
               "field 'workload': batch {} and sequence {} must be at least 1", w.batch, w.sequence);
  return w;
}

// A latency (or a per-unit cost) of a model file: a finite number, not negative.
inline double milliseconds_at(const nlohmann::json& value, const std::string& field) {
  const double ms = value.get<double>();
  ZEROLM_CHECK(std::isfinite(ms) && ms >= 0.0, "field '{}': value {} is not a latency (a finite number >= 0)", field,
               value.dump());
  return ms;
}

// Reads a model file with `read(value)` after checking its 'model' field is
// `kind`; malformed JSON and failed checks become one error naming `source`
// ("SOURCE: not a WHAT: ...").
template <typename Read>
auto read_model_json(const nlohmann::json& value, std::string_view kind, std::string_view what,
                     const std::string& source, Read read) {
  try {
    ZEROLM_CHECK(value.value("model", "") == kind, "field 'model': value {} is not \"{}\"",
                 value.contains("model") ? value["model"].dump() : "(missing)", kind);
    return read(value);
  } catch (const nlohmann::json::exception& e) {
    ZEROLM_FAIL("{}: not a {}: {}", source, what, e.what());
  } catch (const Error& e) {
    throw e.with_context(source);
  }
}

class LatencyModel {
 public:
  virtual ~LatencyModel() = default;
  virtual std::string_view kind() const = 0;
  // Milliseconds of one forward pass of `architecture`, lowered as `spec`.
  // Thread-safe.
  virtual double predict_ms(const Architecture& architecture, const ModelSpec& spec) const = 0;
  // The model as JSON: what `make_latency_model` reads back.
  virtual nlohmann::json to_json() const = 0;
  // Within a layered family, a sum of per-layer terms plus a constant (what
  // exact search needs): analytic and lut are; a timed network is not.
  virtual bool additive_over_layers() const { return true; }

  // Measurements a model took since the last call, for a run store to keep
  // (only `measured` takes any), and measurements handed back on resume.
  virtual std::vector<std::pair<std::uint64_t, double>> take_new_measurements() { return {}; }
  virtual void remember(std::uint64_t /*architecture_hash*/, double /*ms*/) {}
};

// One entry of the latency-model registry (engine/latency/latency_model.cpp):
// what a config's `latency:` section may say for it, how the run stores it,
// and (for fitted kinds) how `zerolm latency fit` fits it.
struct LatencyModelKind {
  std::string name;
  std::string description;
  std::vector<std::string> config_keys;  // besides `model`
  // The model a run stores (inline, so a stored run never reads the file again)
  // from the config section's keys; `where(key)` places an error in the config
  // file (the section itself when `key` is absent), `config_dir` resolves
  // relative file names.
  std::function<nlohmann::json(const nlohmann::json& section, const std::string& config_dir,
                               const std::function<std::string(const char* key)>& where)>
      from_config;
  // Whether `section` is already this kind's stored form (a stored config's),
  // which no user config has; such a section is taken as it is.
  std::function<bool(const nlohmann::json& section)> is_stored;
  std::function<std::unique_ptr<LatencyModel>(const nlohmann::json& stored, const std::string& source,
                                              const SearchSpace& space)>
      make;
  // Fitted to measured records (empty: this kind is not fitted).
  std::function<std::unique_ptr<LatencyModel>(std::span<const ModelSpec> specs, std::span<const double> measured_ms,
                                              Workload workload, const std::string& device)>
      fit;
};

const Registry<LatencyModelKind>& latency_models();
// nullptr when `name` is not a kind.
const LatencyModelKind* find_latency_model_kind(std::string_view name);
std::string latency_model_names();         // "analytic|lut|measured"
std::string fitted_latency_model_names();  // "analytic|lut"

// A model from its JSON (a file's content or a run's stored config); `source`
// names it in errors. `space` is what `measured` instantiates networks of.
std::unique_ptr<LatencyModel> make_latency_model(const nlohmann::json& value, const std::string& source,
                                                 const SearchSpace& space);

}  // namespace zerolm
