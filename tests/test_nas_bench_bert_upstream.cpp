// NAS-Bench-BERT as its authors publish it (upstream/nas-bench-bert): the records
// read into exactly the converted file's architectures, GLUE scores and published
// proxies; the paper totals against the CSV's Number of Parameters; and bad files
// (records, shapes, ids, CSV rows) each give one error naming file, record and field.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/benchmarks/csv_table.hpp"
#include "engine/benchmarks/nas_bench_bert_upstream.hpp"
#include "engine/core/error.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;
using Catch::Matchers::Contains;

namespace {

class TempDir {
 public:
  TempDir() {
    std::random_device device;
    const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("zerolm_test_bert_upstream_" + std::to_string(ticks) + "_" + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::ofstream out(file, std::ios::binary);
    out << text;
    REQUIRE(out.good());
    return file.string();
  }

 private:
  std::filesystem::path path_;
};

std::string load_error(const std::string& path, const BenchmarkOptions& options = {}) {
  try {
    (void)load_benchmark(path, options);
  } catch (const Error& e) {
    return e.message();
  }
  FAIL("load_benchmark(" << path << ") did not throw zerolm::Error");
  return {};
}

std::string csv_error(const std::string& text) {
  try {
    (void)parse_csv_table(text, "t.csv");
  } catch (const Error& e) {
    return e.message();
  }
  FAIL("parse_csv_table did not throw zerolm::Error on: " << text);
  return {};
}

// A published record: {id, scores, hparams.model_hparam_overrides{hidden_size, nas_config}}.
std::string upstream_record(const std::string& id, double glue, const std::string& overrides_extra = "") {
  return R"({"id": )" + id + R"(, "completed": true, "scores": {"cola": 40.0, "glue": )" + std::to_string(glue) +
         R"(}, "hparams": {"learning_rate": 0.0005, "model_hparam_overrides": {"hidden_size": 128)" + overrides_extra +
         R"(, "nas_config": {"encoder_layers": [{"operation_type": "SA", "operation_parameter": "SDP",
         "num_operation_heads": 2, "feed_forward_dimension": 512, "num_feed_forward": 1},
         {"operation_type": "DSC", "operation_parameter": 5, "num_operation_heads": 4,
         "feed_forward_dimension": 1024, "num_feed_forward": 3}]}}}})";
}

const char* const kCsvHeader = "ID,GLUE Score,Synaptic Diversity,Number of Parameters\n";

}  // namespace

TEST_CASE("NAS-Bench-BERT upstream: every record equals the converted file's", "[benchmarks][upstream]") {
  ZEROLM_REQUIRE_BENCHMARK(upstream, "upstream/nas-bench-bert/BERT_benchmark.json");
  ZEROLM_REQUIRE_BENCHMARK(converted, "nas-bench-bert/architectures.json");
  for (const char* protocol : {"paper", "pytorch", "trained"}) {
    const Benchmark a = load_benchmark(upstream, protocol);
    const Benchmark b = load_benchmark(converted, protocol);
    CHECK(a.reader->name == "nas-bench-bert-upstream");
    CHECK(b.reader->name == "nas-bench-bert");
    CHECK(a.ground_truth_name == b.ground_truth_name);
    REQUIRE(a.records.size() == 350);
    REQUIRE(a.records.size() == b.records.size());
    // The published proxies under the converted file's names, all 15 in every record.
    CHECK(a.baseline_names == b.baseline_names);
    CHECK(a.baseline_names.size() == 15);
    std::map<std::string, const BenchmarkRecord*> by_id;
    for (const auto& r : b.records) by_id[r.id] = &r;
    int differing = 0;
    for (const auto& r : a.records) {
      const auto found = by_id.find(r.id);
      REQUIRE(found != by_id.end());
      const BenchmarkRecord& c = *found->second;
      const bool same = r.architecture == c.architecture && r.ground_truth == c.ground_truth &&
                        r.baselines == c.baselines && r.raw["scores"] == c.raw["scores"];
      if (!same) {
        ++differing;
        UNSCOPED_INFO("protocol " << protocol << ", record " << r.id << " differs");
      }
    }
    CHECK(differing == 0);
  }
}

TEST_CASE("NAS-Bench-BERT upstream: paper totals equal the CSV's Number of Parameters", "[benchmarks][upstream]") {
  ZEROLM_REQUIRE_BENCHMARK(upstream, "upstream/nas-bench-bert/BERT_benchmark.json");
  ZEROLM_REQUIRE_BENCHMARK(csv_path, "upstream/nas-bench-bert/BERT_results_activation.csv");
  const Benchmark b = load_benchmark(upstream, "paper");
  // The CSV read on its own, not through the benchmark's baselines.
  const CsvTable csv = read_csv_table(csv_path);
  const std::size_t id = csv.column("ID"), params = csv.column("Number of Parameters");
  std::map<std::string, double> published;
  for (std::size_t r = 0; r < csv.rows.size(); ++r) published[csv.rows[r][id]] = csv.number(r, params);
  REQUIRE(published.size() == b.records.size());
  ModelSpec spec;
  int mismatches = 0;
  for (const auto& r : b.records) {
    b.space->lower(r.architecture, spec);
    REQUIRE(published.count(r.id) == 1);
    if (static_cast<double>(spec.total_parameters()) != published[r.id]) {
      ++mismatches;
      UNSCOPED_INFO("record " << r.id << ": " << spec.total_parameters() << " vs " << published[r.id]);
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("NAS-Bench-BERT upstream: a minimal pair of files, --baselines and --format", "[benchmarks][upstream]") {
  const TempDir dir;
  const std::string records = "[" + upstream_record("0", 70.5) + ", " + upstream_record("7", 71.25) + "]";
  const std::string path = dir.write("BERT_benchmark.json", records);
  // Without a CSV beside it: no baselines.
  {
    const Benchmark b = load_benchmark(path);
    CHECK(b.reader->name == "nas-bench-bert-upstream");
    CHECK(b.space->protocol() == "paper");
    REQUIRE(b.records.size() == 2);
    CHECK(b.records[1].id == "7");
    CHECK(b.records[1].ground_truth == 71.25);
    CHECK(b.baseline_names.empty());
  }
  // Beside it, quoted fields included ("1,5" style text is not a number: only the header is quoted here).
  dir.write("BERT_results_activation.csv",
            "ID,\"GLUE Score\",\"Synaptic Diversity\",Number of Parameters\r\n"
            "7,71.25,0.5,2000\r\n0,70.5,\"0.25\",1000\r\n9,60,1,1\r\n");
  {
    const Benchmark b = load_benchmark(path);
    REQUIRE(b.baseline_names == std::vector<std::string>{"number_of_parameters", "synaptic_diversity"});
    CHECK(b.records[0].baselines.at("synaptic_diversity") == 0.25);
    CHECK(b.records[1].baselines.at("number_of_parameters") == 2000.0);
  }
  // --baselines names another file.
  const std::string other = dir.write("other.csv", "ID,Head Importance\n0,3\n7,4\n");
  {
    const Benchmark b = load_benchmark(path, BenchmarkOptions{"", "", other});
    REQUIRE(b.baseline_names == std::vector<std::string>{"head_importance"});
    CHECK(b.records[1].baselines.at("head_importance") == 4.0);
  }
  // A missing value drops that baseline only (reported on stderr).
  {
    const std::string gaps = dir.write("gaps.csv", "ID,A b,C\n0,,1\n7,2,3\n");
    const Benchmark b = load_benchmark(path, BenchmarkOptions{"", "", gaps});
    CHECK(b.baseline_names == std::vector<std::string>{"c"});
    CHECK(b.records[1].baselines.at("a_b") == 2.0);
  }
  // --format forces a reader: the converted reader cannot read these records.
  CHECK_THAT(load_error(path, BenchmarkOptions{"", "nas-bench-bert", ""}),
             Contains("record 0") && Contains("hidden_size"));
  CHECK_THAT(load_error(path, BenchmarkOptions{"", "nonesuch", ""}),
             Contains("--format") && Contains("nonesuch") && Contains("nas-bench-bert-upstream"));
  CHECK(load_benchmark(path, BenchmarkOptions{"", "nas-bench-bert-upstream", ""}).records.size() == 2);
  // --baselines on a format that keeps its proxies in the records.
  ZEROLM_REQUIRE_BENCHMARK(converted, "nas-bench-bert/architectures.json");
  CHECK_THAT(load_error(converted, BenchmarkOptions{"", "", other}),
             Contains("--baselines") && Contains("nas-bench-bert"));
}

TEST_CASE("NAS-Bench-BERT upstream: bad records name the file, record and field", "[benchmarks][upstream][errors]") {
  const TempDir dir;
  const auto error_of = [&](const std::string& text) { return load_error(dir.write("b.json", text)); };
  // A record missing a field.
  std::string no_nas = upstream_record("1", 70.0);
  no_nas.replace(no_nas.find("\"nas_config\""), 12, "\"nas_cfg\"");
  CHECK_THAT(
      error_of("[" + upstream_record("0", 70.0) + ", " + no_nas + "]"),
      Contains("b.json: record 1") && Contains("hparams.model_hparam_overrides.nas_config") && Contains("missing"));
  std::string no_hidden = upstream_record("3", 70.0);
  no_hidden.replace(no_hidden.find("\"hidden_size\""), 13, "\"width\"");
  CHECK_THAT(error_of("[" + no_hidden + "]"),
             Contains("record 3") && Contains("hparams.model_hparam_overrides.hidden_size"));
  std::string no_glue = upstream_record("4", 70.0);
  no_glue.replace(no_glue.find("\"glue\""), 6, "\"gleu\"");
  CHECK_THAT(error_of("[" + upstream_record("0", 70.0) + ", " + no_glue + "]"),
             Contains("record 4") && Contains("scores.glue") && Contains("missing"));
  // Not the expected shape.
  CHECK_THAT(error_of(R"({"records": []})"), Contains("b.json") && Contains("list of records"));
  CHECK_THAT(error_of("[" + upstream_record("0", 70.0) + R"(, {"id": 5, "scores": {"glue": 1}, "hparams": [1]}])"),
             Contains("record 5") && Contains("'hparams'") && Contains("not an object"));
  CHECK_THAT(error_of("[" + upstream_record("0", 70.0) + ", 17]"),
             Contains("record 1") && Contains("not a JSON object"));
  // A bad layer inside nas_config names it.
  std::string bad_op = upstream_record("6", 70.0);
  bad_op.replace(bad_op.find("\"SA\""), 4, "\"XX\"");
  CHECK_THAT(error_of("[" + bad_op + "]"), Contains("record 6") && Contains("nas_config") && Contains("XX"));
  // Duplicate ids.
  CHECK_THAT(error_of("[" + upstream_record("2", 70.0) + ", " + upstream_record("2", 71.0) + "]"),
             Contains("b.json: record 2") && Contains("field 'id'") && Contains("earlier record"));
}

TEST_CASE("NAS-Bench-BERT upstream: bad CSV files name file, row, column and value", "[benchmarks][upstream][errors]") {
  const TempDir dir;
  const std::string path =
      dir.write("BERT_benchmark.json", "[" + upstream_record("0", 70.5) + ", " + upstream_record("1", 71.0) + "]");
  const auto error_with = [&](const std::string& csv) {
    return load_error(path, BenchmarkOptions{"", "", dir.write("p.csv", csv)});
  };
  CHECK_THAT(error_with(std::string(kCsvHeader) + "0,70.5,0.5,100\n1,71,abc,200\n"),
             Contains("p.csv: row 2 (line 3), column 'Synaptic Diversity'") && Contains("'abc'") &&
                 Contains("not a finite number"));
  CHECK_THAT(error_with(std::string(kCsvHeader) + "0,70.5,0.5,100\n1,71,0.5\n"),
             Contains("p.csv: row 2 (line 3) has 3 columns; the header has 4"));
  CHECK_THAT(error_with(std::string(kCsvHeader) + "0,70.5,0.5,100\n1,71,\"0.5,200\n"),
             Contains("p.csv: line 3") && Contains("never closed"));
  CHECK_THAT(error_with(std::string(kCsvHeader) + "0,70.5,\"0.5\"x,100\n1,71,0.5,200\n"),
             Contains("p.csv: line 2, field 3") && Contains("after the closing quote"));
  CHECK_THAT(error_with(std::string(kCsvHeader) + "0,70.5,0.5,100\n"),
             Contains("p.csv: record 1") && Contains("no row with ID 1"));
  CHECK_THAT(error_with(std::string(kCsvHeader) + "0,70.5,0.5,100\n0,70.5,0.5,100\n1,71,1,1\n"),
             Contains("row 2 (line 3), column 'ID'") && Contains("row 1 too"));
  CHECK_THAT(error_with(std::string(kCsvHeader) + "0,70.5,0.5,100\n1,55,0.5,200\n"),
             Contains("row 2 (line 3), column 'GLUE Score'") && Contains("record 1"));
  CHECK_THAT(error_with("Name,Synaptic Diversity\n0,1\n"), Contains("p.csv: column 'ID' is missing"));
  CHECK_THAT(error_with(std::string(kCsvHeader) + "0,70.5,nan,100\n1,71,1,1\n"),
             Contains("column 'Synaptic Diversity'") && Contains("'nan'"));
  CHECK_THAT(error_with(std::string(kCsvHeader) + "0,70.5, 1,100\n1,71,1,1\n"), Contains("' 1'"));
  CHECK_THAT(error_with(""), Contains("p.csv") && Contains("empty"));
  CHECK_THAT(load_error(path, BenchmarkOptions{"", "", "/nonexistent/none.csv"}), Contains("/nonexistent/none.csv"));
}

TEST_CASE("csv table: quoting as RFC 4180", "[benchmarks][csv]") {
  const CsvTable t = parse_csv_table("a,\"b \"\"x\"\"\",c\n1,\"2,5\",\"line\nbreak\"\n3,4,5", "t.csv");
  REQUIRE(t.header == std::vector<std::string>{"a", "b \"x\"", "c"});
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0][1] == "2,5");
  CHECK(t.rows[0][2] == "line\nbreak");
  CHECK(t.lines == std::vector<std::size_t>{2, 4});
  CHECK(t.rows[1][2] == "5");
  CHECK_THAT(csv_error("a,b\n1,2\n\n"), Contains("row 2 (line 3) has 1 columns"));
  CHECK_THAT(csv_error("a,a\n1,2\n"), Contains("column 'a' is named twice"));
  CHECK_THAT(csv_error("a,b\n1,x\"y\n"), Contains("line 2, field 2") && Contains("quote inside"));
  CHECK(published_column_baseline_name("Head Softmax Confidence Normalized") == "head_softmax_confidence_normalized");
}
