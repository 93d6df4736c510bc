// Exact search on narrowed llama spaces against brute force (with and without
// skipped blocks; parameter windows; the three-objective front with the H100
// latency fit), and architecture files of the llama space.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "engine/config/architecture_files.hpp"
#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/latency/analytic_latency.hpp"
#include "engine/search/enumerate.hpp"
#include "engine/search/exact_search.hpp"
#include "proxies/spectral_proxy.hpp"
#include "proxies/zerolm_proxy.hpp"
#include "search_spaces/llama/llama.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;
using Catch::Matchers::Contains;
using zerolm::testing::check_exact_front;

namespace {

std::string data(const std::string& name) { return std::string(ZEROLM_SOURCE_DIR) + "/tests/data/hf/" + name; }

std::int64_t total_of(const SearchSpace& space, const Architecture& a) {
  ModelSpec spec;
  space.lower(a, spec);
  return spec.total_parameters();
}

// A narrowed space small enough for brute force.
LlamaSpace narrow_space(bool with_skips) {
  LlamaChoices c;
  c.hidden_sizes = {64, 128};
  c.layer_counts = {2, 3};
  c.vocab_sizes = {1000};
  c.tie = {false, true};
  c.head_dims = {16, 32};
  c.heads = {2, 4};
  c.kv_heads = {1, 2};
  c.intermediate_ratios = {2.0, 4.0};
  c.skip_attention = with_skips ? std::vector<bool>{false, true} : std::vector<bool>{false};
  c.skip_ffn = c.skip_attention;
  return LlamaSpace(c);
}

}  // namespace

TEST_CASE("llama: architecture files name their space, and a search space must match", "[llama]") {
  const auto flexibert = make_search_space("flexibert");
  CHECK_THROWS_WITH(read_architecture_file(data("smollm-135m.json"), flexibert.get(), true),
                    Contains("hf-llama") && Contains("llama") && Contains("flexibert"));
  const auto hwgpt = make_search_space("gpt2", {"hwgpt"});
  CHECK_THROWS_WITH(read_architecture_file(data("gpt2.json"), hwgpt.get(), true),
                    Contains("protocol gpt2") && Contains("hwgpt"));
  const auto llama = make_search_space("llama");
  const auto file = read_architecture_file(data("smollm-135m.json"), llama.get(), true);
  REQUIRE(file.architectures.size() == 1);
  CHECK(total_of(*llama, file.architectures[0]) == 134'515'008);
}

TEST_CASE("llama: exact search equals brute force on narrowed spaces", "[llama][search][exact]") {
  ProxyOptions spectral_options;
  spectral_options.aggregate = LayerAggregate::log;
  const SpectralProxy spectral(spectral_options);
  ProxyOptions zerolm_options;
  zerolm_options.alpha = 0.6;
  const ZeroLmProxy zero(zerolm_options);
  const auto latency = AnalyticLatencyModel::from_json(
      nlohmann::json::parse(read_text_file(std::string(ZEROLM_SOURCE_DIR) + "/experiments/latency/h100-analytic.json")),
      "h100-analytic.json");
  for (bool skips : {false, true}) {
    const LlamaSpace space = narrow_space(skips);
    for (const Proxy* proxy : std::initializer_list<const Proxy*>{&spectral, &zero}) {
      INFO("skips " << skips << ", proxy " << proxy->name());
      std::vector<AdditiveCost> costs{total_parameters_cost(), non_embedding_parameters_cost()};
      costs[0].objective = true;
      check_exact_front(space, *proxy, costs);
      const auto front = exact_search(space, *proxy).front;
      REQUIRE(front.size() > 4);
      costs[1].min = front[front.size() / 4].non_embedding_parameters();
      costs[1].max = front[3 * front.size() / 4].non_embedding_parameters();
      check_exact_front(space, *proxy, costs);
      costs[1].min = -INFINITY;
      costs[1].max = INFINITY;
      costs.push_back({"latency", 2, [&latency](const Architecture& a, const ModelSpec& spec) {
                         return latency.predict_ms(a, spec);
                       }});
      costs.back().objective = true;
      check_exact_front(space, *proxy, costs);
    }
  }
}

TEST_CASE("llama: a search's seed architectures come from HF configs and are stored inline", "[llama][search]") {
  const auto folder = std::filesystem::temp_directory_path() / ("zerolm-seed-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  const auto yaml = (folder / "seeded.yaml").string();
  {
    std::ofstream out(yaml);
    out << "space: llama\nsearch:\n  population: 8\n  tournament: 2\n  children: 4\n  max_evaluations: 16\n"
        << "  seed_architectures:\n    - " << data("smollm-135m.json") << "\n"
        << "    - {hidden_size: 512, num_hidden_layers: 8, vocab_size: 32000, head_dim: 64,"
        << " num_attention_heads: 8, num_key_value_heads: 2, intermediate_size: 1536}\n";
  }
  const SearchRunConfig c = load_search_config(yaml);
  REQUIRE(c.search.seeds.size() == 2);
  const SearchRunConfig stored = SearchRunConfig::from_json(c.to_json());  // as a run store keeps it
  REQUIRE(stored.search.seeds.size() == 2);
  CHECK(stored.search.seeds[0] == c.search.seeds[0]);
  const auto space = c.make_space();
  CHECK(total_of(*space, stored.search.seeds[0]) == 134'515'008);
  const ZeroLmProxy proxy({});
  SearchRun run(*space, proxy, stored.search);
  const auto first = run.step();
  REQUIRE(first.size() == 8);
  CHECK(first[0].architecture == c.search.seeds[0]);
  CHECK(first[1].architecture == c.search.seeds[1]);
  CHECK(first[0].non_embedding_parameters() == 134'515'008 - 49152 * 576);
  std::filesystem::remove_all(folder);
}

TEST_CASE("llama: exact search's front is zerolm enumerate's on a narrowed space", "[llama][search][exact]") {
  const LlamaSpace space = narrow_space(true);
  ProxyOptions options;
  options.aggregate = LayerAggregate::log;
  const SpectralProxy proxy(options);
  const auto enumerated = enumerate_space(space, proxy, 0);
  const auto exact = exact_search(space, proxy);
  CHECK(exact.architectures == static_cast<double>(enumerated.architectures));
  // Enumeration keeps every architecture tied on a front point (permuted layers).
  std::vector<std::pair<double, double>> points;
  for (const auto& e : enumerated.front) {
    if (points.empty() || points.back().first != e.parameters()) points.push_back({e.parameters(), e.score});
  }
  REQUIRE(exact.front.size() == points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    CHECK(exact.front[i].parameters() == points[i].first);
    CHECK(exact.front[i].score == Approx(points[i].second).epsilon(1e-12));
  }
}
