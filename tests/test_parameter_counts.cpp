// Exact parameter accounting against the counts the benchmarks' authors published.
#include <catch2/catch.hpp>

#include "engine/benchmarks/benchmark_file.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;

namespace {
std::int64_t count_role(const ModelSpec& spec, Role role) { return spec.parameters_with_role(role); }
}  // namespace

TEST_CASE("paper protocol: total parameters equal published number_of_parameters on every record",
          "[params][benchmark]") {
  ZEROLM_REQUIRE_BENCHMARK(path, "nas-bench-bert/architectures.json");
  const Benchmark b = load_benchmark(path, "paper");
  REQUIRE(b.records.size() == 350);
  ModelSpec spec;
  int mismatches = 0;
  for (const auto& r : b.records) {
    b.space->lower(r.architecture, spec);
    const auto published = static_cast<std::int64_t>(r.raw["published_proxies"]["number_of_parameters"].get<double>());
    if (spec.total_parameters() != published) {
      ++mismatches;
      UNSCOPED_INFO("record " << r.id << ": " << spec.total_parameters() << " vs " << published);
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("pytorch and trained protocols count the record's own sizes", "[params][benchmark]") {
  ZEROLM_REQUIRE_BENCHMARK(path, "nas-bench-bert/architectures.json");
  const Benchmark paper = load_benchmark(path, "paper");
  const Benchmark pytorch = load_benchmark(path, "pytorch");
  const Benchmark trained = load_benchmark(path, "trained");
  ModelSpec a, b, c;
  for (std::size_t i = 0; i < paper.records.size(); ++i) {
    paper.space->lower(paper.records[i].architecture, a);
    pytorch.space->lower(pytorch.records[i].architecture, b);
    trained.space->lower(trained.records[i].architecture, c);
    const auto& raw = paper.records[i].raw;
    // With H = 256 and every F = 1024 the pytorch network is the paper network.
    bool library_sizes = raw["hidden_size"] == 256;
    for (const auto& l : raw["encoder_layers"]) library_sizes = library_sizes && l["feed_forward_dimension"] == 1024;
    if (library_sizes) CHECK(a.total_parameters() == b.total_parameters());
    CHECK(c.total_parameters() > 0);
  }
  // A hand-counted trained network: H = 128, one SA-SDP layer and one LT-DFT layer, F = 512, 1 and 3 FFN layers.
  const auto space = make_search_space("flexibert", {"trained"});
  const auto arch = space->from_json(nlohmann::json::parse(R"({"hidden_size": 128, "encoder_layers": [
    {"operation_type": "SA", "operation_parameter": "SDP", "num_operation_heads": 2,
     "feed_forward_dimension": 512, "num_feed_forward": 1},
    {"operation_type": "LT", "operation_parameter": "DFT", "num_operation_heads": 2,
     "feed_forward_dimension": 512, "num_feed_forward": 3}]})"));
  space->lower(arch, c);
  const std::int64_t embeddings = (30522 + 512 + 2) * 128 + 2 * 128;  // E = H: no projection
  const std::int64_t sa = 4 * (128 * 128 + 128) + 2 * 128;
  const std::int64_t lt = 2 * (128 * 128 + 128) + 2 * 128;
  const std::int64_t ffn1 = (128 * 512 + 512) + (512 * 128 + 128) + 2 * 128;  // I = 4H = 512
  const std::int64_t ffn3 = (128 * 512 + 512) + 2 * (512 * 512 + 512) + (512 * 128 + 128) + 2 * 128;
  CHECK(c.total_parameters() == embeddings + sa + lt + ffn1 + ffn3);
}

TEST_CASE("LTS GPT-2: attention, FFN, non-embedding, embedding and total equal the published params",
          "[params][benchmark]") {
  ZEROLM_REQUIRE_BENCHMARK(path, "lts-gpt2/wt103.json");
  const Benchmark b = load_benchmark(path);
  REQUIRE(b.records.size() == 200);
  ModelSpec spec;
  int mismatches = 0;
  for (const auto& r : b.records) {
    b.space->lower(r.architecture, spec);
    const auto& p = r.raw["params"];
    const auto attention = count_role(spec, Role::attention);
    const auto ffn = count_role(spec, Role::ffn);
    const auto non_embedding = spec.total_parameters() - count_role(spec, Role::embedding);
    auto published = [&](const char* key) { return static_cast<std::int64_t>(p[key].get<double>()); };
    const bool ok = attention == published("Attn") && ffn == published("FFN") &&
                    non_embedding == published("nonembedding") && spec.total_parameters() == published("total");
    if (!ok) {
      ++mismatches;
      UNSCOPED_INFO("record " << r.id << ": attn " << attention << " ffn " << ffn << " nonemb " << non_embedding
                              << " total " << spec.total_parameters() << " vs " << p.dump());
    }
  }
  CHECK(mismatches == 0);
}

TEST_CASE("HW-GPT-Bench: total parameters equal the published params", "[params][benchmark]") {
  ZEROLM_REQUIRE_BENCHMARK(path, "hwgpt-latency/h100.json");
  const Benchmark b = load_benchmark(path);
  REQUIRE(b.records.size() == 7000);
  ModelSpec spec;
  int mismatches = 0;
  for (const auto& r : b.records) {
    b.space->lower(r.architecture, spec);
    if (spec.total_parameters() != r.raw["params"].get<std::int64_t>()) ++mismatches;
  }
  CHECK(mismatches == 0);
}
