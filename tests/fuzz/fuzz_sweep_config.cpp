// A sweep file: parsed, its grid counted and (when small) expanded.
#include "engine/config/sweep_config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = zerolm::fuzz::as_file(data, size, "sweep.yaml");
  return zerolm::fuzz::accept_errors([&] {
    const zerolm::SweepConfig sweep = zerolm::load_sweep_config(path);
    if (sweep.point_count() <= zerolm::kMaxSweepPoints) (void)sweep.points();
  });
}
