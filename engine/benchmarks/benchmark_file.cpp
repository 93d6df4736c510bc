#include "engine/benchmarks/benchmark_file.hpp"

#include <cstdlib>
#include <filesystem>
#include <set>

#include "engine/benchmarks/lts_run_folder.hpp"
#include "engine/benchmarks/nas_bench_bert_upstream.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"

namespace zerolm {

namespace {

double number_at(const nlohmann::json& object, const char* key, const char* where) {
  ZEROLM_CHECK(object.is_object() && object.contains(key), "field '{}{}' is missing", where, key);
  ZEROLM_CHECK(object[key].is_number(), "field '{}{}': value {} is not a number", where, key, object[key].dump());
  return object[key].get<double>();
}

const BenchmarkReader& detect_format(const std::string& path, const nlohmann::json& first, const std::string& forced) {
  if (!forced.empty()) {
    for (const auto& reader : benchmark_readers()) {
      if (reader.name == forced) return reader;
    }
    ZEROLM_FAIL("--format: value '{}' is not a benchmark format ({})", forced, benchmark_format_names());
  }
  ZEROLM_CHECK(first.is_object(), "{}: record 0 is not a JSON object", path);
  std::string known;
  for (const auto& reader : benchmark_readers()) {
    if (reader.detects(first)) return reader;
    known += (known.empty() ? "" : ", ") + reader.name;
  }
  ZEROLM_FAIL("{}: unknown benchmark format: record 0 is none of {} (zerolm info describes each)", path, known);
}

std::string record_id(const nlohmann::json& record, std::size_t index) {
  if (record.is_object() && record.contains("id")) {
    const auto& id = record["id"];
    return id.is_string() ? id.get<std::string>() : id.dump();
  }
  return std::to_string(index);
}

}  // namespace

const Registry<BenchmarkReader>& benchmark_readers() {
  static const Registry<BenchmarkReader> all(
      "benchmark reader",
      {
          {"nas-bench-bert", "NAS-Bench-BERT records (encoder_layers, scores.glue), as converted for zerolm",
           "flexibert", "paper", "scores.glue", false,
           [](const nlohmann::json& r) { return r.contains("encoder_layers"); },
           [](const nlohmann::json& r) {
             ZEROLM_CHECK(r.contains("scores"), "field 'scores' is missing");
             return number_at(r["scores"], "glue", "scores.");
           }},
          {"lts-gpt2", "LiteTransformerSearch GPT-2 records (config, valid_ppl), as converted for zerolm", "gpt2",
           "lts", "-valid_ppl", false,
           [](const nlohmann::json& r) { return r.contains("config") && r.contains("valid_ppl"); },
           [](const nlohmann::json& r) { return -number_at(r, "valid_ppl", ""); }},
          {"hwgpt-latency", "HW-GPT-Bench latency records (embed_dim, gpu_latency_ms)", "gpt2", "hwgpt",
           "gpu_latency_ms", true,
           [](const nlohmann::json& r) { return r.contains("embed_dim") && r.contains("gpu_latency_ms"); },
           [](const nlohmann::json& r) { return number_at(r, "gpu_latency_ms", ""); }},
          {"lts-run",
           "LiteTransformerSearch (archai) run folders as published: model_config.yaml per record, summaries", "gpt2",
           "lts", "-valid_ppl", false, [](const nlohmann::json&) { return false; },
           [](const nlohmann::json& r) { return -number_at(r, "valid_ppl", ""); }, is_lts_run_folder,
           read_lts_run_folder},
          nas_bench_bert_upstream_reader(),
      });
  return all;
}

std::vector<Architecture> Benchmark::architectures() const {
  std::vector<Architecture> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(r.architecture);
  return out;
}

std::vector<double> Benchmark::ground_truths() const {
  std::vector<double> out;
  out.reserve(records.size());
  for (const auto& r : records) out.push_back(r.ground_truth);
  return out;
}

std::string benchmark_format_names() {
  std::string names;
  for (const auto& reader : benchmark_readers()) names += (names.empty() ? "" : "|") + reader.name;
  return names;
}

Benchmark load_benchmark(const std::string& path, const std::string& protocol) {
  return load_benchmark(path, BenchmarkOptions{protocol, "", ""});
}

Benchmark load_benchmark(const std::string& path, const BenchmarkOptions& how) {
  Benchmark benchmark;
  benchmark.path = path;
  nlohmann::json root;
  std::error_code not_a_folder;
  if (std::filesystem::is_directory(path, not_a_folder)) {  // a format of several files (a run folder)
    if (!how.format.empty()) {
      benchmark.reader = &detect_format(path, nlohmann::json::object(), how.format);
      ZEROLM_CHECK(benchmark.reader->read_folder != nullptr, "{}: --format {} is a file format, not a folder's", path,
                   how.format);
    } else {
      std::string known;
      for (const auto& reader : benchmark_readers()) {
        if (!reader.detects_folder) continue;
        if (reader.detects_folder(path)) {
          benchmark.reader = &reader;
          break;
        }
        known += (known.empty() ? "" : ", ") + reader.name;
      }
      ZEROLM_CHECK(benchmark.reader != nullptr, "{}: a folder of no known benchmark format ({})", path, known);
    }
    root = benchmark.reader->read_folder(path);
  } else {
    root = read_json_file(path);
    ZEROLM_CHECK(root.is_array(), "{}: expected a JSON list of records, got {}", path, root.type_name());
    ZEROLM_CHECK(!root.empty(), "{}: the file holds no records", path);
    benchmark.reader = &detect_format(path, root[0], how.format);
    ZEROLM_CHECK(benchmark.reader->read_folder == nullptr, "{}: --format {} reads a folder, not a file", path,
                 how.format);
  }
  ZEROLM_CHECK(how.baselines.empty() || benchmark.reader->read_baselines,
               "--baselines: format {} takes no baselines file (its published proxies are in {})",
               benchmark.reader->name, path);
  SpaceOptions options;
  options.protocol = how.protocol.empty() ? benchmark.reader->default_protocol : how.protocol;
  try {
    benchmark.space = make_search_space(benchmark.reader->space, options);
  } catch (const Error& e) {
    throw e.with_context(path);
  }
  benchmark.ground_truth_name = benchmark.reader->ground_truth_name;

  std::map<std::string, std::size_t> baseline_counts;
  std::set<std::string> explicit_ids;
  benchmark.records.reserve(root.size());
  for (std::size_t i = 0; i < root.size(); ++i) {
    const nlohmann::json& r = root[i];
    BenchmarkRecord record;
    record.id = record_id(r, i);
    try {
      ZEROLM_CHECK(r.is_object(), "record is not a JSON object");
      // Two records under one id would make baselines and exports ambiguous.
      ZEROLM_CHECK(!r.contains("id") || explicit_ids.insert(record.id).second,
                   "field 'id': value {} is the id of an earlier record", r["id"].dump());
      record.architecture = benchmark.reader->architecture ? benchmark.reader->architecture(*benchmark.space, r)
                                                           : benchmark.space->from_record(r);
      record.ground_truth = benchmark.reader->ground_truth(r);
      if (r.contains("published_proxies")) {
        const auto& published = r["published_proxies"];
        ZEROLM_CHECK(published.is_object(), "field 'published_proxies' is not an object");
        for (const auto& [name, value] : published.items()) {
          (void)baseline_counts[name];       // known, even where no record has a number for it
          if (!value.is_number()) continue;  // a missing score drops that proxy, said in partial_baselines
          record.baselines[name] = value.get<double>();
          ++baseline_counts[name];
        }
      }
    } catch (const Error& e) {
      // A run folder's record names its own file (model_config.yaml).
      const bool own_file = r.is_object() && r.contains("source") && r["source"].is_string();
      throw e.with_context(fmt::format("{}: record {}", own_file ? r["source"].get<std::string>() : path, record.id));
    }
    // Measurements beside the ground truth (LTS run folders: latency_summary.yaml,
    // memory_summary.yaml, read into latency_ms and memory_mb); a latency format's
    // ground truth is its latency.
    if (benchmark.reader->latency) record.latency = record.ground_truth;
    if (r.contains("latency_ms") && r["latency_ms"].is_number()) record.latency = r["latency_ms"].get<double>();
    if (r.contains("memory_mb") && r["memory_mb"].is_number()) record.memory = r["memory_mb"].get<double>();
    record.raw = r;
    benchmark.records.push_back(std::move(record));
  }
  for (const auto& [name, count] : baseline_counts) {
    if (count == benchmark.records.size()) {
      benchmark.baseline_names.push_back(name);
    } else {
      benchmark.partial_baselines[name] = fmt::format("missing or not a number in {} of {} records",
                                                      benchmark.records.size() - count, benchmark.records.size());
      fmt::print(stderr, "zerolm: note: {}: published proxy {} is {}; it is left out\n", path, name,
                 benchmark.partial_baselines[name]);
    }
  }

  if (benchmark.reader->read_baselines) benchmark.reader->read_baselines(benchmark, how.baselines);
  return benchmark;
}

}  // namespace zerolm
