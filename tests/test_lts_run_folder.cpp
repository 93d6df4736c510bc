// LTS/archai run folders read as published (engine/benchmarks/lts_run_folder.cpp):
// exact counts against params_summary.yaml under the backbone the authors counted,
// the protocol check, archai's conventions, and bad folders.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/benchmarks/published_counts.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "search_spaces/gpt2/gpt2.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;
using Catch::Matchers::Contains;

namespace {

namespace fs = std::filesystem;

// Attention, FFN, non-embedding and total of every record against params_summary.yaml.
int count_mismatches(const Benchmark& b) {
  ModelSpec spec;
  int mismatches = 0;
  for (const auto& r : b.records) {
    b.space->lower(r.architecture, spec);
    const auto& p = r.raw["params"];
    auto published = [&](const char* key) { return static_cast<std::int64_t>(p[key].get<double>()); };
    const auto attention = spec.parameters_with_role(Role::attention);
    const auto ffn = spec.parameters_with_role(Role::ffn);
    const auto non_embedding = spec.total_parameters() - spec.parameters_with_role(Role::embedding);
    const bool ok = attention == published("Attn") && ffn == published("FFN") &&
                    non_embedding == published("nonembedding") && spec.total_parameters() == published("total");
    if (!ok) {
      ++mismatches;
      UNSCOPED_INFO("record " << r.id << ": attn " << attention << " ffn " << ffn << " nonemb " << non_embedding
                              << " total " << spec.total_parameters() << " vs " << p.dump());
    }
  }
  return mismatches;
}

class TempFolder {
 public:
  TempFolder() {
    std::random_device device;
    path_ = fs::temp_directory_path() /
            ("zerolm_test_lts_" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + "_" +
             std::to_string(device()));
    fs::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const fs::path& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream out(path_ / name, std::ios::binary);
    out << text;
    REQUIRE(out.good());
  }

 private:
  fs::path path_;
};

// A small run folder: the first `jobs` records of config_0 of an upstream folder,
// with their lines of ppl_summary.yaml and params_summary.yaml.
void copy_records(const std::string& upstream, const TempFolder& to, int jobs) {
  nlohmann::json ppl = parse_yaml(read_text_file(upstream + "/ppl_summary.yaml"), "ppl");
  nlohmann::json params = parse_yaml(read_text_file(upstream + "/params_summary.yaml"), "params");
  nlohmann::json ppl_out = nlohmann::json::object(), params_out = nlohmann::json::object();
  for (int j = 0; j < jobs; ++j) {
    const std::string id = "config_0_j" + std::to_string(j);
    const std::string rel = "config_0/j" + std::to_string(j) + "/model_config.yaml";
    to.write(rel, read_text_file(upstream + "/" + rel));
    ppl_out[id] = ppl[id];
    params_out[id] = params[id];
  }
  to.write("ppl_summary.yaml", dump_yaml(ppl_out));
  to.write("params_summary.yaml", dump_yaml(params_out));
}

std::string load_error(const std::string& path, const std::string& protocol = "") {
  try {
    (void)load_benchmark(path, protocol);
  } catch (const Error& e) {
    return e.message();
  }
  FAIL("load_benchmark(" << path << ") did not throw zerolm::Error");
  return {};
}

}  // namespace

TEST_CASE("LTS run folder, GPT-2 on WikiText-103: every record's counts equal params_summary.yaml (lts)",
          "[params][benchmark][lts]") {
  ZEROLM_REQUIRE_BENCHMARK(path, "upstream/lts/random_GPT2_wt103");
  const Benchmark b = load_benchmark(path);
  CHECK(b.reader->name == "lts-run");
  CHECK(b.space->protocol() == "lts");
  REQUIRE(b.records.size() == 200);
  CHECK(b.records.front().id == "config_0_j0");
  CHECK(count_mismatches(b) == 0);
  // Ground truth oriented as the converted file's reader does it, and LPZero's 16 proxies.
  CHECK(b.records.front().ground_truth == Approx(-45.022968707221274));
  CHECK(b.baseline_names.size() == 16);
  CHECK(b.records.front().baselines.at("synflow") == Approx(9075712.464689538));
}

TEST_CASE("LTS run folder and the converted JSON give the same architectures and ground truth", "[benchmark][lts]") {
  ZEROLM_REQUIRE_BENCHMARK(folder, "upstream/lts/random_GPT2_wt103");
  ZEROLM_REQUIRE_BENCHMARK(file, "lts-gpt2/wt103.json");
  const Benchmark a = load_benchmark(folder), b = load_benchmark(file);
  REQUIRE(a.records.size() == b.records.size());
  std::map<std::string, const BenchmarkRecord*> by_id;
  for (const auto& r : b.records) by_id[r.id] = &r;
  int differ = 0;
  for (const auto& r : a.records) {
    REQUIRE(by_id.count(r.id) == 1);
    if (!(r.architecture == by_id[r.id]->architecture) || r.ground_truth != by_id[r.id]->ground_truth) ++differ;
  }
  CHECK(differ == 0);
}

TEST_CASE("LTS Pareto set, GPT-2 on LM1B (TitanXP): counts equal params_summary.yaml under lts, d_embed -1 read",
          "[params][benchmark][lts]") {
  ZEROLM_REQUIRE_BENCHMARK(path, "upstream/lts/pareto_GPT2_lm1b_titanxp");
  const Benchmark b = load_benchmark(path);
  // 39 models; M18 has no perplexity in ppl_summary.yaml and is skipped.
  REQUIRE(b.records.size() == 38);
  CHECK(count_mismatches(b) == 0);
  const auto& first = b.records.front();
  CHECK(first.id == "M1");
  CHECK(first.ground_truth == Approx(-73.68852777901064));  // a plain number per model
  CHECK(first.raw["latency_ms"].get<double>() == Approx(7.670659897848964));
  CHECK(first.raw["memory_mb"].get<double>() == Approx(249.4716796875));
  const auto& gpt2 = dynamic_cast<const Gpt2Space&>(*b.space);
  CHECK(gpt2.decode(first.architecture).adaptive_embedding.d_embed == 256);  // d_embed -1 = d_model
}

TEST_CASE("LTS run folder, Transformer-XL on WikiText-103: every record's counts equal params_summary.yaml (transxl)",
          "[params][benchmark][lts][transxl]") {
  ZEROLM_REQUIRE_BENCHMARK(path, "upstream/lts/random_TransXL_wt103");
  const Benchmark b = load_benchmark(path, "transxl");
  REQUIRE(b.records.size() == 200);
  CHECK(count_mismatches(b) == 0);
  CHECK(b.baseline_names.empty());  // this folder publishes no proxies
}

TEST_CASE("the counts name the backbone: each folder is reproduced by its protocol only", "[benchmark][lts]") {
  ZEROLM_REQUIRE_BENCHMARK(gpt2_path, "upstream/lts/random_GPT2_wt103");
  ZEROLM_REQUIRE_BENCHMARK(txl_path, "upstream/lts/random_TransXL_wt103");
  auto reproduced = [](const std::string& path) {
    std::map<std::string, std::size_t> out;
    for (const auto& c : check_published_counts_all(load_benchmark(path))) out[c.protocol] = c.reproduced;
    return out;
  };
  const auto gpt2 = reproduced(gpt2_path), txl = reproduced(txl_path);
  CHECK(gpt2.at("lts") == 200);
  CHECK(gpt2.at("transxl") == 0);
  CHECK(txl.at("transxl") == 200);
  CHECK(txl.at("lts") == 0);
  CHECK_FALSE(check_published_counts(load_benchmark(txl_path)).all());  // read under the default lts
  CHECK(check_published_counts(load_benchmark(txl_path, "transxl")).all());
}

TEST_CASE("archai's conventions in model_config.yaml", "[benchmark][lts]") {
  const Gpt2Space txl(Gpt2Protocol::transxl), lts(Gpt2Protocol::lts);
  nlohmann::json config = nlohmann::json::parse(R"({"n_layer": 2, "d_model": 128, "n_head": 4,
    "d_inner": [300, 400, 500], "d_head": -1, "d_embed": -1, "div_val": 2, "n_token": 1000,
    "cutoffs": [200, 600, 1000, 1200], "tie_weight": true, "tie_projs": [false, true, false, true]})");
  const nlohmann::json record{{"config", config}};
  const Gpt2Architecture a = txl.decode(txl.from_record(record));
  REQUIRE(a.layers.size() == 2);  // the longer d_inner list is cut
  CHECK(a.layers[0] == Gpt2Layer{4, 300});
  CHECK(a.layers[1] == Gpt2Layer{4, 400});  // scalar n_head for every layer
  CHECK(a.adaptive_embedding.d_embed == 128);
  CHECK(a.adaptive_embedding.cutoffs == std::vector<std::int64_t>{200, 600, 1000});  // cut at n_token
  CHECK(a.adaptive_embedding.untied_projections == 0b101U);
  ModelSpec spec;
  txl.lower(txl.from_record(record), spec);
  // Attention per layer: qkv 3D^2, r_net D^2, o_net D^2, r_w_bias and r_r_bias 2D.
  CHECK(spec.parameters_with_role(Role::attention) == 2 * (5 * 128 * 128 + 2 * 128));
  // Untied softmax projections of clusters 0 and 2: D x 128 and D x 32.
  std::int64_t out_projections = 0;
  for (const auto& t : spec.tensors()) {
    if (t.name.starts_with("crit.out_projs.")) out_projections += t.numel();
  }
  CHECK(out_projections == 128 * 128 + 128 * 32);
  // A positive d_head other than d_model / n_head is not in the space: refused by name.
  config["d_head"] = 16;
  CHECK_THROWS_WITH(txl.from_record({{"config", config}}), Contains("config.d_head") && Contains("16"));
  // HfGPT2Flex ignores d_head (its heads always split d_model).
  CHECK_NOTHROW(lts.from_record({{"config", config}}));
  config["d_head"] = -1;
  config["tie_projs"] = {false};
  CHECK_THROWS_WITH(txl.from_record({{"config", config}}), Contains("tie_projs") && Contains("3 clusters"));
  // Non-default options survive the JSON round trip.
  config["tie_projs"] = {false, false, true};
  config["tie_weight"] = false;
  config["pre_lnorm"] = true;
  config["weight_init_std"] = 0.01;
  const Architecture options = txl.from_record({{"config", config}});
  CHECK(txl.from_json(txl.to_json(options)) == options);
  const Gpt2Architecture o = txl.decode(options);
  CHECK(o.pre_lnorm);
  CHECK_FALSE(o.adaptive_embedding.tie_weight);
  CHECK(o.weight_init_std == 0.01);
}

TEST_CASE("bad LTS run folders: one error naming the file and the record", "[benchmark][lts][errors]") {
  ZEROLM_REQUIRE_BENCHMARK(upstream, "upstream/lts/random_GPT2_wt103");
  SECTION("a missing summary") {
    TempFolder f;
    copy_records(upstream, f, 3);
    fs::remove(f.path() / "params_summary.yaml");
    f.write("ppl_summary.yaml", read_text_file((f.path() / "ppl_summary.yaml").string()));
    const std::string message = load_error(f.path().string());
    CHECK_THAT(message, Contains("params_summary.yaml") && Contains("missing"));
  }
  SECTION("a record missing a field") {
    TempFolder f;
    copy_records(upstream, f, 3);
    nlohmann::json params = parse_yaml(read_text_file((f.path() / "params_summary.yaml").string()), "p");
    params["config_0_j1"].erase("FFN");
    f.write("params_summary.yaml", dump_yaml(params));
    CHECK_THAT(load_error(f.path().string()),
               Contains("params_summary.yaml") && Contains("config_0_j1") && Contains("'FFN'"));
  }
  SECTION("a record missing from params_summary.yaml") {
    TempFolder f;
    copy_records(upstream, f, 3);
    nlohmann::json params = parse_yaml(read_text_file((f.path() / "params_summary.yaml").string()), "p");
    params.erase("config_0_j2");
    f.write("params_summary.yaml", dump_yaml(params));
    CHECK_THAT(load_error(f.path().string()), Contains("params_summary.yaml") && Contains("config_0_j2"));
  }
  SECTION("a model_config.yaml missing a field") {
    TempFolder f;
    copy_records(upstream, f, 3);
    nlohmann::json config = parse_yaml(read_text_file((f.path() / "config_0/j1/model_config.yaml").string()), "config");
    config.erase("n_layer");
    f.write("config_0/j1/model_config.yaml", dump_yaml(config));
    CHECK_THAT(load_error(f.path().string()),
               Contains("config_0/j1/model_config.yaml") && Contains("config_0_j1") && Contains("n_layer"));
  }
  SECTION("a YAML that is not a mapping") {
    TempFolder f;
    copy_records(upstream, f, 3);
    f.write("config_0/j2/model_config.yaml", "- 1\n- 2\n");
    CHECK_THAT(load_error(f.path().string()), Contains("config_0/j2/model_config.yaml") && Contains("mapping"));
    f.write("config_0/j2/model_config.yaml", read_text_file(upstream + "/config_0/j2/model_config.yaml"));
    f.write("ppl_summary.yaml", "just text\n");
    CHECK_THAT(load_error(f.path().string()), Contains("ppl_summary.yaml") && Contains("mapping"));
  }
  SECTION("records without ground truth are skipped; none at all is an error") {
    TempFolder f;
    copy_records(upstream, f, 3);
    nlohmann::json ppl = parse_yaml(read_text_file((f.path() / "ppl_summary.yaml").string()), "p");
    ppl.erase("config_0_j0");
    f.write("ppl_summary.yaml", dump_yaml(ppl));
    CHECK(load_benchmark(f.path().string()).records.size() == 2);
    f.write("ppl_summary.yaml", "{}\n");
    CHECK_THAT(load_error(f.path().string()), Contains("no record has ground truth"));
  }
}
