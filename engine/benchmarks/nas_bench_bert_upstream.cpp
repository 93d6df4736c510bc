#include "engine/benchmarks/nas_bench_bert_upstream.hpp"

#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>

#include "engine/benchmarks/csv_table.hpp"
#include "engine/core/error.hpp"

namespace zerolm {

namespace {

constexpr const char* kCsvBeside = "BERT_results_activation.csv";
constexpr const char* kIdColumn = "ID";
constexpr const char* kGroundTruthColumn = "GLUE Score";

const nlohmann::json& object_at(const nlohmann::json& parent, const char* key, const std::string& where) {
  ZEROLM_CHECK(parent.contains(key), "field '{}{}' is missing", where, key);
  ZEROLM_CHECK(parent[key].is_object(), "field '{}{}': value {} is not an object", where, key,
               parent[key].dump().substr(0, 80));
  return parent[key];
}

// What the flexibert space reads ({hidden_size, encoder_layers}) from a published record.
nlohmann::json converted_record(const nlohmann::json& record) {
  const auto& hparams = object_at(record, "hparams", "");
  const auto& overrides = object_at(hparams, "model_hparam_overrides", "hparams.");
  const std::string where = "hparams.model_hparam_overrides.";
  ZEROLM_CHECK(overrides.contains("hidden_size"), "field '{}hidden_size' is missing", where);
  const auto& nas_config = object_at(overrides, "nas_config", where);
  ZEROLM_CHECK(nas_config.contains("encoder_layers"), "field '{}nas_config.encoder_layers' is missing", where);
  return {{"hidden_size", overrides["hidden_size"]}, {"encoder_layers", nas_config["encoder_layers"]}};
}

Architecture architecture_of(const SearchSpace& space, const nlohmann::json& record) {
  const nlohmann::json converted = converted_record(record);
  try {
    return space.from_record(converted);
  } catch (const Error& e) {
    // The space names fields of the converted shape; say where they sit here.
    throw e.with_context("in hparams.model_hparam_overrides (hidden_size, nas_config.encoder_layers)");
  }
}

double glue_of(const nlohmann::json& record) {
  const auto& scores = object_at(record, "scores", "");
  ZEROLM_CHECK(scores.contains("glue"), "field 'scores.glue' is missing");
  ZEROLM_CHECK(scores["glue"].is_number(), "field 'scores.glue': value {} is not a number", scores["glue"].dump());
  return scores["glue"].get<double>();
}

}  // namespace

std::string published_column_baseline_name(const std::string& column) {
  std::string name;
  for (const char c : column) {
    name += c == ' ' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return name;
}

void read_published_proxy_csv(Benchmark& benchmark, const std::string& csv_path) {
  const CsvTable table = read_csv_table(csv_path);
  const std::size_t id_column = table.column(kIdColumn);
  const bool has_truth = table.has_column(kGroundTruthColumn);
  const std::size_t truth_column = has_truth ? table.column(kGroundTruthColumn) : 0;

  std::map<std::string, std::size_t> row_of_id;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const std::string& id = table.rows[r][id_column];
    ZEROLM_CHECK(!id.empty(), "{}: the ID is empty", table.where(r, id_column));
    const auto [it, inserted] = row_of_id.emplace(id, r);
    ZEROLM_CHECK(inserted, "{}: value '{}' is the ID of row {} too", table.where(r, id_column), id, it->second + 1);
  }

  // The baseline columns: every column but the ID and the ground truth.
  std::vector<std::size_t> columns;
  std::map<std::string, std::size_t> column_of_name;
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    if (c == id_column || (has_truth && c == truth_column)) continue;
    const std::string name = published_column_baseline_name(table.header[c]);
    const auto [it, inserted] = column_of_name.emplace(name, c);
    ZEROLM_CHECK(inserted, "{}: columns '{}' and '{}' both name baseline '{}'", csv_path, table.header[it->second],
                 table.header[c], name);
    columns.push_back(c);
  }

  std::vector<std::size_t> missing(table.header.size(), 0);
  for (auto& record : benchmark.records) {
    const auto found = row_of_id.find(record.id);
    ZEROLM_CHECK(found != row_of_id.end(), "{}: record {}: no row with {} {} (from {})", csv_path, record.id, kIdColumn,
                 record.id, benchmark.path);
    const std::size_t r = found->second;
    if (has_truth) {
      // The same ID must be the same trained network: its GLUE score agrees.
      const double glue = table.number(r, truth_column);
      ZEROLM_CHECK(std::abs(glue - record.ground_truth) <= 1e-9 * std::max(1.0, std::abs(record.ground_truth)),
                   "{}: value {} differs from record {}'s {} {} in {}", table.where(r, truth_column),
                   table.rows[r][truth_column], record.id, benchmark.ground_truth_name, record.ground_truth,
                   benchmark.path);
    }
    for (const std::size_t c : columns) {
      if (table.rows[r][c].empty()) {
        ++missing[c];
        continue;
      }
      record.baselines[published_column_baseline_name(table.header[c])] = table.number(r, c);
    }
  }

  benchmark.baseline_names.clear();
  for (const std::size_t c : columns) {
    const std::string name = published_column_baseline_name(table.header[c]);
    if (missing[c] == 0) {
      benchmark.baseline_names.push_back(name);
    } else {
      fmt::print(stderr, "zerolm: {}: column '{}' has no value in {} of {} records; baseline {} is left out\n",
                 csv_path, table.header[c], missing[c], benchmark.records.size(), name);
    }
  }
  std::sort(benchmark.baseline_names.begin(), benchmark.baseline_names.end());
}

BenchmarkReader nas_bench_bert_upstream_reader() {
  return {
      "nas-bench-bert-upstream",
      "NAS-Bench-BERT as published (BERT_benchmark.json: hparams.model_hparam_overrides.nas_config, scores.glue; "
      "published proxies from BERT_results_activation.csv beside it or --baselines)",
      "flexibert",
      "paper",
      "scores.glue",
      false,
      [](const nlohmann::json& r) { return r.contains("hparams") && r.contains("scores"); },
      glue_of,
      nullptr,  // a file, not a folder
      nullptr,
      architecture_of,
      [](Benchmark& benchmark
, const std::string& baselines_file) {
        std::string csv = baselines_file;
        if (csv.empty()) {
          const auto beside = std::filesystem::path(benchmark.path).parent_path() / kCsvBeside;
          std::error_code ec;
          if (!std::filesystem::is_regular_file(beside, ec)) return;  // no published proxies: rank shows none
          csv = beside.string();
        }
        read_published_proxy_csv(benchmark, csv);
      },
  };
}

}  // namespace zerolm
