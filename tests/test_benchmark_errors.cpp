// load_benchmark on malformed files: every error is a zerolm::Error whose message
// names the file and, for a bad record, the record id, the field and the value.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/core/error.hpp"

namespace zerolm {

namespace {

using Catch::Matchers::Contains;

// A fresh folder under the system temp folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::random_device device;
    const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = std::filesystem::temp_directory_path() /
            ("zerolm_test_benchmark_errors_" + std::to_string(ticks) + "_" + std::to_string(device()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `text` to a file of that name in the folder and returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::ofstream out(file, std::ios::binary);
    out << text;
    REQUIRE(out.good());
    return file.string();
  }
  std::string path_of(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The message of the zerolm::Error that load_benchmark throws; fails the test when
// it does not throw. Other exception types propagate and fail the test too.
std::string load_error(const std::string& path, const std::string& protocol = "") {
  try {
    (void)load_benchmark(path, protocol);
  } catch (const Error& e) {
    return e.message();
  }
  FAIL("load_benchmark(" << path << ", '" << protocol << "') did not throw zerolm::Error");
  return {};
}

// One valid NAS-Bench-BERT encoder layer.
std::string bert_layer(const std::string& type = "SA", const std::string& parameter = "\"SDP\"") {
  return R"({"operation_type": ")" + type + R"(", "operation_parameter": )" + parameter +
         R"(, "num_operation_heads": 2, "feed_forward_dimension": 512, "num_feed_forward": 1})";
}

// A NAS-Bench-BERT record with two layers; `hidden` and `layer0` and `scores` as given.
std::string bert_record(const std::string& id, int hidden, const std::string& layer0, const std::string& scores) {
  return R"({"id": )" + id + R"(, "hidden_size": )" + std::to_string(hidden) + R"(, "encoder_layers": [)" + layer0 +
         ", " + bert_layer("LT", "\"DCT\"") + "]" + (scores.empty() ? "" : ", \"scores\": " + scores) + "}";
}

const char* const kValidRecord0 =
    R"({"id": "a", "hidden_size": 128, "encoder_layers": [
         {"operation_type": "SA", "operation_parameter": "WMA", "num_operation_heads": 4,
          "feed_forward_dimension": 1024, "num_feed_forward": 3},
         {"operation_type": "DSC", "operation_parameter": 9, "num_operation_heads": 2,
          "feed_forward_dimension": 512, "num_feed_forward": 1}],
       "scores": {"cola": 40.0, "glue": 70.5},
       "published_proxies": {"number_of_parameters": 1000.0, "synflow": 3.5}})";
const char* const kValidRecord1 =
    R"({"id": "b", "hidden_size": 256, "encoder_layers": [
         {"operation_type": "LT", "operation_parameter": "DFT", "num_operation_heads": 2,
          "feed_forward_dimension": 512, "num_feed_forward": 1},
         {"operation_type": "SA", "operation_parameter": "SDP", "num_operation_heads": 4,
          "feed_forward_dimension": 512, "num_feed_forward": 3},
         {"operation_type": "DSC", "operation_parameter": "5", "num_operation_heads": 4,
          "feed_forward_dimension": 1024, "num_feed_forward": 1},
         {"operation_type": "LT", "operation_parameter": "DCT", "num_operation_heads": 2,
          "feed_forward_dimension": 1024, "num_feed_forward": 3}],
       "scores": {"glue": 80.25},
       "published_proxies": {"number_of_parameters": 2000.0, "synflow": null}})";

}  // namespace

TEST_CASE("load_benchmark: file-level errors name the file", "[benchmarks][errors]") {
  const TempDir dir;

  SECTION("missing file") {
    const std::string path = dir.path_of("does_not_exist.json");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("cannot open"));
  }
  SECTION("malformed JSON") {
    const std::string path = dir.write("malformed.json", R"([{"id": 0, "hidden_size": 128,)");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("malformed JSON"));
  }
  SECTION("not a list") {
    const std::string path = dir.write("object.json", R"({"id": 0, "hidden_size": 128})");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("list") && Contains("object"));
  }
  SECTION("empty list") {
    const std::string path = dir.write("empty.json", "[]");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("no records"));
  }
  SECTION("unknown format") {
    const std::string path = dir.write("unknown.json", R"([{"id": 0, "layers": 12, "accuracy": 0.5}])");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("unknown benchmark format"));
  }
  SECTION("first record not an object") {
    const std::string path = dir.write("numbers.json", "[1, 2, 3]");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("record 0"));
  }
  SECTION("unknown protocol") {
    const std::string path = dir.write("valid.json", std::string("[") + kValidRecord0 + "]");
    const std::string message = load_error(path, "nope");
    CHECK_THAT(message, Contains(path) && Contains("protocol") && Contains("'nope'"));
  }
}

TEST_CASE("load_benchmark: record errors name the file, record, field and value", "[benchmarks][errors]") {
  const TempDir dir;

  SECTION("NAS-Bench-BERT: unknown operation_type") {
    const std::string path = dir.write(
        "bad_operation.json", std::string("[") + kValidRecord0 + ", " +
                                  bert_record("17", 128, bert_layer("XX", "\"SDP\""), R"({"glue": 70.0})") + "]");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("record 17") && Contains("encoder_layers[0].operation_type") &&
                            Contains("XX"));
  }
  SECTION("NAS-Bench-BERT: hidden_size not in the space") {
    const std::string path =
        dir.write("bad_hidden.json", "[" + bert_record("\"wide\"", 300, bert_layer(), R"({"glue": 70.0})") + "]");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("record wide") && Contains("hidden_size") && Contains("300"));
  }
  SECTION("NAS-Bench-BERT: scores without glue") {
    const std::string path = dir.write(
        "no_glue.json", std::string("[") + kValidRecord0 + ", " +
                            bert_record("\"no-glue\"", 256, bert_layer(), R"({"cola": 40.0, "mnli": 70.0})") + "]");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("record no-glue") && Contains("scores.glue") && Contains("missing"));
  }
  SECTION("NAS-Bench-BERT: no scores at all") {
    const std::string path = dir.write("no_scores.json", "[" + bert_record("5", 256, bert_layer(), "") + "]");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("record 5") && Contains("'scores'"));
  }
  SECTION("NAS-Bench-BERT: glue score not a number") {
    const std::string path =
        dir.write("text_glue.json", "[" + bert_record("6", 256, bert_layer(), R"({"glue": "high"})") + "]");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("record 6") && Contains("scores.glue") && Contains("high"));
  }
  SECTION("NAS-Bench-BERT: a record without id is named by its index") {
    std::string second = bert_record("0", 128, bert_layer("XX", "\"SDP\""), R"({"glue": 1.0})");
    second.replace(second.find(R"("id": 0, )"), std::string(R"("id": 0, )").size(), "");
    const std::string path = dir.write("no_id.json", std::string("[") + kValidRecord0 + ", " + second + "]");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("record 1") && Contains("operation_type") && Contains("XX"));
  }
  SECTION("LTS GPT-2: n_head shorter than n_layer") {
    const std::string path = dir.write("short_heads.json", R"([
      {"id": "config_bad", "valid_ppl": 40.0,
       "config": {"n_layer": 3, "d_model": 128, "n_head": [2, 4], "d_inner": [512, 512, 512],
                  "d_embed": 128, "div_val": 1, "n_token": 1000, "cutoffs": [1000], "adaptive": true}}])");
    const std::string message = load_error(path);
    CHECK_THAT(message, Contains(path) && Contains("record config_bad") && Contains("config.n_head") &&
                            Contains("2 entries") && Contains("n_layer 3"));
  }
}

TEST_CASE("load_benchmark: a minimal valid NAS-Bench-BERT file", "[benchmarks]") {
  const TempDir dir;
  const std::string path = dir.write("valid.json", std::string("[") + kValidRecord0 + ",\n" + kValidRecord1 + "]");
  const Benchmark benchmark = load_benchmark(path);
  CHECK(benchmark.path == path);
  CHECK(benchmark.reader->name == "nas-bench-bert");
  CHECK(benchmark.ground_truth_name == "scores.glue");
  REQUIRE(benchmark.space != nullptr);
  CHECK(benchmark.space->name() == "flexibert");
  CHECK(benchmark.space->protocol() == "paper");
  REQUIRE(benchmark.records.size() == 2);
  CHECK(benchmark.records[0].id == "a");
  CHECK(benchmark.records[1].id == "b");
  CHECK(benchmark.records[0].ground_truth == 70.5);
  CHECK(benchmark.records[1].ground_truth == 80.25);
  // The architectures round-trip through the space's canonical JSON.
  const auto first = benchmark.space->to_json(benchmark.records[0].architecture);
  CHECK(first["hidden_size"] == 128);
  CHECK(first["encoder_layers"].size() == 2);
  CHECK(benchmark.space->to_json(benchmark.records[1].architecture)["encoder_layers"].size() == 4);
  // A baseline counts only when every record has a number for it (synflow is null in b).
  REQUIRE(benchmark.baseline_names.size() == 1);
  CHECK(benchmark.baseline_names[0] == "number_of_parameters");
  CHECK(benchmark.records[1].baselines.at("number_of_parameters") == 2000.0);

  SECTION("another protocol of the same space") {
    const Benchmark trained = load_benchmark(path, "trained");
    CHECK(trained.space->protocol() == "trained");
    CHECK(trained.records.size() == 2);
  }
}

}  // namespace zerolm
