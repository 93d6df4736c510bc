// Exact search for additive proxies and budgets. When a space is a union of
// layered families (global genes, then independently chosen layers) and the
// score and every cost are sums over layers plus a per-family constant (zerolm,
// spectral with either aggregate, params; parameter counts; the analytic and lut
// latency models; the analytic memory model), the Pareto front of (score up, costs down) under budget
// windows is a bounded knapsack over per-layer choices: one dynamic program per
// family keeps, after each layer, only the partial sums no other partial sum
// dominates for every completion, and the union of the families' fronts is the
// space's front. Every point of the result is re-scored and re-measured and must
// match the program's sums, so a proxy or cost that is not additive is an error,
// never a wrong front.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "engine/search/evolution.hpp"

namespace zerolm {

// A cost exact search can bound (a [min, max] window) or minimise on the front.
// Additive: within a layered family, a sum of per-layer contributions plus a
// constant (checked on every front point, 1e-9 relative).
struct AdditiveCost {
  std::string name;  // for errors and logs: "total parameters", "latency", ...
  // The front point's cost slot it fills (CostSet order); kNoSlot: none.
  std::size_t slot = kNoSlot;
  // The cost of `architecture` lowered as `spec`; called from several threads.
  std::function<double(const Architecture& architecture, const ModelSpec& spec)> measure;
  bool objective = false;  // minimised beside the proxy on the front
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool additive = true;  // false: refused as an objective or a bound

  static constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);
};

AdditiveCost total_parameters_cost();          // slot 0
AdditiveCost non_embedding_parameters_cost();  // slot 1

// A search's costs as the program takes them, slot k for cost k: objectives and
// windows as the set says; a cost that does not add over layers (a timed
// network) is refused when it is an objective or bounded, and measured on the
// front otherwise. `costs` must be instantiated and outlive the search.
std::vector<AdditiveCost> exact_costs(const CostSet& costs);

struct ExactSearchResult {
  // Sorted by the first objective ascending, then score descending; one point per
  // distinct objective vector (the first found; scores within 1e-12 relative
  // are ties, rounding alone). With [proxy, parameters] the scores increase.
  std::vector<EvaluatedArchitecture> front;
  std::vector<std::vector<double>> front_costs;  // front_costs[i][k]: cost k of front point i
  std::size_t families = 0;
  double architectures = 0;     // how many the program covered (the families' sizes; beyond 2^53 approximate)
  std::size_t evaluations = 0;  // proxy evaluations: per-layer probes and the front's re-scoring
  std::size_t states = 0;       // partial sums kept, over every layer of every family
  double seconds = 0.0;
};

// `costs` must hold at least one objective (the front is sorted by the first);
// costs that are neither objectives nor bounded are measured on the front only.
// Front points carry both parameter counts whatever the costs.
ExactSearchResult exact_search(const SearchSpace& space, const Proxy& proxy, std::span<const AdditiveCost> costs);

// Front of (score up, total parameters down), points above `max_parameters` dropped.
ExactSearchResult exact_search(const SearchSpace& space, const Proxy& proxy,
                               double max_parameters = std::numeric_limits<double>::infinity());

}  // namespace zerolm
