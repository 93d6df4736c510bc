// zerolm memory fit|eval: fit a peak-memory model's constants to records with a
// measured peak memory, and check a model on records it did not see.
#include <fmt/format.h>

#include <cmath>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/cli/commands.hpp"
#include "engine/cli/measured_records.hpp"
#include "engine/core/error.hpp"
#include "engine/core/output_file.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/latency/memory_model.hpp"
#include "engine/stats/rank_statistics.hpp"

namespace zerolm::cli {

namespace {
FitAccuracy accuracy(const MemoryModel& m, const MeasuredRecords& records) {
  std::vector<double> predicted;
  for (const auto& spec : records.specs) predicted.push_back(m.predict_mb(spec));
  return fit_accuracy(predicted, records.measured);
}
}  // namespace

int run_memory_fit(const CliParams& o) {
  check_output_path(o.out, "the model");
  const MemoryModelKind* kind = find_memory_model_kind(o.model);
  ZEROLM_CHECK(kind != nullptr && kind->fit, "--model: value '{}' is not a memory model kind ({})", o.model,
               memory_model_names());
  const MeasuredRecords r = select_measured(o, &BenchmarkRecord::memory, "peak memory");
  const auto model = kind->fit(r.specs, r.measured, o.records_device);
  const auto fit = accuracy(*model, r);
  write_file_atomic(o.out, model->to_json().dump(2) + "\n", "the model");
  fmt::print("fitted on {} records ({} subset of {}): Spearman {:.4f}, MAPE {:.2f}% in sample; model in {}\n",
             r.specs.size(), o.subset, o.benchmark, fit.spearman, fit.mape, o.out);
  return 0;
}

int run_memory_eval(const CliParams& o) {
  const MeasuredRecords r = select_measured(o, &BenchmarkRecord::memory, "peak memory");
  const auto model = make_memory_model(read_json_file(o.model), o.model);
  const auto a = accuracy(*model, r);
  if (o.json) {
    fmt::print("{}\n", nlohmann::json{{"n", r.specs.size()}, {"spearman", a.spearman}, {"mape", a.mape}}.dump());
  } else {
    fmt::print("{} records ({} subset of {}): Spearman {:.4f}, MAPE {:.2f}%\n", r.specs.size(), o.subset, o.benchmark,
               a.spearman, a.mape);
  }
  return 0;
}

}  // namespace zerolm::cli
