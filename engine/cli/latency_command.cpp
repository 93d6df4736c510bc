// zerolm latency fit|eval|profile: fit a latency model's constants to measured
// records, check any model on records it did not see, and profile a lookup table
// on this machine's CPU or GPU with LibTorch.
#include <fmt/format.h>

#include <cmath>
#include <memory>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/cli/commands.hpp"
#include "engine/cli/measured_records.hpp"
#include "engine/core/error.hpp"
#include "engine/core/output_file.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/latency/analytic_latency.hpp"
#include "engine/latency/lut_latency.hpp"
#include "engine/reference/torch_plugin.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/stats/rank_statistics.hpp"

namespace zerolm::cli {

namespace {
FitAccuracy accuracy(const LatencyModel& m, const MeasuredRecords& records) {
  std::vector<double> predicted;
  for (std::size_t i = 0; i < records.specs.size(); ++i)
    predicted.push_back(m.predict_ms(records.architectures[i], records.specs[i]));
  return fit_accuracy(predicted, records.measured);
}

void write_model(const LatencyModel& model, const std::string& path) {
  write_file_atomic(path, model.to_json().dump(2) + "\n", "the model");
}

}  // namespace

int run_latency_fit(const CliParams& o) {
  check_output_path(o.out, "the model");
  const LatencyModelKind* kind = find_latency_model_kind(o.model);
  ZEROLM_CHECK(kind != nullptr && kind->fit, "--model: value '{}' is not a model kind that is fitted ({})", o.model,
               fitted_latency_model_names());
  const MeasuredRecords r = select_measured(o, &BenchmarkRecord::latency, "latency");
  const auto model = kind->fit(r.specs, r.measured, {o.batch, o.sequence}, o.records_device);
  const auto fit = accuracy(*model, r);
  write_model(*model, o.out);
  fmt::print("fitted on {} records ({} subset of {}): Spearman {:.4f}, MAPE {:.2f}% in sample; model in {}\n",
             r.specs.size(), o.subset, o.benchmark, fit.spearman, fit.mape, o.out);
  return 0;
}

int run_latency_eval(const CliParams& o) {
  const MeasuredRecords r = select_measured(o, &BenchmarkRecord::latency, "latency");
  const auto model = make_latency_model(read_json_file(o.model), o.model, *r.space);
  const auto a = accuracy(*model, r);
  if (o.json) {
    fmt::print("{}\n", nlohmann::json{{"n", r.specs.size()}, {"spearman", a.spearman}, {"mape", a.mape}}.dump());
  } else {
    fmt::print("{} records ({} subset of {}): Spearman {:.4f}, MAPE {:.2f}%\n", r.specs.size(), o.subset, o.benchmark,
               a.spearman, a.mape);
  }
  return 0;
}

// Profiles `samples` architectures stage by stage with LibTorch, builds the lookup
// table, and (with --check K) times K other architectures whole to report how
// well the table predicts them.
int run_latency_profile(const CliParams& o) {
  check_output_path(o.out, "the model");
  ZEROLM_CHECK(o.samples > 0 && o.check >= 0, "--samples {} must be positive and --check {} not negative", o.samples,
               o.check);
  std::string why;
  const reference::TorchReferenceApi* torch = reference::load_torch_plugin(&why);
  ZEROLM_CHECK(torch != nullptr, "zerolm latency profile needs LibTorch: {}", why);
  const auto space = make_search_space(o.was_given("--space") ? o.space.name : "gpt2", o.space.options());
  reference::LatencyWorkload workload;
  workload.device = o.records_device;
  workload.batch = static_cast<std::int64_t>(o.batch);
  workload.sequence = static_cast<std::int64_t>(o.sequence);
  workload.warmup = o.warmup;
  workload.repeats = o.repeats;
  workload.threads = o.threads;
  const auto sample = sample_architectures(*space, static_cast<std::size_t>(o.samples + o.check), o.seed);
  std::vector<ModelSpec> specs(static_cast<std::size_t>(o.samples));
  std::vector<LutLatencyModel::StageTimes> times;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    space->lower(sample[i], specs[i]);
    const auto profile = torch->measure_latency(*space, sample[i], workload, true);
    times.push_back({profile.embed_ms + profile.finish_ms, profile.layer_ms});
  }
  const auto model = LutLatencyModel::from_profiles(specs, times, {o.batch, o.sequence}, o.records_device);
  write_model(model, o.out);
  fmt::print("profiled {} {} / {} architectures on {} (batch {}, sequence {}): {} layer and {} stem entries in {}\n",
             o.samples, space->name(), space->protocol(), o.records_device, workload.batch, workload.sequence,
             model.layer_entries(), model.stem_entries(), o.out);
  if (o.check > 0) {
    std::vector<double> predicted, measured;
    double error = 0.0;
    std::size_t uncovered = 0;
    ModelSpec spec;
    for (std::size_t i = specs.size(); i < sample.size(); ++i) {
      space->lower(sample[i], spec);
      try {
        predicted.push_back(model.predict_ms(sample[i], spec));
      } catch (const Error&) {
        ++uncovered;  // a layer the profiled sample did not contain
        continue;
      }
      measured.push_back(torch->measure_latency(*space, sample[i], workload, false).forward_ms);
      error += std::abs(predicted.back() - measured.back()) / measured.back();
    }
    const auto n = measured.size();
    const nlohmann::json result{{"n", n},
                                {"spearman", n >= 2 ? stats::spearman(predicted, measured) : 0.0},
                                {"mape", n > 0 ? 100.0 * error / static_cast<double>(n) : 0.0},
                                {"uncovered", uncovered}};
    if (o.json) {
      fmt::print("{}\n", result.dump());
    } else {
      fmt::print(
          "checked on {} other architectures timed whole: Spearman {:.4f}, MAPE {:.2f}%; {} had a layer the table "
          "lacks\n",
          n, result["spearman"].get<double>(), result["mape"].get<double>(), uncovered);
    }
  }
  return 0;
}

}  // namespace zerolm::cli
