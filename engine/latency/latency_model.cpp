#include "engine/latency/latency_model.hpp"

#include <filesystem>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/latency/analytic_latency.hpp"
#include "engine/latency/lut_latency.hpp"
#include "engine/latency/measured_latency.hpp"

namespace zerolm {

namespace {

using Where = std::function<std::string(const char* key)>;

// The model file a config names, read now and validated as `read` does.
template <typename Read>
nlohmann::json from_file(const nlohmann::json& section, const std::string& config_dir, const Where& where, Read read) {
  ZEROLM_CHECK(section.at("file").is_string(), "{}: 'latency.file': value {} is not a file name", where("file"),
               section.at("file").dump());
  auto path = std::filesystem::path(section.at("file").get<std::string>());

  if (path.is_relative()) path = std::filesystem::path(config_dir) / path;
  try {
    return read(read_json_file(path.string()), path.string()).to_json();
  } catch (const Error& e) {
    throw e.with_context(where("file"));
  }
}

std::string text_at(const nlohmann::json& section, const char* key, const Where& where, const std::string& fallback) {
  if (!section.contains(key)) return fallback;
  ZEROLM_CHECK(section[key].is_string(), "{}: 'latency.{}': value {} is not text", where(key), key,
               section[key].dump());
  return section[key].get<std::string>();
}

double number_at(const nlohmann::json& section, const char* key, const Where& where, double fallback) {
  if (!section.contains(key)) return fallback;
  ZEROLM_CHECK(section[key].is_number(), "{}: 'latency.{}': value {} is not a number", where(key), key,
               section[key].dump());
  return section[key].get<double>();
}

LatencyModelKind analytic_kind() {
  return {
      "analytic",
      "FLOPs and launches per module with a few constants (device peaks, or fitted with zerolm latency fit)",
      {"file", "device", "batch", "sequence"},
      [](const nlohmann::json& section, const std::string& config_dir, const Where& where) {
        if (section.contains("file")) {
          for (const char* key : {"device", "batch", "sequence"}) {
            ZEROLM_CHECK(!section.contains(key), "{}: 'latency.{}' does not apply to the analytic model with a file",
                         where(key), key);
          }
          return from_file(section, config_dir, where, AnalyticLatencyModel::from_json);
        }
        const Workload workload{number_at(section, "batch", where, 8.0), number_at(section, "sequence", where, 1024.0)};
        try {
          return AnalyticLatencyModel::for_device(text_at(section, "device", where, "h100"), workload).to_json();
        } catch (const Error& e) {
          throw e.with_context(where("device"));
        }
      },
      [](const nlohmann::json& section) { return section.contains("milliseconds_per_unit"); },
      [](const nlohmann::json& value, const std::string& source, const SearchSpace&) -> std::unique_ptr<LatencyModel> {
        return std::make_unique<AnalyticLatencyModel>(AnalyticLatencyModel::from_json(value, source));
      },
      [](std::span<const ModelSpec> specs, std::span<const double> ms, Workload workload,
         const std::string& device) -> std::unique_ptr<LatencyModel> {
        return std::make_unique<AnalyticLatencyModel>(AnalyticLatencyModel::fit(specs, ms, workload, device));
      }};
}

LatencyModelKind lut_kind() {
  return {
      "lut",
      "a per-layer table (zerolm latency profile, or fitted to whole-network records), looked up and summed",
      {"file"},
      [](const nlohmann::json& section, const std::string& config_dir, const Where& where) {
        ZEROLM_CHECK(section.contains("file"),
                     "{}: 'latency' with model lut needs a 'file' (from zerolm latency profile or fit)",
                     where(nullptr));
        return from_file(section, config_dir, where, LutLatencyModel::from_json);
      },
      [](const nlohmann::json& section) { return section.contains("layers"); },
      [](const nlohmann::json& value, const std::string& source, const SearchSpace&) -> std::unique_ptr<LatencyModel> {
        return std::make_unique<LutLatencyModel>(LutLatencyModel::from_json(value, source));
      },
      [](std::span<const ModelSpec> specs, std::span<const double> ms, Workload workload,
         const std::string& device) -> std::unique_ptr<LatencyModel> {
        return std::make_unique<LutLatencyModel>(LutLatencyModel::fit(specs, ms, workload, device));
      }};
}

LatencyModelKind measured_kind() {
  return {"measured",
          "the LibTorch forward pass, timed on this machine's cpu or cuda, cached in the run store",
          {"device", "batch", "sequence", "warmup", "repeats", "threads"},
          [](const nlohmann::json& section, const std::string&, const Where& where) {
            nlohmann::json stored;
            try {
              stored = MeasuredLatencyModel::to_json(MeasuredLatencyModel::workload_from_json(section, "latency"));
            } catch (const Error& e) {
              throw e.with_context(where(nullptr));
            }
            const auto device = stored["device"].get<std::string>();
            ZEROLM_CHECK(device == "cpu" || device == "cuda", "{}: 'latency.device': value '{}' is not cpu|cuda",
                         where("device"), device);
            return stored;
          },
          // Its stored form is its config form, validated again on every read.
          [](const nlohmann::json&) { return false; },
          [](const nlohmann::json& value, const std::string& source,
             const SearchSpace& space) -> std::unique_ptr<LatencyModel> {
            return std::make_unique<MeasuredLatencyModel>(space,
                                                          MeasuredLatencyModel::workload_from_json(value, source));
          },
          {}};
}

std::string names_where(bool fitted_only) {
  std::string text;
  for (const auto& k : latency_models()) {
    if (!fitted_only || k.fit) text += (text.empty() ? "" : "|") + k.name;
  }
  return text;
}

}  // namespace

const Registry<LatencyModelKind>& latency_models() {
  static const Registry<LatencyModelKind> all("latency model", {analytic_kind(), lut_kind(), measured_kind()});
  return all;
}

const LatencyModelKind* find_latency_model_kind(std::string_view name) { return latency_models().find(name); }

std::string latency_model_names() { return names_where(false); }
std::string fitted_latency_model_names() { return names_where(true); }

std::unique_ptr<LatencyModel> make_latency_model(const nlohmann::json& value, const std::string& source,
                                                 const SearchSpace& space) {
  ZEROLM_CHECK(value.is_object() && value.contains("model") && value["model"].is_string(),
               "{}: a latency model needs a field 'model' ({})", source, latency_model_names());
  const auto name = value["model"].get<std::string>();
  const LatencyModelKind* kind = find_latency_model_kind(name);
  ZEROLM_CHECK(kind != nullptr, "{}: field 'model': value '{}' is not {}", source, name, latency_model_names());
  return kind->make(value, source, space);
}

}  // namespace zerolm
