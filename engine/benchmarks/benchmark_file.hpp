// Benchmark files of trained (or measured) architectures: NAS-Bench-BERT,
// LiteTransformerSearch GPT-2 (WikiText-103) and HW-GPT-Bench latencies. The format
// is recognised from the records; any file of the same format is accepted.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/architecture.hpp"
#include "search_spaces/search_space.hpp"

namespace zerolm {

enum class BenchmarkFormat { nas_bench_bert, lts_gpt2, hwgpt_latency };

struct BenchmarkRecord {
  std::string id;
  Architecture architecture;
  double ground_truth = 0.0;                   // higher is better (see Benchmark::ground_truth_name)
  std::map<std::string, double> baselines;     // published proxies, oriented as published
  nlohmann::json raw;                          // the record as read
};

struct Benchmark {
  std::string path;
  BenchmarkFormat format = BenchmarkFormat::nas_bench_bert;
  std::string ground_truth_name;     // e.g. "scores.glue", "-valid_ppl"
  std::vector<std::string> baseline_names;  // present in every record
  std::unique_ptr<SearchSpace> space;       // the space and protocol the records were read into
  std::vector<BenchmarkRecord> records;

  // The records' architectures and ground truths, in record order.
  std::vector<Architecture> architectures() const;
  std::vector<double> ground_truths() const;
};

std::string_view benchmark_format_name(BenchmarkFormat format);
std::string_view default_space(BenchmarkFormat format);
std::string_view default_protocol(BenchmarkFormat format);

// Reads and validates every record; errors name the file, the record and the field.
// An empty protocol takes the format's default.
Benchmark load_benchmark(const std::string& path, const std::string& protocol = "");

// The folder of the shared benchmark files: $ZEROLM_BENCHMARKS, else ../shared/benchmarks.
std::string benchmarks_directory();

}  // namespace zerolm
