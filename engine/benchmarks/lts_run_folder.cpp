#include "engine/benchmarks/lts_run_folder.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <regex>
#include <tuple>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/parse_number.hpp"

namespace zerolm {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPerplexities = "ppl_summary.yaml";
constexpr const char* kParameters = "params_summary.yaml";
constexpr const char* kLatencies = "latency_summary.yaml";
constexpr const char* kMemories = "memory_summary.yaml";

// A YAML file that must be a mapping (a summary keyed by record, or a model_config).
nlohmann::json read_mapping(const fs::path& file) {
  const std::string name = file.string();
  ZEROLM_CHECK(fs::is_regular_file(file), "{}: the file is missing", name);
  nlohmann::json value = parse_yaml(read_text_file(name), name);
  ZEROLM_CHECK(value.is_object(), "{}: expected a YAML mapping, got {}", name, value.type_name());
  return value;
}

std::optional<nlohmann::json> read_optional_mapping(const fs::path& file) {
  if (!fs::exists(file)) return std::nullopt;
  return read_mapping(file);
}

struct RecordFile {
  std::string id;
  fs::path model_config;
  std::tuple<long, long> order;  // (N, M) of config_N_jM, (K, 0) of MK
};

// config_N/jM/model_config.yaml and MK/model_config.yaml, in numeric order.
std::vector<RecordFile> record_files(const fs::path& folder) {
  static const std::regex config_dir(R"(config_(\d+))"), job_dir(R"(j(\d+))"), model_dir(R"(M(\d+))");
  // A record folder's number (config_N, jM, MK), which orders the records.
  const auto number = [&](const fs::path& path, const std::string& digits) {
    const auto n = parse_integer(digits, 0, std::int64_t{1} << 40);
    ZEROLM_CHECK(n.has_value(), "{}: record folder '{}': the number {} is out of range (at most 2^40)", folder.string(),
                 path.filename().string(), digits);
    return static_cast<long>(*n);
  };
  std::vector<RecordFile> out;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    std::smatch m;
    if (std::regex_match(name, m, config_dir)) {
      const long n = number(entry.path(), m[1]);
      for (const auto& job : fs::directory_iterator(entry.path())) {
        const std::string job_name = job.path().filename().string();
        std::smatch j;
        if (!job.is_directory() || !std::regex_match(job_name, j, job_dir)) continue;
        const fs::path config = job.path() / "model_config.yaml";
        if (!fs::exists(config)) continue;
        out.push_back({fmt::format("{}_{}", name, job_name), config, {n, number(job.path(), j[1])}});
      }
    } else if (std::regex_match(name, m, model_dir) && fs::exists(entry.path() / "model_config.yaml")) {
      out.push_back({name, entry.path() / "model_config.yaml", {number(entry.path(), m[1]), 0}});
    }
  }
  std::sort(out.begin(), out.end(), [](const RecordFile& a, const RecordFile& b) { return a.order < b.order; });
  return out;
}

// LPZero's published proxies: <name>_scores_seed_<seed>.yaml (its *_bak copies are not scores).
struct ScoreFile {
  std::string proxy;
  nlohmann::json scores;
};
std::vector<ScoreFile> score_files(const fs::path& folder) {
  static const std::regex score_name(R"((.+)_scores_seed_(\d+)\.yaml)");
  std::vector<std::tuple<std::string, std::string, fs::path>> found;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().filename().string();
    std::smatch m;
    if (entry.is_regular_file() && std::regex_match(name, m, score_name)) found.emplace_back(m[1], m[2], entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<ScoreFile> out;
  for (const auto& [proxy, seed, path] : found) {
    const std::string& name = proxy;  // clang 14 cannot capture a structured binding
    const auto seeds = std::count_if(found.begin(), found.end(), [&](const auto& f) { return std::get<0>(f) == name; });

    out.push_back({seeds > 1 ? fmt::format("{}_seed_{}", proxy, seed) : proxy, read_mapping(path)});
  }
  return out;
}

double number_field(const nlohmann::json& object, const char* key, const std::string& file, const std::string& id) {
  ZEROLM_CHECK(object.is_object() && object.contains(key), "{}: record {}: field '{}' is missing", file, id, key);
  ZEROLM_CHECK(object[key].is_number(), "{}: record {}: field '{}': value {} is not a number", file, id, key,
               object[key].dump());
  return object[key].get<double>();
}

}  // namespace

bool is_lts_run_folder(const std::string& folder) {
  const fs::path root(folder);
  return fs::is_directory(root) && (fs::exists(root / kPerplexities) || fs::exists(root / kParameters));
}

nlohmann::json read_lts_run_folder(const std::string& folder) {
  const fs::path root(folder);
  ZEROLM_CHECK(fs::is_directory(root), "{}: not a folder", folder);
  const auto files = record_files(root);
  ZEROLM_CHECK(!files.empty(), "{}: no config_N/jM/model_config.yaml or MK/model_config.yaml in the folder", folder);
  const nlohmann::json perplexities = read_mapping(root / kPerplexities);
  const nlohmann::json parameters = read_mapping(root / kParameters);
  const auto latencies = read_optional_mapping(root / kLatencies);
  const auto memories = read_optional_mapping(root / kMemories);
  const auto scores = score_files(root);
  const std::string ppl_file = (root / kPerplexities).string(), params_file = (root / kParameters).string();

  nlohmann::json records = nlohmann::json::array();
  std::vector<std::string> skipped;
  for (const RecordFile& f : files) {
    if (!perplexities.contains(f.id) || perplexities[f.id].is_null()) {
      skipped.push_back(f.id);
      continue;
    }
    nlohmann::json record{{"id", f.id}, {"source", f.model_config.string()}};
    const nlohmann::json config = read_mapping(f.model_config);
    record["config"] = config;
    // ppl_summary.yaml holds {valid_ppl, test_ppl, ...} per record, or a plain number (LTS's Pareto sets).
    const nlohmann::json& ppl = perplexities[f.id];
    if (ppl.is_number()) {
      record["valid_ppl"] = ppl.get<double>();
    } else {
      ZEROLM_CHECK(ppl.is_object(), "{}: record {}: expected a number or a mapping with valid_ppl, got {}", ppl_file,
                   f.id, ppl.dump());
      record["valid_ppl"] = number_field(ppl, "valid_ppl", ppl_file, f.id);
      if (ppl.contains("test_ppl") && ppl["test_ppl"].is_number()) record["test_ppl"] = ppl["test_ppl"];
    }
    ZEROLM_CHECK(parameters.contains(f.id), "{}: record {}: the record is missing", params_file, f.id);
    const nlohmann::json& counts = parameters[f.id];
    ZEROLM_CHECK(counts.is_object(), "{}: record {}: expected a mapping of counts, got {}", params_file, f.id,
                 counts.dump());
    nlohmann::json params = nlohmann::json::object();
    for (const char* key : {"Attn", "FFN", "nonembedding"}) params[key] = number_field(counts, key, params_file, f.id);
    for (const char* key : {"AdaEmb", "total"}) {
      if (counts.contains(key) && counts[key].is_number()) params[key] = counts[key];
    }
    record["params"] = params;
    nlohmann::json published = nlohmann::json::object();
    for (const ScoreFile& s : scores) {
      if (s.scores.contains(f.id) && s.scores[f.id].is_number()) published[s.proxy] = s.scores[f.id];
    }
    record["published_proxies"] = published;
    auto measured = [&](const std::optional<nlohmann::json>& summary, const char* file, const char* key) {
      if (!summary || !summary->contains(f.id)) return;
      const nlohmann::json& value = (*summary)[f.id];
      ZEROLM_CHECK(value.is_number(), "{}: record {}: value {} is not a number", (root / file).string(), f.id,
                   value.dump());
      record[key] = value;
    };
    measured(latencies, kLatencies, "latency_ms");
    measured(memories, kMemories, "memory_mb");
    records.push_back(std::move(record));
  }
  if (!skipped.empty()) {
    std::string ids;
    for (const auto& id : skipped) ids += (ids.empty() ? "" : ", ") + id;
    fmt::print(stderr, "zerolm: {}: {} record{} without ground truth in {} skipped: {}\n", folder, skipped.size(),
               skipped.size() == 1 ? "" : "s", kPerplexities, ids);
  }
  ZEROLM_CHECK(!records.empty(), "{}: no record has ground truth in {}", folder, kPerplexities);
  return records;
}

}  // namespace zerolm
