// The benchmark suites of `zerolm bench`.
#pragma once

#include <cstddef>
#include <vector>

namespace zerolm::cli {

struct KernelBenchOptions {
  std::vector<std::size_t> populations{256, 4096, 65536};
  double seconds = 2.0;     // budget per CPU / LibTorch row (they measure a prefix of the population)
  std::size_t threads = 0;  // 0: all cores
};

int run_kernel_bench(const KernelBenchOptions& options);

}  // namespace zerolm::cli
