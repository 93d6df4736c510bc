// What every stored search (single-process or an island) starts from: a new
// run's config made final before it is stored, and the space, proxy, latency
// model and search settings a stored config describes.
#pragma once

#include <memory>

#include "engine/config/search_config.hpp"

namespace zerolm {

namespace kernels {
class WeightStatisticsBackend;
}

// Resolves what a stored run must not leave open: the protocol, and the
// data-free alpha (so a resumed run, and every island, scores with the same
// one). Checks what the strategy and the latency model need.
void prepare_new_run(SearchRunConfig& config);

struct RunParts {
  std::unique_ptr<SearchSpace> space;
  std::unique_ptr<Proxy> proxy;
  SearchConfig search;  // the config's, its costs instantiated
};

// `backend` draws sampled weights.
RunParts make_run_parts(const SearchRunConfig& config, const kernels::WeightStatisticsBackend* backend);

}  // namespace zerolm
