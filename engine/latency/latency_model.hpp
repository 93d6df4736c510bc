// Latency models behind one interface. Three kinds:
//  - `analytic` (analytic_latency.hpp): FLOPs and launches per module with a few
//    constants from device peaks or fitted to measured records;
//  - `lut` (lut_latency.hpp): per-layer latencies, profiled on a device or fitted
//    to whole-network records, looked up and summed;
//  - `measured` (measured_latency.hpp): a LibTorch forward pass, timed, cached by
//    architecture hash (and, in a search, in the run store).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/architecture.hpp"
#include "engine/core/error.hpp"
#include "engine/core/model_spec.hpp"

namespace zerolm {

class SearchSpace;

// The forward pass a latency stands for: token ids [batch, sequence].
struct Workload {
  double batch = 8;
  double sequence = 1024;
};

// A model file's workload: {"batch": B, "sequence": T}.
inline Workload workload_from_json(const nlohmann::json& value) {
  return {value.at("workload").at("batch").get<double>(), value.at("workload").at("sequence").get<double>()};
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

  // Measurements a model took since the last call, for a run store to keep
  // (only `measured` takes any), and measurements handed back on resume.
  virtual std::vector<std::pair<std::uint64_t, double>> take_new_measurements() { return {}; }
  virtual void remember(std::uint64_t /*architecture_hash*/, double /*ms*/) {}
};

// A model from its JSON (a file's content or a run's stored config); `source`
// names it in errors. `space` is what `measured` instantiates networks of.
std::unique_ptr<LatencyModel> make_latency_model(const nlohmann::json& value, const std::string& source,
                                                 const SearchSpace& space);

}  // namespace zerolm
