// Benchmark files of trained (or measured) architectures: NAS-Bench-BERT,
// LiteTransformerSearch GPT-2 (WikiText-103) and HW-GPT-Bench latencies. The format
// is recognised from the records; any file of the same format is accepted.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/architecture.hpp"
#include "search_spaces/search_space.hpp"

namespace zerolm {

struct Benchmark;

// One entry of the benchmark-reader registry (benchmark_file.cpp): a format of
// trained (or measured) records, recognised from the records themselves.
struct BenchmarkReader {
  std::string name;  // e.g. "nas-bench-bert"
  std::string description;
  std::string space;              // the search space its records are read into
  std::string default_protocol;   // when the user names none
  std::string ground_truth_name;  // e.g. "scores.glue", "-valid_ppl"
  bool latency = false;           // the ground truth is a measured latency (latency fit|eval)
  // Whether a file whose first record is `first` has this format.
  std::function<bool(const nlohmann::json& first)> detects;
  // A record's ground truth, higher is better; an Error naming the field.
  std::function<double(const nlohmann::json& record)> ground_truth;
  // A format that is a folder rather than one JSON list: whether `folder` has it,
  // and its records as JSON objects of the shape `detects`/`ground_truth` read.
  std::function<bool(const std::string& folder)> detects_folder = nullptr;
  std::function<nlohmann::json(const std::string& folder)> read_folder = nullptr;
  // Optional: a record's architecture, for a format that nests it (empty: the space's
  // from_record of the record itself). An Error names the field.
  std::function<Architecture(const SearchSpace& space, const nlohmann::json& record)> architecture = {};
  // Optional: published baselines kept in another file. Called after every record is
  // read with the file `--baselines` named (empty: the format's default beside the
  // benchmark, if any); fills records' baselines and baseline_names. Empty: the
  // format takes no baselines file.
  std::function<void(Benchmark& benchmark, const std::string& baselines_file)> read_baselines = {};
};

const Registry<BenchmarkReader>& benchmark_readers();

struct BenchmarkRecord {
  std::string id;
  Architecture architecture;
  double ground_truth = 0.0;                // higher is better (see Benchmark::ground_truth_name)
  std::map<std::string, double> baselines;  // published proxies, oriented as published
  std::optional<double> memory;             // measured peak memory (MB), where the format holds it
  std::optional<double> latency;            // measured latency (ms), where the format holds it

  nlohmann::json raw;  // the record as read
};

struct Benchmark {
  std::string path;
  const BenchmarkReader* reader = nullptr;  // its format
  std::string ground_truth_name;            // e.g. "scores.glue", "-valid_ppl"
  std::vector<std::string> baseline_names;  // present in every record
  // Published proxies left out because some records lack a number for them:
  // name -> "missing or not a number in 3 of 200 records".
  std::map<std::string, std::string> partial_baselines;

  std::unique_ptr<SearchSpace> space;  // the space and protocol the records were read into
  std::vector<BenchmarkRecord> records;

  // The records' architectures and ground truths, in record order.
  std::vector<Architecture> architectures() const;
  std::vector<double> ground_truths() const;
};

// How a benchmark file is read: the protocol (empty: the format's default), the
// format (empty: detected from the records; else a reader's name, as --format), and
// a file of published baselines (--baselines; empty: the format's default, if any).
struct BenchmarkOptions {
  std::string protocol;
  std::string format;
  std::string baselines;
};

// Reads and validates every record; errors name the file, the record and the field.
// An empty protocol takes the format's default.
Benchmark load_benchmark(const std::string& path, const std::string& protocol = "");
Benchmark load_benchmark(const std::string& path, const BenchmarkOptions& options);

// "nas-bench-bert|lts-gpt2|...": the readers' names, for help texts and errors.
std::string benchmark_format_names();


}  // namespace zerolm
