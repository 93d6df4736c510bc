// zerolm memory fit|eval: fit a peak-memory model's constants to records with a
// measured peak memory, and check a model on records it did not see.
#include <fmt/format.h>

#include <cmath>
#include <fstream>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/latency/memory_model.hpp"
#include "engine/stats/rank_statistics.hpp"

namespace zerolm::cli {

namespace {

// The records of `subset` (even or odd record indices, or all), lowered, with their measured memory.
void select_memory(const CliParams& o, std::vector<ModelSpec>& specs, std::vector<double>& measured) {
  ZEROLM_CHECK(o.subset == "even" || o.subset == "odd" || o.subset == "all", "--subset: value '{}' is not even|odd|all",
               o.subset);
  const Benchmark b = load_benchmark(o.benchmark, BenchmarkOptions{o.space.protocol, o.benchmark_format, o.baselines});
  std::size_t without = 0;
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    if (!b.records[i].memory) {
      ++without;
      continue;
    }
    if ((o.subset == "even" && i % 2 != 0) || (o.subset == "odd" && i % 2 == 0)) continue;
    specs.emplace_back();
    b.space->lower(b.records[i].architecture, specs.back());
    measured.push_back(*b.records[i].memory);
  }
  ZEROLM_CHECK(without < b.records.size(), "{}: no record holds a measured peak memory (format {})", o.benchmark,
               b.reader->name);
  if (without > 0)
    fmt::print(stderr, "zerolm: {}: {} records without a measured memory skipped\n", o.benchmark, without);
  ZEROLM_CHECK(!specs.empty(), "{}: the {} subset holds no record with a measured memory", o.benchmark, o.subset);
}

struct MemoryAccuracy {
  double spearman, mape;
};

MemoryAccuracy memory_accuracy(const MemoryModel& m, const std::vector<ModelSpec>& specs,
                               const std::vector<double>& measured) {
  std::vector<double> predicted;
  double error = 0.0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    predicted.push_back(m.predict_mb(specs[i]));
    error += std::abs(predicted.back() - measured[i]) / measured[i];
  }
  const double rho = specs.size() >= 2 ? stats::spearman(predicted, measured) : std::nan("");
  return {rho, 100.0 * error / static_cast<double>(specs.size())};
}

}  // namespace

int run_memory_fit(const CliParams& o) {
  const MemoryModelKind* kind = find_memory_model_kind(o.model);
  ZEROLM_CHECK(kind != nullptr && kind->fit, "--model: value '{}' is not a memory model kind ({})", o.model,
               memory_model_names());
  std::vector<ModelSpec> specs;
  std::vector<double> measured;
  select_memory(o, specs, measured);
  const auto model = kind->fit(specs, measured, "");
  const auto fit = memory_accuracy(*model, specs, measured);
  std::ofstream file(o.out);
  ZEROLM_CHECK(file.good(), "{}: cannot write the model", o.out);
  file << model->to_json().dump(2) << "\n";
  ZEROLM_CHECK(file.good(), "{}: writing the model failed", o.out);
  fmt::print("fitted on {} records ({} subset of {}): Spearman {:.4f}, MAPE {:.2f}% in sample; model in {}\n",
             specs.size(), o.subset, o.benchmark, fit.spearman, fit.mape, o.out);
  return 0;
}

int run_memory_eval(const CliParams& o) {
  std::vector<ModelSpec> specs;
  std::vector<double> measured;
  select_memory(o, specs, measured);
  const auto model = make_memory_model(read_json_file(o.model), o.model);
  const auto a = memory_accuracy(*model, specs, measured);
  if (o.json) {
    fmt::print("{}\n", nlohmann::json{{"n", specs.size()}, {"spearman", a.spearman}, {"mape", a.mape}}.dump());
  } else {
    fmt::print("{} records ({} subset of {}): Spearman {:.4f}, MAPE {:.2f}%\n", specs.size(), o.subset, o.benchmark,
               a.spearman, a.mape);
  }
  return 0;
}

}  // namespace zerolm::cli
