// The cost registry: every entry measured on every space, the two costs added
// through it (flops, kv_cache) against hand counts of published models, and
// configs that name any subset of costs as objectives and windows in every
// strategy.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "engine/config/architecture_files.hpp"
#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/core/random.hpp"
#include "engine/runs/stored_search.hpp"
#include "engine/search/exact_search.hpp"
#include "engine/store/run_store.hpp"
#include "kernels/weight_statistics.hpp"
#include "proxies/zerolm_proxy.hpp"

using namespace zerolm;
namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

std::shared_ptr<CostModel> default_cost(const std::string& name, const SearchSpace& space) {
  return cost_registry().at(name).make(nullptr, space);
}

Architecture tinyllama(const SearchSpace& space) {
  const auto file = read_architecture_file(
      std::string(ZEROLM_SOURCE_DIR) + "/tests/data/hf/tinyllama-1.1b-chat-v1.0.json", &space, true);
  REQUIRE(file.architectures.size() == 1);
  return file.architectures[0];
}

fs::path temporary(const std::string& name) {
  const auto path = fs::temp_directory_path() / fmt::format("zerolm-costs-{}-{}", ::getpid(), name);
  fs::remove_all(path);
  return path;
}

SearchRunConfig config_from(const std::string& text) {
  const auto file = temporary("config.yaml");
  {
    std::ofstream out(file);
    out << text;
  }
  auto c = load_search_config(file.string());
  fs::remove(file);
  return c;
}

}  // namespace

TEST_CASE("costs: every registry entry with its defaults measures every space's default sample", "[costs][registry]") {
  for (const auto& space_name : search_space_names()) {
    const auto space = make_search_space(space_name, {});
    for (const CostDescriptor& d : cost_registry()) {
      INFO(space_name << " / " << d.name);
      CHECK(!d.description.empty());
      CHECK(!d.words.empty());
      if (!d.needs_section.empty()) {
        CHECK(d.make(nullptr, *space) == nullptr);  // latency and memory need their model
        continue;
      }
      const auto cost = d.make(nullptr, *space);
      REQUIRE(cost != nullptr);
      ModelSpec spec;
      for (std::uint64_t i = 0; i < 8; ++i) {
        CounterRng rng(i, 3);
        const Architecture a = space->sample(rng);
        space->lower(a, spec);
        const double v = cost->measure(a, spec);
        CHECK(std::isfinite(v));
        CHECK(v >= 0.0);
      }
    }
  }
}

TEST_CASE("kv_cache: TinyLlama-1.1B's cache is 2 x 22 layers x 4 KV heads x 64 x tokens x bytes", "[costs]") {
  const auto space = make_search_space("llama", {});
  const Architecture a = tinyllama(*space);
  ModelSpec spec;
  space->lower(a, spec);
  // GQA: 4 KV heads of 64, not the 32 query heads.
  CHECK(default_cost("kv_cache", *space)->measure(a, spec) == 2.0 * 22 * 4 * 64 * 2048 * 2);  // 44 MiB, bf16
  YAML::Node section = YAML::Load("{context_length: 4096, batch: 8, dtype: fp32}");
  const CostDescriptor& d = cost_registry().at("kv_cache");
  const auto stored = d.parse("test", section);
  CHECK(stored == nlohmann::json{{"context_length", 4096}, {"batch", 8}, {"dtype", "fp32"}});
  CHECK(d.make(stored, *space)->measure(a, spec) == 2.0 * 22 * 4 * 64 * 4096 * 8 * 4);
  CHECK_THROWS_WITH(d.parse("test", YAML::Load("{dtype: fp64}")), Contains("'kv_cache.dtype': value 'fp64'"));
  CHECK_THROWS_WITH(d.parse("test", YAML::Load("{context_length: 0}")), Contains("kv_cache.context_length"));
  CHECK_THROWS_WITH(d.parse("test", YAML::Load("{length: 5}")), Contains("unknown key 'kv_cache.length'"));
}

TEST_CASE("flops: Kaplan's 2 N + 2 n_ctx d_attn per layer on TinyLlama and GPT-2", "[costs]") {
  const auto llama = make_search_space("llama", {});
  const Architecture a = tinyllama(*llama);
  ModelSpec spec;
  llama->lower(a, spec);
  const double n = static_cast<double>(spec.total_parameters() - spec.parameters_with_role(Role::embedding));
  CHECK(n == 1'100'048'384.0 - 2.0 * 32000 * 2048);  // the published total less the two untied tables
  CHECK(default_cost("flops", *llama)->measure(a, spec) == 2.0 * n + 2.0 * 1024 * 22 * 2048);
  const CostDescriptor& d = cost_registry().at("flops");
  const auto stored = d.parse("test", YAML::Load("{sequence_length: 2048}"));
  CHECK(d.make(stored, *llama)->measure(a, spec) == 2.0 * n + 2.0 * 2048 * 22 * 2048);
  // GPT-2 small (124M): 85M non-embedding parameters, 12 layers of width 768.
  const auto gpt2 = make_search_space("gpt2", {"gpt2"});
  const auto file =
      read_architecture_file(std::string(ZEROLM_SOURCE_DIR) + "/tests/data/hf/gpt2.json", gpt2.get(), true);
  gpt2->lower(file.architectures.at(0), spec);
  const double n2 = static_cast<double>(spec.total_parameters() - spec.parameters_with_role(Role::embedding));
  CHECK(default_cost("flops", *gpt2)->measure(file.architectures[0], spec) == 2.0 * n2 + 2.0 * 1024 * 12 * 768);
  CHECK_THROWS_WITH(d.parse("test", YAML::Load("{sequence_length: 1.5}")), Contains("flops.sequence_length"));
}

TEST_CASE("costs: configs name any costs as objectives and windows, and old keys read the same", "[costs][config]") {
  const auto c = config_from(
      "space: gpt2\nprotocol: lts\nflops: {sequence_length: 512}\nkv_cache: {context_length: 1024}\n"
      "constraints:\n  parameters: non_embedding\n  max_parameters: 4.0e7\n  flops: {max: 2.0e8}\n"
      "objectives: [proxy, parameters, flops, kv_cache]\n");
  const CostSet& costs = c.search.costs;
  CHECK(costs.objective_names() == std::vector<std::string>{"proxy", "parameters", "flops", "kv_cache"});
  CHECK(costs[*costs.find("non_embedding_parameters")].max == 4.0e7);
  CHECK(costs[*costs.find("flops")].max == 2.0e8);
  CHECK(costs[*costs.find("flops")].section == nlohmann::json{{"sequence_length", 512}});
  CHECK(costs[*costs.find("kv_cache")].section["dtype"] == "bf16");  // a default, stored with the run
  // The stored form reads back to the same costs.
  const SearchRunConfig again = SearchRunConfig::from_json(c.to_json());
  CHECK(again.to_json() == c.to_json());
  CHECK(again.search.costs.objective_names() == costs.objective_names());
  CHECK(again.search.costs.limits_text() == costs.limits_text());

  CHECK_THROWS_WITH(config_from("objectives: [parameters, proxy]\n"), Contains("starts with proxy"));
  CHECK_THROWS_WITH(config_from("objectives: [proxy, speed]\n"), Contains("'speed' is not proxy or a cost"));
  CHECK_THROWS_WITH(config_from("objectives: [proxy, flops, flops]\n"), Contains("'flops' is listed twice"));
  CHECK_THROWS_WITH(config_from("constraints: {flops: 5}\n"), Contains("'constraints.flops' must be a window"));
  CHECK_THROWS_WITH(config_from("constraints: {flops: {max: -1}}\n"), Contains("constraints.flops.max"));
  CHECK_THROWS_WITH(config_from("constraints: {flops: {min: 9, max: 5}}\n"), Contains("exceeds the maximum 5"));
  CHECK_THROWS_WITH(config_from("constraints: {kv_cache: {most: 5}}\n"),
                    Contains("unknown key 'constraints.kv_cache.most'"));
  CHECK_THROWS_WITH(config_from("objectives: [proxy, latency]\n"), Contains("needs a 'latency' model"));
}

TEST_CASE("costs: four objectives (proxy, parameters, latency, memory) and flops/kv_cache windows in every strategy",
          "[costs][search]") {
  const std::string base =
      "space: gpt2\nprotocol: lts\nchoices: {n_layer_values: [2, 3], d_model: [256], d_inner_values: [512, 1024],"
      " n_head: [2, 4]}\n"
      "proxy: {name: zerolm, alpha: 0.5}\n"
      "latency: {model: analytic, file: " +
      std::string(ZEROLM_SOURCE_DIR) +
      "/experiments/latency/titanxp-analytic.json}\n"
      "memory: {file: " +
      std::string(ZEROLM_SOURCE_DIR) +
      "/experiments/memory/titanxp-analytic.json}\n"
      "kv_cache: {context_length: 1024}\n"
      "search: {population: 16, tournament: 4, children: 8, max_evaluations: 96}\n";
  for (const char* strategy : {"evolution", "random", "exact"}) {
    INFO(strategy);
    for (const char* tail : {"objectives: [proxy, parameters, latency, memory]\n",
                             "objectives: [proxy, kv_cache]\nconstraints: {flops: {max: 3.0e7}}\n"}) {
      INFO(tail);
      SearchRunConfig c = config_from(base + tail);
      c.search.strategy = parse_search_strategy(strategy);
      c.output = temporary(std::string("run-") + strategy).string();
      const SearchSummary summary = run_stored_search(c, std::nullopt, &kernels::cpu_backend());
      CHECK(summary.archive_size > 0);
      const RunStore store = RunStore::open_read_only(c.output);
      const SearchRunConfig stored = SearchRunConfig::from_json(store.config());
      const CostSet& costs = stored.search.costs;
      const auto space = stored.make_space();
      CostSet live = costs;
      live.instantiate(*space);
      ModelSpec spec;
      const auto archive = store.load_archive(*space, costs);
      REQUIRE(archive.size() > 0);
      for (const auto& e : archive.entries()) {
        space->lower(e.architecture, spec);
        const CostValues measured = live.measure(e.architecture, spec);
        for (std::size_t k = 0; k < costs.size(); ++k)
          CHECK(e.objectives.costs[k] == Approx(measured[k]).epsilon(1e-12));
        CHECK(costs.within_limits(e.objectives.costs));
        for (const auto& other : archive.entries())
          CHECK_FALSE(dominates(other.objectives, e.objectives, costs.objectives()));
      }
      fs::remove_all(c.output);
    }
  }
}
