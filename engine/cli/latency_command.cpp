// zerolm latency fit|eval: fit a latency model's constants to measured records,
// and check it on records it did not see.
#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <memory>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/latency/latency_model.hpp"
#include "engine/stats/rank_statistics.hpp"

namespace zerolm::cli {

namespace {
struct LatencyOptions {
  std::string benchmark;
  std::string protocol;
  std::string model = "analytic";  // fit: the kind; eval: a model file
  std::string device = "h100";
  std::string subset = "all";      // even | odd | all (record index parity)
  double batch = 8, sequence = 1024;
  std::string out;
  bool json = false;
};

// The records of `subset`, lowered, with their measured latency.
void select(const LatencyOptions& o, std::vector<ModelSpec>& specs, std::vector<double>& measured) {
  ZEROLM_CHECK(o.subset == "even" || o.subset == "odd" || o.subset == "all", "--subset: value '{}' is not even|odd|all",
               o.subset);
  const Benchmark b = load_benchmark(o.benchmark, o.protocol);
  ZEROLM_CHECK(b.format == BenchmarkFormat::hwgpt_latency, "{}: not a latency benchmark (format {}; expected hwgpt-latency)",
               o.benchmark, benchmark_format_name(b.format));
  for (std::size_t i = 0; i < b.records.size(); ++i) {
    if ((o.subset == "even" && i % 2 != 0) || (o.subset == "odd" && i % 2 == 0)) continue;
    specs.emplace_back();
    b.space->lower(b.records[i].architecture, specs.back());
    measured.push_back(b.records[i].ground_truth);
  }
}

struct Accuracy {
  double spearman, mape;
};
Accuracy accuracy(const AnalyticLatencyModel& m, const std::vector<ModelSpec>& specs, const std::vector<double>& measured) {
  std::vector<double> predicted;
  double error = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    predicted.push_back(m.predict_ms(specs[i]));
    error += std::abs(predicted.back() - measured[i]) / measured[i];
  }
  return {stats::spearman(predicted, measured), 100.0 * error / static_cast<double>(specs.size())};
}

int run_fit(const LatencyOptions& o) {
  ZEROLM_CHECK(o.model == "analytic", "--model: value '{}' is not a model kind this version fits (analytic)", o.model);
  ZEROLM_CHECK(!o.out.empty(), "zerolm latency fit needs --out MODEL.json");
  std::vector<ModelSpec> specs;
  std::vector<double> measured;
  select(o, specs, measured);
  const auto model = AnalyticLatencyModel::fit(specs, measured, {o.batch, o.sequence}, o.device);
  const auto fit = accuracy(model, specs, measured);
  std::ofstream file(o.out);
  ZEROLM_CHECK(file.good(), "{}: cannot write the model", o.out);
  file << model.to_json().dump(2) << "\n";
  ZEROLM_CHECK(file.good(), "{}: writing the model failed", o.out);
  fmt::print("fitted on {} records ({} subset of {}): Spearman {:.4f}, MAPE {:.2f}% in sample; model in {}\n",
             specs.size(), o.subset, o.benchmark, fit.spearman, fit.mape, o.out);
  return 0;
}

int run_eval(const LatencyOptions& o) {
  const auto model = AnalyticLatencyModel::from_json(read_json_file(o.model), o.model);
  std::vector<ModelSpec> specs;
  std::vector<double> measured;
  select(o, specs, measured);
  const auto a = accuracy(model, specs, measured);
  if (o.json) {
    fmt::print("{}\n", nlohmann::json{{"n", specs.size()}, {"spearman", a.spearman}, {"mape", a.mape}}.dump());
  } else {
    fmt::print("{} records ({} subset of {}): Spearman {:.4f}, MAPE {:.2f}%\n", specs.size(), o.subset, o.benchmark,
               a.spearman, a.mape);
  }
  return 0;
}

void common_options(CLI::App* sub, LatencyOptions& o) {
  sub->add_option("--benchmark", o.benchmark, "Measured latencies (HW-GPT-Bench format)")->required();
  sub->add_option("--protocol", o.protocol, "Network protocol (default: the format's, hwgpt)");
  sub->add_option("--subset", o.subset, "Records used: even or odd record indices (half each), or all")->capture_default_str();
}
}  // namespace

Command add_latency_command(CLI::App& app) {
  auto o = std::make_shared<LatencyOptions>();
  CLI::App* sub = app.add_subcommand("latency", "Fit and check latency models on measured records");
  sub->require_subcommand(1);
  CLI::App* fit = sub->add_subcommand("fit", "Fit a latency model's constants to measured records");
  common_options(fit, *o);
  fit->add_option("--model", o->model, "Model kind: analytic")->capture_default_str();
  fit->add_option("--device", o->device, "Device the records were measured on (names the model)")->capture_default_str();
  fit->add_option("--batch", o->batch, "Batch size of the measurements")->capture_default_str();
  fit->add_option("--sequence", o->sequence, "Sequence length of the measurements")->capture_default_str();
  fit->add_option("--out", o->out, "Where to write MODEL.json")->required();
  CLI::App* eval = sub->add_subcommand("eval", "Check a fitted model: Spearman and mean absolute percentage error");
  common_options(eval, *o);
  eval->add_option("--model", o->model, "MODEL.json from zerolm latency fit")->required();
  eval->add_flag("--json", o->json, "Print {n, spearman, mape} (mape in percent)");
  return {sub, [o, fit] { return fit->parsed() ? run_fit(*o) : run_eval(*o); }};
}

}  // namespace zerolm::cli
