// The peak-memory model: its fit recovers known constants, refuses negative ones,
// round-trips through JSON; and, on LTS's TitanXP Pareto set
// (upstream/lts/pareto_GPT2_lm1b_titanxp, memory_summary.yaml in MB), a fit on the
// even records ranks the odd ones (the folder read by the LTS run-folder reader,
// as `zerolm memory fit|eval --benchmark FOLDER` reads it).
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/core/random.hpp"
#include "engine/latency/memory_model.hpp"
#include "engine/stats/rank_statistics.hpp"
#include "search_spaces/search_space.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;

namespace {

std::vector<ModelSpec> gpt2_specs(const std::vector<Architecture>& architectures, const SearchSpace& space) {
  std::vector<ModelSpec> specs(architectures.size());
  for (std::size_t i = 0; i < architectures.size(); ++i) space.lower(architectures[i], specs[i]);
  return specs;
}

}  // namespace

TEST_CASE("memory model: the fit recovers known non-negative constants", "[memory]") {
  const auto space = make_search_space("gpt2", SpaceOptions{"lts", nlohmann::json::object()});
  std::vector<Architecture> architectures;
  for (std::uint64_t i = 0; i < 40; ++i) {
    CounterRng rng(7, i);
    architectures.push_back(space->sample(rng));
  }
  const auto specs = gpt2_specs(architectures, *space);
  std::vector<double> mb;
  for (const auto& s : specs) {
    const auto x = AnalyticMemoryModel::terms(s);
    mb.push_back(200.0 * x[0] + 4.0 * x[1] + 0.5 * x[2]);
  }
  const auto m = AnalyticMemoryModel::fit(specs, mb, "synthetic");
  CHECK(m.coefficients()[0] == Approx(200.0).epsilon(1e-6));
  CHECK(m.coefficients()[1] == Approx(4.0).epsilon(1e-6));
  CHECK(m.coefficients()[2] == Approx(0.5).epsilon(1e-6));
  // A term that would come out negative is pinned at 0, never negative.
  std::vector<double> falling;
  for (const auto& s : specs) {
    const auto x = AnalyticMemoryModel::terms(s);
    falling.push_back(5000.0 + 4.0 * x[1] - 0.5 * x[2]);
  }
  const auto pinned = AnalyticMemoryModel::fit(specs, falling, "synthetic");
  for (const double c : pinned.coefficients()) CHECK(c >= 0.0);
  // The JSON round trip, and bad files.
  const auto back = make_memory_model(m.to_json(), "m.json");
  CHECK(back->predict_mb(specs[3]) == m.predict_mb(specs[3]));
  auto bad = m.to_json();
  bad["constants"]["mb_per_mparameter"] = -1.0;
  CHECK_THROWS_WITH(make_memory_model(bad, "m.json"),
                    Catch::Matchers::Contains("m.json") && Catch::Matchers::Contains("mb_per_mparameter"));
  CHECK_THROWS_WITH(make_memory_model({{"model", "table"}}, "m.json"), Catch::Matchers::Contains("'table'"));
}

TEST_CASE("memory model: fitted on even LTS TitanXP records, ranks the odd ones", "[memory][benchmark]") {
  ZEROLM_REQUIRE_BENCHMARK(summary, "upstream/lts/pareto_GPT2_lm1b_titanxp/memory_summary.yaml");
  const std::string folder = std::filesystem::path(summary).parent_path().string();
  const Benchmark b = load_benchmark(folder);  // the LTS run-folder reader: memory_summary.yaml in MB
  std::vector<Architecture> architectures;
  std::vector<double> memory_mb;
  for (const auto& r : b.records) {
    if (!r.memory) continue;
    architectures.push_back(r.architecture);
    memory_mb.push_back(*r.memory);
  }
  REQUIRE(architectures.size() >= 8);
  const auto specs = gpt2_specs(architectures, *b.space);
  std::vector<ModelSpec> even, odd;
  std::vector<double> even_mb, odd_mb;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    (i % 2 == 0 ? even : odd).push_back(specs[i]);
    (i % 2 == 0 ? even_mb : odd_mb).push_back(memory_mb[i]);
  }
  const auto m = AnalyticMemoryModel::fit(even, even_mb, "titanxp");
  std::vector<double> predicted, parameters;
  double error = 0.0;
  for (std::size_t i = 0; i < odd.size(); ++i) {
    predicted.push_back(m.predict_mb(odd[i]));
    parameters.push_back(static_cast<double>(odd[i].total_parameters()));
    error += std::abs(predicted.back() - odd_mb[i]) / odd_mb[i];
  }
  const double rho = stats::spearman(predicted, odd_mb);
  const double mape = 100.0 * error / static_cast<double>(odd.size());
  WARN("memory, fit on " << even.size() << " even records, odd " << odd.size() << ": Spearman " << rho << ", MAPE "
                         << mape << "%; total parameters alone: Spearman " << stats::spearman(parameters, odd_mb)
                         << "; constants " << m.to_json()["constants"].dump());
  // The bar docs/LATENCY.md reports against: a held-out rank correlation and error a
  // search limit can use.
  CHECK(rho > 0.9);
  CHECK(mape < 10.0);
}
