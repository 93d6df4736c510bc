// Helpers shared by the tests: where the benchmark files are, and skipping when
// they are absent (CI sets ZEROLM_BENCHMARKS and fails if the folder is missing).
#pragma once

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zerolm::testing {

// Path of a file under the benchmarks folder, or nullopt when it is absent.
std::optional<std::string> benchmark_file(const std::string& relative);

// Every (space, protocol) of the search-space registry: what tests iterate.
std::vector<std::pair<std::string, std::string>> space_protocols();

}  // namespace zerolm::testing

// Skips the rest of a test case (with a message) when the benchmark file is absent.
#define ZEROLM_REQUIRE_BENCHMARK(variable, relative)                                      \
  const auto variable##_optional = ::zerolm::testing::benchmark_file(relative);           \
  if (!variable##_optional) {                                                             \
    WARN("skipped: benchmark file " << relative << " not found (set ZEROLM_BENCHMARKS)"); \
    return;                                                                               \
  }                                                                                       \
  const std::string variable = *variable##_optional
