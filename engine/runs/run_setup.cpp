#include "engine/runs/run_setup.hpp"

#include <cmath>

#include "engine/calibration/calibrate.hpp"
#include "engine/core/error.hpp"
#include "engine/search/exact_search.hpp"

namespace zerolm {

void prepare_new_run(SearchRunConfig& c) {
  const auto space = c.make_space();
  c.protocol = std::string(space->protocol());
  // A stored run keeps the number it scores with, never the choice.
  if (proxy_combines_modules(c.proxy)) {
    apply_alpha(c.alpha, *space, c.proxy, c.proxy_options);
    c.alpha = AlphaChoice::number(c.proxy_options.alpha);
  }
  if (c.search.strategy == SearchStrategy::exact) {
    ZEROLM_CHECK(c.search.seeds.empty(),
                 "search.seed_architectures: exact search covers every architecture of the space; seeds are for "
                 "evolution and random search");
    // The program sums per-layer costs: refuse one that is not such a sum
    // (a timed network) before the run is stored.
    CostSet costs = c.search.costs;
    costs.instantiate(*space);
    (void)exact_costs(costs);
  }
}

RunParts make_run_parts(const SearchRunConfig& c, const kernels::WeightStatisticsBackend* backend) {
  RunParts parts;
  parts.space = c.make_space();
  ProxyOptions options = c.proxy_options;
  options.backend = backend;
  parts.proxy = make_proxy(c.proxy, options);
  parts.search = c.search;
  parts.search.costs.instantiate(*parts.space);
  return parts;
}

}  // namespace zerolm
