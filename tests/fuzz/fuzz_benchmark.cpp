// A benchmark file of any registered format: read, every record lowered and
// counted.
#include "engine/benchmarks/benchmark_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = zerolm::fuzz::as_file(data, size, "benchmark.json");
  return zerolm::fuzz::accept_errors([&] {
    const zerolm::Benchmark b = zerolm::load_benchmark(path);
    zerolm::ModelSpec spec;
    for (const auto& r : b.records) {
      b.space->lower(r.architecture, spec);
      (void)spec.total_parameters();
    }
  });
}
