#include <cstdlib>

#include "engine/cli/commands.hpp"
#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "kernels/weight_statistics.hpp"

namespace zerolm::cli {

double AlphaOption::value() const {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  ZEROLM_CHECK(end != text.c_str() && *end == '\0' && v >= -100.0 && v <= 100.0,
               "--alpha: value '{}' is neither a number nor 'heuristic'", text);
  return v;
}

const kernels::WeightStatisticsBackend* resolve_device(const std::string& device, bool uses_device) {
  std::string picked;
  const kernels::WeightStatisticsBackend& backend = kernels::select_backend(device, &picked);
  if (uses_device) fmt::print(stderr, "zerolm: {}\n", picked);
  return &backend;
}

}  // namespace zerolm::cli
