#include "engine/benchmarks/benchmark_file.hpp"

#include <cstdlib>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"

namespace zerolm {

std::string_view benchmark_format_name(BenchmarkFormat format) {
  switch (format) {
    case BenchmarkFormat::nas_bench_bert: return "nas-bench-bert";
    case BenchmarkFormat::lts_gpt2: return "lts-gpt2";
    case BenchmarkFormat::hwgpt_latency: return "hwgpt-latency";
  }
  return "?";
}

std::string_view default_space(BenchmarkFormat format) {
  return format == BenchmarkFormat::nas_bench_bert ? "flexibert" : "gpt2";
}

std::string_view default_protocol(BenchmarkFormat format) {
  switch (format) {
    case BenchmarkFormat::nas_bench_bert: return "paper";
    case BenchmarkFormat::lts_gpt2: return "lts";
    case BenchmarkFormat::hwgpt_latency: return "hwgpt";
  }
  return "";
}

std::string benchmarks_directory() {
  if (const char* env = std::getenv("ZEROLM_BENCHMARKS"); env != nullptr && *env != '\0') return env;
  return "../shared/benchmarks";
}

namespace {

BenchmarkFormat detect_format(const std::string& path, const nlohmann::json& first) {
  ZEROLM_CHECK(first.is_object(), "{}: record 0 is not a JSON object", path);
  if (first.contains("encoder_layers")) return BenchmarkFormat::nas_bench_bert;
  if (first.contains("config") && first.contains("valid_ppl")) return BenchmarkFormat::lts_gpt2;
  if (first.contains("embed_dim") && first.contains("gpu_latency_ms")) return BenchmarkFormat::hwgpt_latency;
  ZEROLM_FAIL("{}: unknown benchmark format: record 0 has none of encoder_layers (NAS-Bench-BERT), "
              "config+valid_ppl (LTS GPT-2), embed_dim+gpu_latency_ms (HW-GPT-Bench)",
              path);
}

double number_at(const nlohmann::json& object, const char* key, const char* where) {
  ZEROLM_CHECK(object.is_object() && object.contains(key), "field '{}{}' is missing", where, key);
  ZEROLM_CHECK(object[key].is_number(), "field '{}{}': value {} is not a number", where, key, object[key].dump());
  return object[key].get<double>();
}

std::string record_id(const nlohmann::json& record, std::size_t index) {
  if (record.is_object() && record.contains("id")) {
    const auto& id = record["id"];
    return id.is_string() ? id.get<std::string>() : id.dump();
  }
  return std::to_string(index);
}

}  // namespace

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

Benchmark load_benchmark(const std::string& path, const std::string& protocol) {
  const nlohmann::json root = read_json_file(path);
  ZEROLM_CHECK(root.is_array(), "{}: expected a JSON list of records, got {}", path, root.type_name());
  ZEROLM_CHECK(!root.empty(), "{}: the file holds no records", path);
  Benchmark benchmark;
  benchmark.path = path;
  benchmark.format = detect_format(path, root[0]);
  SpaceOptions options;
  options.protocol = protocol.empty() ? std::string(default_protocol(benchmark.format)) : protocol;
  try {
    benchmark.space = make_search_space(std::string(default_space(benchmark.format)), options);
  } catch (const Error& e) {
    throw e.with_context(path);
  }
  switch (benchmark.format) {
    case BenchmarkFormat::nas_bench_bert: benchmark.ground_truth_name = "scores.glue"; break;
    case BenchmarkFormat::lts_gpt2: benchmark.ground_truth_name = "-valid_ppl"; break;
    case BenchmarkFormat::hwgpt_latency: benchmark.ground_truth_name = "gpu_latency_ms"; break;
  }

  std::map<std::string, std::size_t> baseline_counts;
  benchmark.records.reserve(root.size());
  for (std::size_t i = 0; i < root.size(); ++i) {
    const nlohmann::json& r = root[i];
    BenchmarkRecord record;
    record.id = record_id(r, i);
    try {
      ZEROLM_CHECK(r.is_object(), "record is not a JSON object");
      record.architecture = benchmark.space->from_record(r);
      switch (benchmark.format) {
        case BenchmarkFormat::nas_bench_bert:
          ZEROLM_CHECK(r.contains("scores"), "field 'scores' is missing");
          record.ground_truth = number_at(r["scores"], "glue", "scores.");
          break;
        case BenchmarkFormat::lts_gpt2: record.ground_truth = -number_at(r, "valid_ppl", ""); break;
        case BenchmarkFormat::hwgpt_latency: record.ground_truth = number_at(r, "gpu_latency_ms", ""); break;
      }
      if (r.contains("published_proxies")) {
        const auto& published = r["published_proxies"];
        ZEROLM_CHECK(published.is_object(), "field 'published_proxies' is not an object");
        for (const auto& [name, value] : published.items()) {
          if (!value.is_number()) continue;  // a missing score for one proxy drops that proxy only
          record.baselines[name] = value.get<double>();
          ++baseline_counts[name];
        }
      }
    } catch (const Error& e) {
      throw e.with_context(fmt::format("{}: record {}", path, record.id));
    }
    record.raw = r;
    benchmark.records.push_back(std::move(record));
  }
  for (const auto& [name, count] : baseline_counts) {
    if (count == benchmark.records.size()) benchmark.baseline_names.push_back(name);
  }
  return benchmark;
}

}  // namespace zerolm
