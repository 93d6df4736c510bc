// Exact search for additive proxies. When a space is a union of layered families
// (global genes, then independently chosen layers) and both the score and the
// parameter count are sums over layers plus a per-family constant (zerolm,
// spectral with either aggregate, params), the Pareto front of (score up,
// parameters down) is a bounded knapsack over per-layer choices: one dynamic
// program per family keeps, after each layer, only the non-dominated partial
// sums, and the union of the families' fronts is the space's front. Every point
// of the result is re-scored by the proxy and must match the program's sum, so a
// proxy that is not additive is an error, never a wrong front.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "engine/search/evolution.hpp"

namespace zerolm {

struct ExactSearchResult {
  std::vector<EvaluatedArchitecture> front;  // parameters ascending, score strictly increasing
  std::size_t families = 0;
  std::uint64_t architectures = 0;  // how many the program covered (the families' sizes)
  std::size_t evaluations = 0;      // proxy evaluations: per-layer probes and the front's re-scoring
  std::size_t states = 0;           // partial sums kept, over every layer of every family
  double seconds = 0.0;
};

// Front points above `max_parameters` are dropped (and partial sums that cannot
// come back under it are never expanded).
ExactSearchResult exact_search(const SearchSpace& space, const Proxy& proxy,
                               double max_parameters = std::numeric_limits<double>::infinity());

}  // namespace zerolm
