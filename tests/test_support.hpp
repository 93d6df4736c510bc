// Helpers shared by the tests: where the benchmark files are, and skipping when
// they are absent (CI sets ZEROLM_BENCHMARKS and fails if the folder is missing).
#pragma once

#include <catch2/catch.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/latency/memory_model.hpp"
#include "engine/search/exact_search.hpp"

namespace zerolm::testing {

// Path of a file under the benchmarks folder, or nullopt when it is absent.
std::optional<std::string> benchmark_file(const std::string& relative);

// Choice overrides that keep a space's architectures small enough for LibTorch
// and the sampled modes in tests (an empty object: its defaults are small).
inline nlohmann::json small_test_choices(std::string_view space) {
  if (space == "llama") {
    return nlohmann::json::parse(R"({"hidden_size": [64, 128], "num_hidden_layers": [2, 3], "vocab_size": [1000],
      "head_dim": [16, 32], "num_attention_heads": [2, 4], "num_key_value_heads": [1, 2],
      "intermediate_ratio": [2, 3]})");
  }
  return nlohmann::json::object();
}

// Every (space, protocol) of the registry: a new one is covered without a line
// in the tests that iterate it.
inline std::vector<std::pair<std::string, std::string>> every_space_and_protocol() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& d : search_spaces()) {
    for (const auto& p : d.protocols) out.emplace_back(d.name, p.name);
  }
  return out;
}
inline SpaceOptions small_options(const std::string& space, const std::string& protocol) {
  SpaceOptions o;
  o.protocol = protocol;
  o.choices = small_test_choices(space);
  return o;
}

// An analytic peak-memory model with constants of the size the TitanXP fit gives
// (docs/LATENCY.md): 150 MB + 3.2 MB per M parameters + 1.2 MB per K matrix width.
inline AnalyticMemoryModel test_memory_model() {
  return AnalyticMemoryModel::from_json(nlohmann::json::parse(R"({"model": "analytic", "device": "test",
    "constants": {"constant_mb": 150, "mb_per_mparameter": 3.2, "mb_per_kactivation": 1.2}})"),
                                        "test memory model");
}

// A front point as both searches report it: the score and the objective costs.
struct FrontPoint {
  double score;
  std::vector<double> objectives;
};

// The Pareto front of a finite space by brute force: every architecture scored
// and measured, those outside a cost window dropped, then the non-dominated
// points (score up, objective costs down), one per distinct point, sorted as
// exact search sorts its front.
std::vector<FrontPoint> brute_force_front(const SearchSpace& space, const Proxy& proxy,
                                          std::span<const AdditiveCost> costs);

// exact_search's front against brute force: equal costs (1e-9 relative) and
// scores (1e-12 relative), point by point.
void check_exact_front(const SearchSpace& space, const Proxy& proxy, std::span<const AdditiveCost> costs);

}  // namespace zerolm::testing

// The path of a shipped benchmark file; the test case fails when it is absent
// (the data ships with the project: a missing file is a broken checkout).
#define ZEROLM_REQUIRE_BENCHMARK(variable, relative)                                       \
  const auto variable##_optional = ::zerolm::testing::benchmark_file(relative);            \
  if (!variable##_optional) FAIL("benchmark file " << relative << " not found in benchmarks/"); \
  const std::string variable = *variable##_optional
