// Predicted peak memory (MB) by a model of the memory-model registry
// (engine/latency/memory_model.hpp), fitted by `zerolm memory fit`.
#include <filesystem>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/yaml_fields.hpp"
#include "engine/costs/cost.hpp"
#include "engine/latency/memory_model.hpp"

namespace zerolm {

namespace {

class PredictedMemory final : public CostModel {
 public:
  explicit PredictedMemory(std::unique_ptr<MemoryModel> model) : model_(std::move(model)) {}
  double measure(const Architecture&, const ModelSpec& spec) const override { return model_->predict_mb(spec); }

 private:
  std::unique_ptr<MemoryModel> model_;
};

// The `memory:` section: `file:` names a model written by `zerolm memory fit`
// (`model:` may say its kind), read now and stored inline; a stored run's
// section is the model itself.
nlohmann::json parse_memory(const std::string& file, const YAML::Node& m) {
  using yaml_fields::scalar;
  using yaml_fields::where;
  if (!m) return nullptr;
  ZEROLM_CHECK(m.IsMap(), "{}: 'memory' must be a mapping such as {{file: mem.json}}", where(file, m));
  const nlohmann::json section = yaml_to_json(m);
  const std::string name = m["model"] ? scalar<std::string>(file, m["model"], "memory.model") : "analytic";
  ZEROLM_CHECK(find_memory_model_kind(name) != nullptr, "{}: 'memory.model': value '{}' is not {}",
               where(file, m["model"] ? m["model"] : m), name, memory_model_names());
  if (!m["file"]) {  // the stored form: the model's own fields
    try {
      return make_memory_model(section, "memory")->to_json();
    } catch (const Error& e) {
      throw e.with_context(fmt::format("{}: 'memory' needs a 'file' (from zerolm memory fit)", where(file, m)));
    }
  }
  for (const auto& item : m) {
    const auto key = item.first.as<std::string>();
    ZEROLM_CHECK(key == "model" || key == "file", "{}: 'memory.{}' does not apply with a file (it takes: model, file)",
                 where(file, item.first), key);
  }
  std::filesystem::path path = scalar<std::string>(file, m["file"], "memory.file");
  if (path.is_relative()) path = std::filesystem::path(file).parent_path() / path;
  try {
    auto model = make_memory_model(read_json_file(path.string()), path.string());
    ZEROLM_CHECK(model->kind() == name, "{}: field 'model': value '{}', but 'memory.model' says '{}'", path.string(),
                 model->kind(), name);
    return model->to_json();
  } catch (const Error& e) {
    throw e.with_context(where(file, m["file"]) + ": 'memory.file'");
  }
}

}  // namespace

CostDescriptor memory_cost_descriptor() {
  return {.name = "memory",
          .unit = "MB",
          .words = "peak memory",
          .description = "peak memory of one forward pass, predicted by the config's memory model",
          .reference_at_bound = false,
          .section_keys = {"model", "file"},
          .needs_section = "a memory objective or constraints.max_memory needs a 'memory' model (zerolm memory fit)",
          .fitted = true,
          .parse = parse_memory,
          .make = [](const nlohmann::json& stored, const SearchSpace&) -> std::shared_ptr<CostModel> {
            if (stored.is_null()) return nullptr;
            return std::make_shared<PredictedMemory>(make_memory_model(stored, "config 'memory'"));
          }};
}

}  // namespace zerolm
