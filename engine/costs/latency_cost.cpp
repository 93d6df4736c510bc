// Predicted latency (ms) by a model of the latency-model registry
// (engine/latency/latency_model.hpp): analytic, lut or measured.
#include <algorithm>
#include <filesystem>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/yaml_fields.hpp"
#include "engine/costs/cost.hpp"
#include "engine/latency/latency_model.hpp"

namespace zerolm {

namespace {

class PredictedLatency final : public CostModel {
 public:
  explicit PredictedLatency(std::unique_ptr<LatencyModel> model) : model_(std::move(model)) {}
  double measure(const Architecture& architecture, const ModelSpec& spec) const override {
    return model_->predict_ms(architecture, spec);
  }
  bool additive() const override { return model_->additive_over_layers(); }
  std::vector<std::pair<std::uint64_t, double>> take_new_measurements() override {
    return model_->take_new_measurements();
  }
  void remember(std::uint64_t hash, double ms) override { model_->remember(hash, ms); }

 private:
  std::unique_ptr<LatencyModel> model_;
};

// The `latency:` section: a stored model (a resumed run's), or a model kind of
// the registry with its keys, stored inline.
nlohmann::json parse_latency(const std::string& file, const YAML::Node& l) {
  using yaml_fields::scalar;
  using yaml_fields::where;
  if (!l) return nullptr;
  ZEROLM_CHECK(l.IsMap(), "{}: 'latency' must be a mapping", where(file, l));
  const nlohmann::json section = yaml_to_json(l);
  const std::string name = l["model"] ? scalar<std::string>(file, l["model"], "latency.model") : "analytic";
  const LatencyModelKind* kind = find_latency_model_kind(name);
  ZEROLM_CHECK(kind != nullptr, "{}: 'latency.model': value '{}' is not {}", where(file, l["model"]), name,
               latency_model_names());
  if (kind->is_stored(section) && l["model"]) return section;
  std::vector<std::string> keys = kind->config_keys;
  keys.push_back("model");
  for (const auto& item : l) {
    const auto key = item.first.as<std::string>();
    ZEROLM_CHECK(std::find(keys.begin(), keys.end(), key) != keys.end(),
                 "{}: 'latency.{}' does not apply to the {} model", where(file, item.first), key, name);
  }
  const auto at = [&](const char* key) { return key != nullptr && l[key] ? where(file, l[key]) : where(file, l); };
  return kind->from_config(section, std::filesystem::path(file).parent_path().string(), at);
}

}  // namespace

CostDescriptor latency_cost_descriptor() {
  return {.name = "latency",
          .unit = "ms",
          .words = "latency",
          .description = "one forward pass, predicted by the config's latency model (analytic, lut or measured)",
          .reference_at_bound = false,
          .section_keys = {"model", "file", "device", "batch", "sequence"},
          .needs_section = "a latency objective or constraints.max_latency needs a 'latency' model",
          .fitted = true,
          .parse = parse_latency,
          .make = [](const nlohmann::json& stored, const SearchSpace& space) -> std::shared_ptr<CostModel> {
            if (stored.is_null()) return nullptr;
            return std::make_shared<PredictedLatency>(make_latency_model(stored, "config 'latency'", space));
          }};
}

}  // namespace zerolm
