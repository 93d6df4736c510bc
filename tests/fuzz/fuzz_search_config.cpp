// A search config file as a user writes it: parsed, validated, its space and
// latency and memory models built.
#include "engine/config/search_config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = zerolm::fuzz::as_file(data, size, "config.yaml");
  return zerolm::fuzz::accept_errors([&] {
    const zerolm::SearchRunConfig c = zerolm::load_search_config(path);
    const auto space = c.make_space();
    zerolm::CostSet costs = c.search.costs;
    costs.instantiate(*space);
    (void)zerolm::SearchRunConfig::from_json(c.to_json());  // what a run stores reads back
  });
}
