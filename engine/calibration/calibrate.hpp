// Choosing ZeroLM's alpha. Two strategies (docs/CALIBRATION.md):
//   sample    : maximise Kendall tau on K trained architectures of a benchmark file;
//   heuristic : data-free; the alpha at which the combined score correlates equally
//               (Spearman) with S_attn and with S_ffn over random architectures.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "proxies/proxy.hpp"
#include "search_spaces/search_space.hpp"

namespace zerolm {

// Per architecture: attention and FFN capacities, and what else the options add.
struct ModuleCapacities {
  std::vector<double> attention;
  std::vector<double> ffn;
  std::vector<double> extra;

  std::size_t size() const { return attention.size(); }
  std::vector<double> combine(double alpha) const;
  std::vector<double> combine(double alpha, std::span<const std::size_t> subset) const;
};

ModuleCapacities module_capacities(std::span<const ProxyBreakdown> breakdowns, const ProxyOptions& options);

// -1.5, -1.4, ..., 1.5 (the sample strategy's grid).
std::vector<double> calibration_grid();

struct SampleCalibration {
  double alpha = 0.5;
  double kendall = 0.0;  // on the calibration subset
};
// Best alpha on the grid by Kendall tau over `subset`; ties go to the alpha nearest
// 0.5 (equal weight), so a flat optimum does not drift to the grid's edge.
SampleCalibration calibrate_by_sample(const ModuleCapacities& capacities, std::span<const double> truth,
                                      std::span<const std::size_t> subset);

struct HeuristicCalibration {
  double alpha = 0.5;
  double spearman_attention = 0.0;  // of the combined score with S_attn, at alpha
  double spearman_ffn = 0.0;
  std::size_t architectures = 0;
};
HeuristicCalibration calibrate_by_heuristic(const ModuleCapacities& capacities);
HeuristicCalibration calibrate_by_heuristic(const SearchSpace& space, const ProxyOptions& options,
                                            std::size_t architectures = 1000, std::uint64_t seed = 0,
                                            const std::string& proxy = "zerolm");
// The default data-free alpha of a space: 1000 architectures of the heuristic's own
// sample (seed 0) in the closed form, so it is a property of the space and protocol,
// not of a run's seed.
double default_heuristic_alpha(const SearchSpace& space, const ProxyOptions& options,
                               const std::string& proxy = "zerolm");

// The one place an alpha choice becomes the number a proxy scores with: a
// number as given, the heuristic as default_heuristic_alpha for `space`. A proxy
// that combines no modules reads no alpha (options are left as they are); a
// calibrated choice is made per calibration sample by rank, not here.
void apply_alpha(const AlphaChoice& alpha, const SearchSpace& space, const std::string& proxy, ProxyOptions& options);

// K distinct indices of [0, n) drawn with `seed` (partial Fisher-Yates).
std::vector<std::size_t> draw_subset(std::size_t n, std::size_t k, std::uint64_t seed);

}  // namespace zerolm
