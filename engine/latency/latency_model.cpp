#include "engine/latency/latency_model.hpp"

#include "engine/core/error.hpp"
#include "engine/latency/analytic_latency.hpp"
#include "engine/latency/lut_latency.hpp"
#include "engine/latency/measured_latency.hpp"

namespace zerolm {

std::unique_ptr<LatencyModel> make_latency_model(const nlohmann::json& value, const std::string& source,
                                                 const SearchSpace& space) {
  ZEROLM_CHECK(value.is_object() && value.contains("model") && value["model"].is_string(),
               "{}: a latency model needs a field 'model' (analytic|lut|measured)", source);
  const auto kind = value["model"].get<std::string>();
  if (kind == "analytic") return std::make_unique<AnalyticLatencyModel>(AnalyticLatencyModel::from_json(value, source));
  if (kind == "lut") return std::make_unique<LutLatencyModel>(LutLatencyModel::from_json(value, source));
  if (kind == "measured") {
    return std::make_unique<MeasuredLatencyModel>(space, MeasuredLatencyModel::workload_from_json(value, source));
  }
  ZEROLM_FAIL("{}: field 'model': value '{}' is not analytic|lut|measured", source, kind);
}

}  // namespace zerolm
