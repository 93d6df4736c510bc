// The `analytic` latency model: a roofline-style cost model over the work a model
// spec implies (matrix FLOPs per module, attention-score FLOPs, per-layer and
// per-bias-vector overheads), with per-term costs either derived from device peaks
// (the defaults) or fitted to measured records (`zerolm latency fit`).
#pragma once

#include <array>
#include <span>

#include "engine/latency/latency_model.hpp"

namespace zerolm {

class AnalyticLatencyModel final : public LatencyModel {
 public:
  static constexpr std::size_t kTerms = 7;
  // The cost terms, in this order.
  static const std::array<const char*, kTerms>& term_names();

  // Defaults from device peaks: "h100" (bf16 dense) or "cpu" (this machine's order
  // of magnitude); every FLOP term at 50% of peak, no overheads.
  static AnalyticLatencyModel for_device(const std::string& device, Workload workload = {});

  // The work terms of one network, in units the coefficients multiply.
  std::array<double, kTerms> terms(const ModelSpec& spec) const;
  double predict_ms(const ModelSpec& spec) const;

  std::string_view kind() const override { return "analytic"; }
  double predict_ms(const Architecture& /*architecture*/, const ModelSpec& spec) const override {
    return predict_ms(spec);
  }

  // Least squares on relative error: the coefficients that minimise
  // sum ((predicted - measured) / measured)^2.
  static AnalyticLatencyModel fit(std::span<const ModelSpec> specs, std::span<const double> measured_ms,
                                  Workload workload, const std::string& device);

  nlohmann::json to_json() const override;
  static AnalyticLatencyModel from_json(const nlohmann::json& value, const std::string& source);

  const std::array<double, kTerms>& coefficients() const { return coefficients_; }
  const Workload& workload() const { return workload_; }

 private:
  std::string device_;
  Workload workload_;
  std::array<double, kTerms> coefficients_{};  // milliseconds per unit of each term
  bool fitted_ = false;
};

}  // namespace zerolm
