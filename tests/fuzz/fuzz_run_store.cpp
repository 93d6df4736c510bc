// What a run store keeps as JSON: the checkpoint and the stored config, decoded
// as resume, export and report decode them.
#include "engine/config/search_config.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/store/checkpoint.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return zerolm::fuzz::accept_errors([&] {
    const nlohmann::json value = zerolm::parse_json(text, "stored JSON");
    zerolm::fuzz::accept_errors([&] {
      const zerolm::CostSet costs;
      const zerolm::Checkpoint c = zerolm::Checkpoint::from_json(value, costs);
      if (!(zerolm::Checkpoint::from_json(c.to_json(costs), costs).to_json(costs) == c.to_json(costs)))
        __builtin_trap();
    });
    zerolm::fuzz::accept_errors([&] { (void)zerolm::SearchRunConfig::from_json(value); });
  });
}
