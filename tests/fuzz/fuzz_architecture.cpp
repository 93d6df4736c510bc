// An architecture as an export or a benchmark record holds it, read by every
// space and protocol of the registry; what is accepted must round-trip and lower.
#include "engine/core/json_yaml.hpp"
#include "search_spaces/search_space.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return zerolm::fuzz::accept_errors([&] {
    const nlohmann::json value = zerolm::parse_json(text, "architecture");
    for (const auto& d : zerolm::search_spaces()) {
      for (const auto& p : d.protocols) {
        const auto space = zerolm::make_search_space(d.name, {p.name});
        for (bool record : {false, true}) {
          zerolm::fuzz::accept_errors([&] {
            const zerolm::Architecture a = record ? space->from_record(value) : space->from_json(value);
            if (!(space->from_json(space->to_json(a)) == a)) __builtin_trap();  // accepted means canonical
            zerolm::ModelSpec spec;
            space->lower(a, spec);
            (void)spec.total_parameters();
            return 0;
          });
        }
      }
    }
  });
}
