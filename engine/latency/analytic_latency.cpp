#include "engine/latency/analytic_latency.hpp"

#include <algorithm>
#include <cmath>

#include "engine/core/error.hpp"
#include "engine/latency/least_squares.hpp"

namespace zerolm {

const std::array<const char*, AnalyticLatencyModel::kTerms>& AnalyticLatencyModel::term_names() {
  static const std::array<const char*, kTerms> names{
      "constant",               // launch and framework overhead
      "attention_gflop",        // 2 x attention matrix parameters x tokens
      "ffn_gflop",              // 2 x FFN matrix parameters x tokens
      "embedding_gflop",        // 2 x embedding/head matrix parameters x tokens
      "attention_score_gflop",  // 4 x attention-score width x sequence x tokens (Q K^T and A V)
      "layers",                 // per-layer kernel launches and memory passes
      "bias_vectors"};          // elementwise passes of bias vectors
  return names;
}

std::array<double, AnalyticLatencyModel::kTerms> AnalyticLatencyModel::terms(const ModelSpec& spec) const {
  const double tokens = workload_.batch * workload_.sequence;
  double attention = 0, ffn = 0, embedding = 0, biases = 0;
  for (const auto& t : spec.tensors()) {
    const auto n = static_cast<double>(t.numel());
    if (!t.is_matrix()) {
      if (t.role == Role::attention || t.role == Role::ffn) biases += 1.0;
      continue;
    }
    switch (t.role) {
      case Role::attention: attention += n; break;
      case Role::ffn: ffn += n; break;
      case Role::embedding: embedding += n; break;
      default: break;
    }
  }
  return {1.0,
          2.0 * attention * tokens / 1e9,
          2.0 * ffn * tokens / 1e9,
          2.0 * embedding * tokens / 1e9,
          4.0 * spec.attention_score_width * workload_.sequence * tokens / 1e9,
          static_cast<double>(spec.num_layers),
          biases};
}

double AnalyticLatencyModel::predict_ms(const ModelSpec& spec) const {
  const auto x = terms(spec);
  double ms = 0.0;
  for (std::size_t k = 0; k < kTerms; ++k) ms += coefficients_[k] * x[k];
  return ms;
}

AnalyticLatencyModel AnalyticLatencyModel::for_device(const std::string& device, Workload workload) {
  AnalyticLatencyModel m;
  m.device_ = device;
  m.workload_ = workload;
  double peak_gflops = 0;
  if (device == "h100") {
    peak_gflops = 989e3;  // bf16 dense tensor-core peak
  } else if (device == "cpu") {
    peak_gflops = 100.0;  // a few cores with wide vectors
  } else {
    ZEROLM_FAIL("latency model: no device peaks for '{}' (known: h100, cpu)", device);
  }
  const double ms_per_gflop = 1e3 / (0.5 * peak_gflops);
  m.coefficients_ = {0.0, ms_per_gflop, ms_per_gflop, ms_per_gflop, ms_per_gflop, 0.0, 0.0};
  return m;
}

AnalyticLatencyModel AnalyticLatencyModel::fit(std::span<const ModelSpec> specs, std::span<const double> measured_ms,
                                               Workload workload, const std::string& device) {
  ZEROLM_CHECK(specs.size() == measured_ms.size(), "latency fit: {} networks for {} measurements", specs.size(),
               measured_ms.size());
  ZEROLM_CHECK(specs.size() >= 2 * kTerms, "latency fit: {} records are too few for {} constants", specs.size(),
               kTerms);
  AnalyticLatencyModel m;
  m.device_ = device;
  m.workload_ = workload;
  std::vector<std::vector<double>> rows;
  for (std::size_t r = 0; r < specs.size(); ++r) {
    ZEROLM_CHECK(std::isfinite(measured_ms[r]) && measured_ms[r] > 0.0, "latency fit: record {} has latency {} ms", r,
                 measured_ms[r]);
    const auto x = m.terms(specs[r]);
    rows.emplace_back(x.begin(), x.end());
  }
  // Non-negative constants (a cost is never negative); a term these records do
  // not move (LTS's fixed vocabulary makes the embedding term a constant) or
  // one collinear with others (biases per layer) shares its weight through the
  // tiny ridge instead of failing the fit.
  const auto solution = nonnegative_relative_least_squares(rows, measured_ms, /*ridge=*/1e-12, "latency fit");
  for (std::size_t k = 0; k < kTerms; ++k) m.coefficients_[k] = solution[k];

  m.fitted_ = true;
  return m;
}

nlohmann::json AnalyticLatencyModel::to_json() const {
  nlohmann::json coefficients = nlohmann::json::object();
  for (std::size_t k = 0; k < kTerms; ++k) coefficients[term_names()[k]] = coefficients_[k];
  return {{"model", "analytic"},
          {"device", device_},
          {"fitted", fitted_},
          {"workload", {{"batch", workload_.batch}, {"sequence", workload_.sequence}}},
          {"milliseconds_per_unit", coefficients}};
}

AnalyticLatencyModel AnalyticLatencyModel::from_json(const nlohmann::json& value, const std::string& source) {
  return read_model_json(value, "analytic", "latency model", source, [](const nlohmann::json& v) {
    AnalyticLatencyModel m;
    m.device_ = v.value("device", "");
    m.fitted_ = v.value("fitted", false);
    m.workload_ = workload_from_json(v);
    const auto& c = v.at("milliseconds_per_unit");
    for (std::size_t k = 0; k < kTerms; ++k) {
      m.coefficients_[k] =
          milliseconds_at(c.at(term_names()[k]), std::string("milliseconds_per_unit.") + term_names()[k]);
    }
    return m;
  });
}

}  // namespace zerolm
