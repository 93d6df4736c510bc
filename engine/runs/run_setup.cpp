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
    ZEROLM_CHECK(c.search.seeds.empty(),
                 "search.seed_architectures: exact search covers every architecture of the space; seeds are for "
                 "evolution and random search");
    // The program sums per-layer costs: a timed network is not such a sum.
    ZEROLM_CHECK(c.latency.is_null() || c.latency.value("model", "") != "measured",
                 "search strategy exact: the measured latency model is not a sum over layers (use analytic or lut)");
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
  parts.memory = c.make_memory_model();
  parts.search.memory = parts.memory.get();
  return parts;
}

}  // namespace zerolm
