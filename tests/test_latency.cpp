#include <catch2/catch.hpp>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/latency/analytic_latency.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/stats/rank_statistics.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;

TEST_CASE("the analytic fit recovers the constants that generated the latencies", "[latency]") {
  const auto space = make_search_space("gpt2", {"hwgpt"});
  const auto sample = sample_architectures(*space, 200, 1);
  std::vector<ModelSpec> specs(sample.size());
  for (std::size_t i = 0; i < sample.size(); ++i) space->lower(sample[i], specs[i]);
  // A ground truth made by known costs per term.
  const AnalyticLatencyModel truth = AnalyticLatencyModel::for_device("h100");
  std::vector<double> measured;
  for (const auto& s : specs) measured.push_back(truth.predict_ms(s) + 0.3 + 0.05 * s.num_layers);
  const auto fitted = AnalyticLatencyModel::fit(specs, measured, {}, "synthetic");
  for (std::size_t i = 0; i < specs.size(); ++i) CHECK(fitted.predict_ms(specs[i]) == Approx(measured[i]).epsilon(1e-6));
  CHECK(fitted.coefficients()[0] == Approx(0.3).epsilon(1e-4));
  CHECK(fitted.coefficients()[5] == Approx(0.05).epsilon(1e-4));
  // Round trip through JSON.
  const auto again = AnalyticLatencyModel::from_json(fitted.to_json(), "test");
  CHECK(again.predict_ms(specs[0]) == fitted.predict_ms(specs[0]));
}

TEST_CASE("H100 latency: fitted on half the records, checked on the other half", "[latency][benchmark]") {
  ZEROLM_REQUIRE_BENCHMARK(path, "hwgpt-latency/h100.json");
  const Benchmark b = load_benchmark(path);
  std::vector<ModelSpec> train, test;
  std::vector<double> train_ms, test_ms;
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    auto& specs = i % 2 == 0 ? train : test;
    specs.emplace_back();
    b.space->lower(b.records[i].architecture, specs.back());
    (i % 2 == 0 ? train_ms : test_ms).push_back(b.records[i].ground_truth);
  }
  const auto model = AnalyticLatencyModel::fit(train, train_ms, {8, 1024}, "h100");
  std::vector<double> predicted;
  double error = 0;
  for (std::size_t i = 0; i < test.size(); ++i) {
    predicted.push_back(model.predict_ms(test[i]));
    error += std::abs(predicted.back() - test_ms[i]) / test_ms[i];
  }
  const double mape = 100.0 * error / static_cast<double>(test.size());
  const double rho = stats::spearman(predicted, test_ms);
  INFO("held-out Spearman " << rho << ", MAPE " << mape << "%");
  CHECK(rho >= 0.99);
  CHECK(mape <= 3.0);
}
