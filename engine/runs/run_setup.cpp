#include "engine/runs/run_setup.hpp"

#include <cmath>

#include "engine/calibration/calibrate.hpp"
#include "engine/core/error.hpp"

namespace zerolm {

void prepare_new_run(SearchRunConfig& c) {
  const auto space = c.make_space();
  c.protocol = std::string(space->protocol());
  if (proxy_combines_modules(c.proxy) && c.heuristic_alpha) {
    c.proxy_options.alpha = default_heuristic_alpha(*space, c.proxy_options, c.proxy);
    c.heuristic_alpha = false;
  }
  if (c.search.strategy == SearchStrategy::exact) {
    ZEROLM_CHECK(c.search.objectives == ObjectiveSet::proxy_parameters && c.latency.is_null(),
                 "search strategy exact: objectives must be [proxy, parameters] without a latency model");
    ZEROLM_CHECK(!std::isfinite(c.search.max_latency),
                 "search strategy exact: constraints.max_latency needs a latency model");
  }
}

RunParts make_run_parts(const SearchRunConfig& c, const kernels::WeightStatisticsBackend* backend) {
  RunParts parts;
  parts.space = c.make_space();
  ProxyOptions options = c.proxy_options;
  options.backend = backend;
  parts.proxy = make_proxy(c.proxy, options);
  parts.latency = c.make_latency_model(*parts.space);
  parts.search = c.search;
  parts.search.latency = parts.latency.get();
  return parts;
}

}  // namespace zerolm
