#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "engine/core/error.hpp"
#include "engine/search/evolution.hpp"
#include "proxies/zerolm_proxy.hpp"

using namespace zerolm;

namespace {
SearchResult search(SearchStrategy strategy, std::uint64_t seed, std::size_t budget, double max_parameters = INFINITY) {
  static const auto space = make_search_space("flexibert", {"trained"});
  ProxyOptions options;
  options.alpha = 0.205;
  static const ZeroLmProxy proxy(options);
  SearchConfig config;
  config.strategy = strategy;
  config.population = 64;
  config.tournament = 16;
  config.children = 32;
  config.max_evaluations = budget;
  config.seed = seed;
  config.costs.term("parameters").max = max_parameters;
  Objectives reference;
  reference.costs[CostSet::kParameters] = 3.0e7;
  config.reference = reference;
  return run_search(*space, proxy, config);
}
}  // namespace

TEST_CASE("search is deterministic per seed and spends exactly its budget", "[search]") {
  const auto a = search(SearchStrategy::evolution, 3, 1000);
  const auto b = search(SearchStrategy::evolution, 3, 1000);
  CHECK(a.evaluations == 1000);
  CHECK(a.best.architecture == b.best.architecture);
  REQUIRE(a.archive.size() == b.archive.size());
  for (std::size_t i = 0; i < a.archive.size(); ++i)
    CHECK(a.archive.entries()[i].architecture == b.archive.entries()[i].architecture);
  CHECK(a.history.back().hypervolume == b.history.back().hypervolume);
  // The hypervolume never falls: the archive only improves.
  for (std::size_t g = 1; g < a.history.size(); ++g) CHECK(a.history[g].hypervolume >= a.history[g - 1].hypervolume);
}

TEST_CASE("hard parameter limits filter children before scoring", "[search]") {
  const auto r = search(SearchStrategy::evolution, 4, 800, 1.2e7);
  CHECK(r.best.parameters() <= 1.2e7);
  for (const auto& e : r.archive.entries()) CHECK(e.objectives.costs[CostSet::kParameters] <= 1.2e7);
}

TEST_CASE("regularized evolution beats random search at equal budget", "[search]") {
  double evolution_best = 0, random_best = 0, evolution_hv = 0, random_hv = 0;
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    const auto e = search(SearchStrategy::evolution, seed, 3000);
    const auto r = search(SearchStrategy::random, seed, 3000);
    evolution_best += e.best.score;
    random_best += r.best.score;
    evolution_hv += e.history.back().hypervolume;
    random_hv += r.history.back().hypervolume;
  }
  INFO("best: evolution " << evolution_best / 5 << " random " << random_best / 5 << "; hypervolume: evolution "
                          << evolution_hv / 5 << " random " << random_hv / 5);
  CHECK(evolution_best > random_best);
  CHECK(evolution_hv > random_hv);
}

#include "engine/search/enumerate.hpp"
#include "search_spaces/flexibert/flexibert.hpp"

TEST_CASE("enumerate finds the exact top-k and the exact front of a finite space", "[search]") {
  FlexiBertChoices narrow;
  narrow.hidden_sizes = {128, 256};
  narrow.layer_counts = {2};
  narrow.mixers = {{MixerType::self_attention, 1}, {MixerType::linear_transform, 0}, {MixerType::separable_conv, 9}};
  const FlexiBertSpace space(FlexiBertProtocol::pytorch, narrow);
  ProxyOptions options;
  options.alpha = 0.6;
  const ZeroLmProxy proxy(options);
  const auto result = enumerate_space(space, proxy, 7, 100);  // small batches: several flushes
  REQUIRE(result.architectures == space.size().value());

  // Brute force: score everything, sort, and run the archive over all of it.
  std::vector<Architecture> all;
  space.enumerate([&](const Architecture& a) { all.push_back(a); });
  Evaluator evaluator(space, proxy);
  const auto evaluated = evaluator.evaluate(all);
  std::vector<double> scores;
  ParetoArchive archive(ObjectiveList{CostSet::kParameters});
  for (const auto& e : evaluated) {
    scores.push_back(e.score);
    archive.offer(e.architecture, e.objectives());
  }
  std::sort(scores.rbegin(), scores.rend());
  REQUIRE(result.top.size() == 7);
  for (std::size_t i = 0; i < 7; ++i) CHECK(result.top[i].score == scores[i]);
  std::set<std::uint64_t> front, expected;
  for (const auto& e : result.front) front.insert(e.architecture.hash());
  for (const auto& e : archive.entries()) expected.insert(e.architecture.hash());
  CHECK(front == expected);
}

#include "engine/latency/analytic_latency.hpp"

TEST_CASE("a latency model adds the third objective and the latency limit", "[search]") {
  const auto space = make_search_space("gpt2", {"hwgpt"});
  ProxyOptions options;
  const ZeroLmProxy proxy(options);
  const auto latency = AnalyticLatencyModel::for_device("h100");
  SearchConfig config;
  config.population = 32;
  config.tournament = 8;
  config.children = 16;
  config.max_evaluations = 400;
  config.costs.term("latency").section = latency.to_json();
  config.costs.term("latency").max = 3.0;
  config.costs.set_objectives({"parameters", "latency"});
  const std::size_t slot = *config.costs.find("latency");
  const auto r = run_search(*space, proxy, config);
  REQUIRE(r.archive.size() > 0);
  for (const auto& e : r.archive.entries()) {
    CHECK(e.objectives.costs[slot] > 0.0);
    CHECK(e.objectives.costs[slot] <= 3.0);
  }
  SearchConfig without = config;
  without.costs.term("latency").section = nullptr;
  CHECK_THROWS_AS(run_search(*space, proxy, without), Error);
}

#include "engine/core/random.hpp"
#include "tests/test_support.hpp"

TEST_CASE("a memory model adds peak memory as the third objective and the memory limit", "[search][memory]") {
  const auto space = make_search_space("gpt2", {"lts"});
  ProxyOptions options;
  const ZeroLmProxy proxy(options);
  const auto memory = zerolm::testing::test_memory_model();
  SearchConfig config;
  config.population = 32;
  config.tournament = 8;
  config.children = 16;
  config.max_evaluations = 400;
  config.costs.term("memory").section = memory.to_json();
  const std::size_t slot = *config.costs.find("memory");
  // The median peak memory of a few samples: the limit cuts the space.
  std::vector<double> sampled;
  ModelSpec spec;
  for (std::uint64_t i = 0; i < 64; ++i) {
    CounterRng rng(i, 7);
    space->lower(space->sample(rng), spec);
    sampled.push_back(memory.predict_mb(spec));
  }
  std::nth_element(sampled.begin(), sampled.begin() + 32, sampled.end());
  const double max_memory = sampled[32];
  config.costs.term("memory").max = max_memory;
  SECTION("a limit only") {
    const auto r = run_search(*space, proxy, config);
    REQUIRE(r.archive.size() > 0);
    for (const auto& e : r.archive.entries()) {
      CHECK(e.objectives.costs[slot] > 150.0);
      CHECK(e.objectives.costs[slot] <= max_memory);
    }
  }
  SECTION("an objective: the archive is the front of (score, parameters, memory)") {
    config.costs.set_objectives({"parameters", "memory"});
    const auto r = run_search(*space, proxy, config);
    REQUIRE(r.archive.objectives() == ObjectiveList{CostSet::kParameters, slot});
    REQUIRE(r.archive.size() > 1);
    for (const auto& a : r.archive.entries()) {
      CHECK(a.objectives.costs[slot] <= max_memory);
      for (const auto& b : r.archive.entries())
        CHECK_FALSE(dominates(b.objectives, a.objectives, r.archive.objectives()));
    }
    CHECK(r.reference.costs[slot] > max_memory / 2);  // twice the heaviest of the first batch
    CHECK(r.history.back().hypervolume > 0.0);
  }
  SearchConfig without = config;
  without.costs.term("memory").section = nullptr;
  CHECK_THROWS_AS(run_search(*space, proxy, without), Error);
}
