#include <catch2/catch.hpp>

#include <map>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/core/error.hpp"
#include "engine/latency/analytic_latency.hpp"
#include "engine/latency/lut_latency.hpp"
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
  for (std::size_t i = 0; i < specs.size(); ++i)
    CHECK(fitted.predict_ms(specs[i]) == Approx(measured[i]).epsilon(1e-6));
  CHECK(fitted.coefficients()[0] == Approx(0.3).epsilon(1e-4));
  CHECK(fitted.coefficients()[5] == Approx(0.05).epsilon(1e-4));
  // Round trip through JSON.
  const auto again = AnalyticLatencyModel::from_json(fitted.to_json(), "test");
  CHECK(again.predict_ms(specs[0]) == fitted.predict_ms(specs[0]));
}

namespace {
// The H100 records split by index parity: fit on the even ones, check on the odd.
struct HeldOut {
  std::vector<ModelSpec> train, test;
  std::vector<Architecture> test_architectures;
  std::vector<double> train_ms, test_ms;
};
HeldOut split_h100(const std::string& path) {
  const Benchmark b = load_benchmark(path);
  HeldOut h;
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    const bool train = i % 2 == 0;
    auto& specs = train ? h.train : h.test;
    specs.emplace_back();
    b.space->lower(b.records[i].architecture, specs.back());
    (train ? h.train_ms : h.test_ms).push_back(b.records[i].ground_truth);
    if (!train) h.test_architectures.push_back(b.records[i].architecture);
  }
  return h;
}
void check_held_out(const LatencyModel& model, const HeldOut& h) {
  std::vector<double> predicted;
  double error = 0;
  for (std::size_t i = 0; i < h.test.size(); ++i) {
    predicted.push_back(model.predict_ms(h.test_architectures[i], h.test[i]));
    error += std::abs(predicted.back() - h.test_ms[i]) / h.test_ms[i];
  }
  const double mape = 100.0 * error / static_cast<double>(h.test.size());
  const double rho = stats::spearman(predicted, h.test_ms);
  INFO(model.kind() << ": held-out Spearman " << rho << ", MAPE " << mape << "%");
  CHECK(rho >= 0.99);
  CHECK(mape <= 3.0);
}
}  // namespace

TEST_CASE("H100 latency: fitted on half the records, checked on the other half", "[latency][benchmark]") {
  ZEROLM_REQUIRE_BENCHMARK(path, "hwgpt-latency/h100.json");
  const HeldOut h = split_h100(path);
  check_held_out(AnalyticLatencyModel::fit(h.train, h.train_ms, {8, 1024}, "h100"), h);
  check_held_out(LutLatencyModel::fit(h.train, h.train_ms, {8, 1024}, "h100"), h);
}

namespace {
// A synthetic device: each layer kind and stem costs a fixed, unrelated amount.
double synthetic_entry(std::uint64_t signature) { return 0.1 + static_cast<double>(signature % 1000) / 500.0; }
double synthetic_latency(const ModelSpec& spec) {
  double ms = synthetic_entry(LutLatencyModel::stem_signature(spec));
  for (std::int32_t l = 0; l < spec.num_layers; ++l) ms += synthetic_entry(LutLatencyModel::layer_signature(spec, l));
  return ms;
}
}  // namespace

TEST_CASE("the lut fit recovers per-layer costs from whole-network latencies", "[latency]") {
  const auto space = make_search_space("gpt2", {"hwgpt"});
  const auto sample = sample_architectures(*space, 600, 2);
  std::vector<ModelSpec> specs(sample.size());
  std::vector<double> measured;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    space->lower(sample[i], specs[i]);
    measured.push_back(synthetic_latency(specs[i]));
  }
  const auto fitted = LutLatencyModel::fit(specs, measured, {}, "synthetic");
  CHECK(fitted.stem_entries() == 3);  // one per embedding width
  CHECK(fitted.layer_entries() > 10);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    CHECK(fitted.predict_ms(sample[i], specs[i]) == Approx(measured[i]).epsilon(1e-6));
  }
  const auto again = LutLatencyModel::from_json(fitted.to_json(), "test");
  CHECK(again.predict_ms(sample[0], specs[0]) == fitted.predict_ms(sample[0], specs[0]));
  CHECK_THROWS_WITH(LutLatencyModel::from_json({{"model", "lut"},
                                                {"workload", {{"batch", 1}, {"sequence", 2}}},
                                                {"stems", {{"xyz", {{"ms", 1.0}}}}},
                                                {"layers", nlohmann::json::object()}},
                                               "bad.json"),
                    Catch::Contains("bad.json") && Catch::Contains("'xyz'"));
}

TEST_CASE("a profiled lut takes the median per layer kind and names what it lacks", "[latency]") {
  const auto space = make_search_space("flexibert", {"trained"});
  const auto sample = sample_architectures(*space, 40, 5);
  std::vector<ModelSpec> specs(sample.size());
  std::map<std::uint64_t, int> occurrences, seen;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    space->lower(sample[i], specs[i]);
    for (std::int32_t l = 0; l < specs[i].num_layers; ++l) ++occurrences[LutLatencyModel::layer_signature(specs[i], l)];
  }
  std::vector<LutLatencyModel::StageTimes> times;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    LutLatencyModel::StageTimes t{synthetic_entry(LutLatencyModel::stem_signature(specs[i])), {}};
    for (std::int32_t l = 0; l < specs[i].num_layers; ++l) {
      // An outlier on the first of three or more timings of a kind: the median ignores it.
      const auto signature = LutLatencyModel::layer_signature(specs[i], l);
      const bool outlier = occurrences[signature] >= 3 && seen[signature]++ == 0;
      t.layer_ms.push_back(synthetic_entry(signature) * (outlier ? 5.0 : 1.0));
    }
    times.push_back(t);
  }
  const auto table = LutLatencyModel::from_profiles(specs, times, {1, 128}, "cpu");
  for (std::size_t i = 0; i < specs.size(); ++i) {
    CHECK(table.predict_ms(sample[i], specs[i]) == Approx(synthetic_latency(specs[i])).epsilon(1e-12));
  }
  // An architecture with a layer no profiled network had: a clear error naming it.
  bool refused = false;
  for (const auto& a : sample_architectures(*space, 400, 99)) {
    ModelSpec spec;
    space->lower(a, spec);
    try {
      table.predict_ms(a, spec);
    } catch (const Error& e) {
      CHECK_THAT(e.message(), Catch::Contains("no entry for") && Catch::Contains("profile or fit"));
      refused = true;
      break;
    }
  }
  CHECK(refused);
}
