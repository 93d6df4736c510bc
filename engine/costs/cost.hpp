// What an architecture costs, as one registry: parameters (total and
// non-embedding), predicted latency and peak memory, forward FLOPs per token,
// KV-cache bytes. Every search tracks a list of costs (a CostSet); each cost can
// be an objective of the Pareto archive beside the proxy, bounded by a
// [min, max] window, or only measured and reported. Evolution, random and exact
// search, the run store, checkpoints, island messages, export and report read
// the list, never a cost by hand.
//
// Adding a cost: `engine/costs/NAME_cost.cpp` (a CostModel and
// `CostDescriptor NAME_cost_descriptor()`) and one line `ZEROLM_COST(NAME)` in
// `engine/costs/costs.def`.
#pragma once

#include <yaml-cpp/yaml.h>

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/architecture.hpp"
#include "engine/core/model_spec.hpp"
#include "engine/core/registry.hpp"

namespace zerolm {

class SearchSpace;

// A search tracks at most this many costs.
inline constexpr std::size_t kMaxCosts = 8;

// One architecture's costs in the order of its search's CostSet (slot 0: total
// parameters, slot 1: non-embedding parameters, always). A fixed array: searches
// copy these per evaluation and compare them per archive offer.
using CostValues = std::array<double, kMaxCosts>;

// A configured cost: what one architecture costs.
class CostModel {
 public:
  virtual ~CostModel() = default;
  // The cost of `architecture` lowered as `spec`. Thread-safe.
  virtual double measure(const Architecture& architecture, const ModelSpec& spec) const = 0;
  // Within a layered family, a sum of per-layer contributions plus a constant
  // (what exact search needs; a timed network is not).
  virtual bool additive() const { return true; }
  // A cost that runs the network keeps what it measured: the run store saves it
  // and hands it back on resume, so a resumed run measures nothing twice.
  virtual std::vector<std::pair<std::uint64_t, double>> take_new_measurements() { return {}; }
  virtual void remember(std::uint64_t /*hash*/, double /*value*/) {}
};

struct CostDescriptor {
  std::string name;         // objective name, constraints key, config section, store key
  std::string unit;         // "ms", "MB", "FLOPs/token", ...; empty for counts
  std::string words;        // in messages: "total parameters", "peak memory"
  std::string description;  // help
  // The hypervolume reference is the cost's upper bound where the config sets
  // one, else twice the largest of the first batch.
  bool reference_at_bound = false;
  // Keys of the config section of the same name (empty: the cost takes none).
  std::vector<std::string> section_keys;
  // The error when the cost is an objective or bounded without its section
  // (empty: it works without one, from defaults).
  std::string needs_section;
  // Fitted to measured records by `zerolm cost fit --cost NAME` (the
  // subcommand group of the same name: `zerolm NAME fit|eval`).
  bool fitted = false;
  // The stored form of the config's section (`section` is null when the config
  // has none): validated, with defaults filled in and files read inline, so a
  // stored run never reads them again. Errors name `file` and the position.
  std::function<nlohmann::json(const std::string& file, const YAML::Node& section)> parse;
  // The live cost of a stored section.
  std::function<std::shared_ptr<CostModel>(const nlohmann::json& stored, const SearchSpace& space)> make;
};

const Registry<CostDescriptor>& cost_registry();

// A value a cost measured by running the network (what a run store keeps).
struct CostMeasurement {
  std::string cost;
  std::uint64_t hash = 0;
  double value = 0.0;
};

// One cost a search tracks.
struct CostTerm {
  const CostDescriptor* descriptor = nullptr;
  nlohmann::json section;  // stored form (null: no section)
  bool objective = false;  // minimised beside the proxy
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::shared_ptr<CostModel> model;  // set by CostSet::instantiate

  const std::string& name() const { return descriptor->name; }
  bool bounded() const {
    return min > -std::numeric_limits<double>::infinity() || max < std::numeric_limits<double>::infinity();
  }
};

// The costs of a search, in a fixed order: total parameters and non-embedding
// parameters first (every search counts both), then the configured ones in
// registry order.
class CostSet {
 public:
  static constexpr std::size_t kParameters = 0, kNonEmbeddingParameters = 1;

  CostSet();  // the two parameter counts, neither bounded; total parameters the objective

  std::size_t size() const { return terms_.size(); }
  const CostTerm& operator[](std::size_t k) const { return terms_[k]; }
  CostTerm& operator[](std::size_t k) { return terms_[k]; }
  auto begin() const { return terms_.begin(); }
  auto end() const { return terms_.end(); }
  std::optional<std::size_t> find(std::string_view name) const;
  // The term of `name`, added (in registry order) when the set lacks it.
  CostTerm& term(std::string_view name);

  // The objective costs' slots, in the order the config lists them.
  const std::vector<std::size_t>& objectives() const { return objectives_; }
  // Sets the objectives (names of costs of this set; an Error otherwise).
  void set_objectives(const std::vector<std::string>& names);
  std::vector<std::string> objective_names() const;  // "proxy" first

  // Makes every term's live model (sections read by their registry entries).
  void instantiate(const SearchSpace& space);
  bool instantiated() const;

  // What the costs measured since the last call, and measurements handed back
  // on resume (a cost this set lacks is skipped).
  std::vector<CostMeasurement> take_new_measurements() const;
  void remember(const std::vector<CostMeasurement>& measurements) const;

  // Every cost of `architecture` lowered as `spec`; slots past size() are 0.
  CostValues measure(const Architecture& architecture, const ModelSpec& spec) const;
  // Whether `values` lie within every window.
  bool within_limits(const CostValues& values) const;
  // The windows in words, for errors: "total parameters in [0, 1e+06], latency within 3 ms".
  std::string limits_text() const;
  // The values in words: "123 parameters, 100 non-embedding parameters, latency 3 ms".
  std::string values_text(const CostValues& values) const;
  // One line when a cost that is an objective or bounded needs a section it lacks.
  std::string missing_section() const;

  // By name: {"parameters": 123, "latency": 3.1}; what the store, checkpoints and
  // exports write.
  nlohmann::json to_json(const CostValues& values) const;
  // The same object as compact JSON text, written directly (the store writes
  // one per evaluation); doubles in their shortest form that reads back exactly.
  std::string to_text(const CostValues& values) const;
  // The values of this set's costs in `value` (an object by name); a cost the
  // object lacks is an Error naming `where`, unless `missing_is_zero`.
  CostValues from_json(const nlohmann::json& value, const std::string& where, bool missing_is_zero = false) const;

  // The costs that take a section and their stored sections, by name (config JSON).
  nlohmann::json sections_json() const;

 private:
  void sort_terms();
  std::vector<CostTerm> terms_;
  std::vector<std::size_t> objectives_;
  std::vector<std::string> objective_names_;
};

}  // namespace zerolm
