#include <cmath>
#include <cstdlib>

#include "engine/cli/commands.hpp"
#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "kernels/weight_statistics.hpp"
#include "proxies/proxy.hpp"

namespace zerolm::cli {

double AlphaOption::value() const {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  ZEROLM_CHECK(end != text.c_str() && *end == '\0' && v >= -100.0 && v <= 100.0,
               "--alpha: value '{}' is neither a number nor 'heuristic'", text);
  return v;
}

void SpectralCliOptions::add_to(CLI::App* sub) {
  sub->add_option("--statistic", statistic, "spectral: log_det|effective_rank|stable_rank|nuclear_norm|frobenius")
      ->capture_default_str();
  sub->add_option("--aggregate", aggregate, "spectral: a layer's module value as is (linear) or as ln(1 + value) (log)")
      ->capture_default_str();
  sub->add_option("--gain", gain, "spectral log_det: g in ln det(I + g W^T W)")->capture_default_str();
}

void SpectralCliOptions::apply(ProxyOptions& options) const {
  try {
    options.statistic = parse_spectral_statistic(statistic);
  } catch (const Error& e) {
    throw e.with_context("--statistic");
  }
  try {
    options.aggregate = parse_layer_aggregate(aggregate);
  } catch (const Error& e) {
    throw e.with_context("--aggregate");
  }
  ZEROLM_CHECK(std::isfinite(gain) && gain > 0.0, "--gain: value {} must be positive", gain);
  options.gain = gain;
}

const kernels::WeightStatisticsBackend* resolve_device(const std::string& device, bool uses_device) {
  std::string picked;
  const kernels::WeightStatisticsBackend& backend = kernels::select_backend(device, &picked);
  if (uses_device) fmt::print(stderr, "zerolm: {}\n", picked);
  return &backend;
}

}  // namespace zerolm::cli
