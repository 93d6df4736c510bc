// Peak-memory models behind one interface, a registry like the latency models'
// (engine/latency/latency_model.hpp). One kind today:
//  - `analytic`: MB = constant + a x parameters (M) + b x activation width (K),
//    non-negative constants fitted to measured records (`zerolm memory fit`), the
//    activation width being the in + out widths of every matrix inside a layer (what
//    one token's activations occupy, up to the workload a measurement used).
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/model_spec.hpp"
#include "engine/core/registry.hpp"

namespace zerolm {

class MemoryModel {
 public:
  virtual ~MemoryModel() = default;
  virtual std::string_view kind() const = 0;
  // Peak memory of `spec`'s forward pass, in MB (as the records were measured). Thread-safe.
  virtual double predict_mb(const ModelSpec& spec) const = 0;
  // What make_memory_model reads back.
  virtual nlohmann::json to_json() const = 0;
};

// One entry of the memory-model registry (memory_model.cpp).
struct MemoryModelKind {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<MemoryModel>(const nlohmann::json& stored, const std::string& source)> make;
  // Fitted to measured records (MB); an Error when the records cannot determine it.
  std::function<std::unique_ptr<MemoryModel>(std::span<const ModelSpec> specs, std::span<const double> measured_mb,
                                             const std::string& device)>
      fit;
};

const Registry<MemoryModelKind>& memory_models();
const MemoryModelKind* find_memory_model_kind(std::string_view name);  // nullptr when none
std::string memory_model_names();                                      // "analytic"

// A model from its JSON (a file's content); `source` names it in errors.
std::unique_ptr<MemoryModel> make_memory_model(const nlohmann::json& value, const std::string& source);

class AnalyticMemoryModel final : public MemoryModel {
 public:
  static constexpr std::size_t kTerms = 3;
  static const std::array<const char*, kTerms>& term_names();
  static std::array<double, kTerms> terms(const ModelSpec& spec);

  std::string_view kind() const override { return "analytic"; }
  double predict_mb(const ModelSpec& spec) const override;
  nlohmann::json to_json() const override;
  static AnalyticMemoryModel from_json(const nlohmann::json& value, const std::string& source);

  // Non-negative least squares on relative error: a term whose unconstrained
  // constant comes out negative is dropped (0) and the rest refitted.
  static AnalyticMemoryModel fit(std::span<const ModelSpec> specs, std::span<const double> measured_mb,
                                 const std::string& device);

  const std::array<double, kTerms>& coefficients() const { return coefficients_; }

 private:
  std::string device_;
  std::array<double, kTerms> coefficients_{};  // MB per unit of each term
};

}  // namespace zerolm
