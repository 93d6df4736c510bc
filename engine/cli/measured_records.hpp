// The records of a benchmark that hold a measurement (latency or peak memory),
// halved by --subset, and the accuracy of a model's predictions on them: shared
// by `zerolm latency fit|eval` and `zerolm memory fit|eval`.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/cli/arguments.hpp"
#include "engine/core/error.hpp"
#include "engine/stats/rank_statistics.hpp"

namespace zerolm::cli {

struct MeasuredRecords {
  std::vector<Architecture> architectures;
  std::vector<ModelSpec> specs;  // lowered
  std::vector<double> measured;
  std::unique_ptr<SearchSpace> space;
};

// `field` is the record's measurement (&BenchmarkRecord::latency or ::memory),
// `what` names it in messages ("latency"). Even and odd count the records that
// hold one, so both halves are halves; the others are skipped with one note.
inline MeasuredRecords select_measured(const CliParams& o, std::optional<double> BenchmarkRecord::*field,
                                       const char* what) {
  ZEROLM_CHECK(o.subset == "even" || o.subset == "odd" || o.subset == "all", "--subset: value '{}' is not even|odd|all",
               o.subset);
  Benchmark b = load_benchmark(o.benchmark, BenchmarkOptions{o.space.protocol, o.benchmark_format, o.baselines});
  std::size_t without = 0;
  for (const auto& r : b.records) without += (r.*field) ? 0 : 1;
  ZEROLM_CHECK(without < b.records.size(), "{}: no record holds a measured {} (format {})", o.benchmark, what,
               b.reader->name);
  if (without > 0) {
    fmt::print(stderr, "zerolm: {}: {} of {} records without a measured {} skipped\n", o.benchmark, without,
               b.records.size(), what);
  }
  MeasuredRecords out;
  std::size_t position = 0;
  for (const auto& r : b.records) {
    if (!(r.*field)) continue;
    const std::size_t i = position++;
    if ((o.subset == "even" && i % 2 != 0) || (o.subset == "odd" && i % 2 == 0)) continue;
    // A fit divides by it and an eval's error is relative to it: only a positive time or size is a measurement.
    const double value = *(r.*field);
    ZEROLM_CHECK(std::isfinite(value) && value > 0.0,
                 "{}: record {}: its measured {} is {}, not a positive number (fit and eval need real measurements)",
                 o.benchmark, r.id, what, value);
    out.architectures.push_back(r.architecture);
    out.specs.emplace_back();
    b.space->lower(r.architecture, out.specs.back());
    out.measured.push_back(*(r.*field));
  }
  ZEROLM_CHECK(!out.specs.empty(), "{}: the {} subset holds no record with a measured {}", o.benchmark, o.subset, what);
  out.space = std::move(b.space);
  return out;
}

struct FitAccuracy {
  double spearman, mape;  // mape in percent
};

// Spearman and mean absolute percentage error of `predicted` against `measured`.
inline FitAccuracy fit_accuracy(const std::vector<double>& predicted, const std::vector<double>& measured) {
  ZEROLM_CHECK(predicted.size() >= 2, "{} record(s): a rank correlation needs at least 2", predicted.size());
  double error = 0.0;
  for (std::size_t i = 0; i < predicted.size(); ++i) error += std::abs(predicted[i] - measured[i]) / measured[i];
  return {stats::spearman(predicted, measured), 100.0 * error / static_cast<double>(predicted.size())};
}

}  // namespace zerolm::cli
