#include "engine/latency/memory_model.hpp"

#include <algorithm>
#include <cmath>

#include "engine/core/error.hpp"
#include "engine/latency/least_squares.hpp"

namespace zerolm {

const std::array<const char*, AnalyticMemoryModel::kTerms>& AnalyticMemoryModel::term_names() {
  static const std::array<const char*, kTerms> names{
      "constant_mb",          // the runtime's own memory: context, workspace, allocator
      "mb_per_mparameter",    // weights (and whatever scales with them)
      "mb_per_kactivation"};  // in + out widths of the matrices inside layers, in thousands
  return names;
}

std::array<double, AnalyticMemoryModel::kTerms> AnalyticMemoryModel::terms(const ModelSpec& spec) {
  double width = 0.0;
  for (const auto& t : spec.tensors()) {
    if (t.is_matrix() && t.layer >= 0) width += static_cast<double>(t.rows() + t.cols());
  }
  return {1.0, static_cast<double>(spec.total_parameters()) / 1e6, width / 1e3};
}

double AnalyticMemoryModel::predict_mb(const ModelSpec& spec) const {
  const auto x = terms(spec);
  double mb = 0.0;
  for (std::size_t k = 0; k < kTerms; ++k) mb += coefficients_[k] * x[k];
  return mb;
}

nlohmann::json AnalyticMemoryModel::to_json() const {
  nlohmann::json constants = nlohmann::json::object();
  for (std::size_t k = 0; k < kTerms; ++k) constants[term_names()[k]] = coefficients_[k];
  return {{"model", "analytic"}, {"quantity", "peak_memory_mb"}, {"device", device_}, {"constants", constants}};
}

AnalyticMemoryModel AnalyticMemoryModel::from_json(const nlohmann::json& value, const std::string& source) {
  try {
    ZEROLM_CHECK(value.is_object(), "a memory model must be a JSON object");
    ZEROLM_CHECK(value.value("model", "") == "analytic", "field 'model': value {} is not \"analytic\"",
                 value.contains("model") ? value["model"].dump() : "(missing)");
    ZEROLM_CHECK(value.contains("constants") && value["constants"].is_object(), "field 'constants' is missing");
    AnalyticMemoryModel m;
    m.device_ = value.value("device", "");
    for (std::size_t k = 0; k < kTerms; ++k) {
      const char* name = term_names()[k];
      const auto& c = value["constants"];
      ZEROLM_CHECK(c.contains(name) && c[name].is_number(), "field 'constants.{}' is missing or not a number", name);
      const double v = c[name].get<double>();
      ZEROLM_CHECK(std::isfinite(v) && v >= 0.0, "field 'constants.{}': value {} is not a finite number >= 0", name, v);
      m.coefficients_[k] = v;
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    ZEROLM_FAIL("{}: not a memory model: {}", source, e.what());
  } catch (const Error& e) {
    throw e.with_context(source);
  }
}

AnalyticMemoryModel AnalyticMemoryModel::fit(std::span<const ModelSpec> specs, std::span<const double> measured_mb,
                                             const std::string& device) {
  ZEROLM_ASSERT(specs.size() == measured_mb.size(), "{} specs for {} measurements", specs.size(), measured_mb.size());
  ZEROLM_CHECK(specs.size() >= kTerms + 1, "memory fit: {} records; the analytic model needs at least {}", specs.size(),
               kTerms + 1);
  std::vector<std::vector<double>> rows;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    ZEROLM_CHECK(std::isfinite(measured_mb[i]) && measured_mb[i] > 0.0,
                 "memory fit: record {}: measured memory {} MB is not a positive number", i, measured_mb[i]);
    const auto t = terms(specs[i]);
    rows.emplace_back(t.begin(), t.end());
  }

  const auto constants = nonnegative_relative_least_squares(rows, measured_mb, 1e-12, "memory fit");
  AnalyticMemoryModel m;
  m.device_ = device;
  for (std::size_t k = 0; k < kTerms; ++k) m.coefficients_[k] = constants[k];
  return m;
}

const Registry<MemoryModelKind>& memory_models() {
  static const Registry<MemoryModelKind> all(
      "memory model",
      {
          {"analytic", "peak MB = constant + a x parameters + b x activation width, non-negative constants fitted",
           [](const nlohmann::json& value, const std::string& source) -> std::unique_ptr<MemoryModel> {
             return std::make_unique<AnalyticMemoryModel>(AnalyticMemoryModel::from_json(value, source));
           },
           [](std::span<const ModelSpec> specs, std::span<const double> mb,
              const std::string& device) -> std::unique_ptr<MemoryModel> {
             return std::make_unique<AnalyticMemoryModel>(AnalyticMemoryModel::fit(specs, mb, device));
           }},
      });
  return all;
}

const MemoryModelKind* find_memory_model_kind(std::string_view name) { return memory_models().find(name); }

std::string memory_model_names() { return memory_models().names_text(); }

std::unique_ptr<MemoryModel> make_memory_model(const nlohmann::json& value, const std::string& source) {
  ZEROLM_CHECK(value.is_object() && value.contains("model") && value["model"].is_string(),
               "{}: a memory model needs a field 'model' ({})", source, memory_model_names());
  const auto name = value["model"].get<std::string>();
  const MemoryModelKind* kind = find_memory_model_kind(name);
  ZEROLM_CHECK(kind != nullptr, "{}: field 'model': value '{}' is not {}", source, name, memory_model_names());
  return kind->make(value, source);
}

}  // namespace zerolm
