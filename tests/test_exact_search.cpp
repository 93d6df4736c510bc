// Exact search under budgets: parameter windows (total and non-embedding, with a
// lower bound inside the front), latency and peak memory as bounds and as a third objective,
// against brute force on narrowed FlexiBERT spaces; non-additive costs refused;
// evolution honours the same windows.
#include <catch2/catch.hpp>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/latency/analytic_latency.hpp"
#include "engine/latency/memory_model.hpp"
#include "engine/search/exact_search.hpp"
#include "proxies/spectral_proxy.hpp"
#include "proxies/zerolm_proxy.hpp"
#include "search_spaces/flexibert/flexibert.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;
using zerolm::testing::check_exact_front;

namespace {

FlexiBertSpace narrow_space(FlexiBertProtocol protocol) {
  FlexiBertChoices narrow;
  narrow.hidden_sizes = {128, 256};
  narrow.layer_counts = {2, 3};
  narrow.mixers = {{MixerType::self_attention, 0}, {MixerType::separable_conv, 5}};
  return FlexiBertSpace(protocol, narrow);
}

// The parameter counts at two quantiles of the unbudgeted front: a window whose
// lower end cuts through the front.
std::pair<double, double> inner_window(const SearchSpace& space, const Proxy& proxy) {
  const auto front = exact_search(space, proxy).front;
  REQUIRE(front.size() > 8);
  return {front[front.size() / 4].parameters(), front[3 * front.size() / 4].parameters()};
}

// Costs as the program takes them, in fixed front slots for the checks below.
constexpr std::size_t kLatencySlot = 2, kMemorySlot = 3, kFlopsSlot = 4, kKvCacheSlot = 5;
AdditiveCost latency_cost(const LatencyModel& model) {
  return {"latency", kLatencySlot,
          [&model](const Architecture& a, const ModelSpec& spec) { return model.predict_ms(a, spec); }};
}
AdditiveCost memory_cost(const MemoryModel& model) {
  return {"peak memory", kMemorySlot,
          [&model](const Architecture&, const ModelSpec& spec) { return model.predict_mb(spec); }};
}
// A registry cost with its default section (flops, kv_cache), as a config gets it.
AdditiveCost registry_cost(const std::string& name, std::size_t slot, const SearchSpace& space) {
  const CostDescriptor& d = cost_registry().at(name);
  std::shared_ptr<CostModel> model = d.make(nullptr, space);
  return {name, slot, [model](const Architecture& a, const ModelSpec& spec) { return model->measure(a, spec); }};
}

// Two layers, three options each, whose (parameters, score) depend on the layer:
// layer 0 offers a cheap strong option X (10, 10) and a dear weak one Y (50, 1),
// layer 1 options (1, 1), (2, 1), (60, 1). With at least 50 parameters the front
// is {Y then (1, 1): 51 parameters, score 2; X then (60, 1): 70, score 11}: X
// dominates Y after layer 0, yet only Y reaches the window cheaply.
class WindowSpace final : public SearchSpace {
 public:
  static constexpr std::int64_t kTable[2][3][2] = {{{10, 10}, {50, 1}, {60, 1}}, {{1, 1}, {2, 1}, {60, 1}}};
  std::string_view name() const override { return "window-toy"; }
  std::string_view protocol() const override { return "toy"; }
  std::vector<Dimension> dimensions() const override { return {}; }
  Architecture sample(CounterRng& rng) const override {
    return Architecture(name(), {static_cast<std::int64_t>(rng.below(3)), static_cast<std::int64_t>(rng.below(3))});
  }
  std::optional<std::uint64_t> size() const override { return 9; }
  void enumerate(const std::function<void(const Architecture&)>& visit) const override {
    for (std::int64_t a = 0; a < 3; ++a)
      for (std::int64_t b = 0; b < 3; ++b) visit(Architecture(name(), {a, b}));
  }
  Architecture mutate(const Architecture& parent, CounterRng&) const override { return parent; }
  nlohmann::json to_json(const Architecture& a) const override { return a.genes(); }
  Architecture from_json(const nlohmann::json& v) const override {
    return Architecture(name(), v.get<std::vector<std::int64_t>>());
  }
  Architecture from_record(const nlohmann::json& v) const override { return from_json(v); }
  std::vector<LayeredFamily> layered_families() const override { return {{{}, 2, {{0}, {1}, {2}}}}; }
  void lower(const Architecture& a, ModelSpec& out) const override {
    out.clear();
    out.layer_prefix = "layer";
    out.num_layers = 2;
    out.architecture_hash = a.hash();
    for (std::int32_t l = 0; l < 2; ++l) {
      const auto& [p, s] = kTable[l][a.genes()[static_cast<std::size_t>(l)]];
      out.add_matrix("score", Role::attention, l, s, 1, Init::normal(1.0));
      if (p > s) out.add_vector("rest", Role::ffn, l, p - s, Init::zeros());
    }
  }
};

// The score is the attention matrices' rows: additive, and free of parameters.
class RowsProxy final : public Proxy {
 public:
  std::string_view name() const override { return "rows"; }
  void score(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const override {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      out[i].reset(specs[i].num_layers);
      out[i].score = static_cast<double>(specs[i].parameters_with_role(Role::attention));
    }
  }
};

// The shipped H100 fit: per-layer and per-bias terms beside the FLOPs.
AnalyticLatencyModel h100_latency() {
  return AnalyticLatencyModel::from_json(
      nlohmann::json::parse(read_text_file(std::string(ZEROLM_SOURCE_DIR) + "/experiments/latency/h100-analytic.json")),
      "h100-analytic.json");
}

}  // namespace

TEST_CASE("exact search: a lower bound keeps the dearer partial sums it needs", "[search][exact]") {
  const WindowSpace space;
  const RowsProxy proxy;
  std::vector<AdditiveCost> costs{total_parameters_cost()};
  costs[0].objective = true;
  costs[0].min = 50;
  check_exact_front(space, proxy, costs);
  const auto exact = exact_search(space, proxy, costs);
  REQUIRE(exact.front.size() == 2);
  CHECK(exact.front[0].parameters() == 51);
  CHECK(exact.front[0].score == 2);
  CHECK(exact.front[1].parameters() == 70);
  CHECK(exact.front[1].score == 11);
  // The same window on a second bounded cost (the general pruning).
  costs.push_back(non_embedding_parameters_cost());
  costs[1].min = 50;
  costs[1].max = 1e9;
  check_exact_front(space, proxy, costs);
}

TEST_CASE("exact search: parameter windows equal brute force", "[search][exact]") {
  ProxyOptions spectral_options;
  spectral_options.aggregate = LayerAggregate::log;
  const SpectralProxy spectral(spectral_options);
  const ZeroLmProxy zero({});
  for (auto protocol : {FlexiBertProtocol::pytorch, FlexiBertProtocol::trained}) {
    const auto space = narrow_space(protocol);
    for (const Proxy* proxy : std::initializer_list<const Proxy*>{&spectral, &zero}) {
      INFO(space.protocol() << " / " << proxy->name());
      const auto [low, high] = inner_window(space, *proxy);
      std::vector<AdditiveCost> costs{total_parameters_cost(), non_embedding_parameters_cost()};
      costs[0].objective = true;
      SECTION("total parameters in [low, high]") {
        costs[0].min = low;
        costs[0].max = high;
        check_exact_front(space, *proxy, costs);
      }
      SECTION("non-embedding parameters in a window (the embedding differs between families)") {
        ModelSpec spec;
        const auto front = exact_search(space, *proxy).front;
        costs[1].min = front[front.size() / 3].non_embedding_parameters();
        costs[1].max = front[front.size() - 2].non_embedding_parameters();
        check_exact_front(space, *proxy, costs);
      }
      SECTION("a lower bound alone") {
        costs[0].min = low;
        check_exact_front(space, *proxy, costs);
      }
    }
  }
}

TEST_CASE("exact search: analytic latency as a bound and as a third objective", "[search][exact][latency]") {
  const auto latency = h100_latency();
  const ZeroLmProxy zero({});
  const auto space = narrow_space(FlexiBertProtocol::trained);
  const auto front = exact_search(space, zero).front;
  std::vector<AdditiveCost> costs{total_parameters_cost(), latency_cost(latency)};
  costs[0].objective = true;
  ModelSpec spec;
  space.lower(front[front.size() / 2].architecture, spec);
  const double middle_ms = latency.predict_ms(spec);
  SECTION("max latency, front of (score, parameters)") {
    costs[1].max = middle_ms;
    check_exact_front(space, zero, costs);
  }
  SECTION("max latency and a parameter window (the general pruning)") {
    costs[1].max = middle_ms;
    const auto [low, high] = inner_window(space, zero);
    costs[0].min = low;
    check_exact_front(space, zero, costs);
  }
  SECTION("latency as an objective: the three-objective front") {
    costs[1].objective = true;
    check_exact_front(space, zero, costs);
    const auto three = exact_search(space, zero, costs);
    CHECK(three.front.size() >= front.size());
    for (const auto& e : three.front) CHECK(e.costs[kLatencySlot] > 0.0);
  }
}

TEST_CASE("exact search: analytic peak memory as a bound and as a third objective", "[search][exact][memory]") {
  // The memory is a sum over layers (parameters and matrix widths) plus a constant.
  const auto memory = zerolm::testing::test_memory_model();
  const auto latency = h100_latency();
  const ZeroLmProxy zero({});
  const auto space = narrow_space(FlexiBertProtocol::trained);
  const auto front = exact_search(space, zero).front;
  std::vector<AdditiveCost> costs{total_parameters_cost(), memory_cost(memory)};
  costs[0].objective = true;
  ModelSpec spec;
  space.lower(front[front.size() / 2].architecture, spec);
  const double middle_mb = memory.predict_mb(spec);
  REQUIRE(middle_mb > 150.0);
  SECTION("max memory, front of (score, parameters)") {
    costs[1].max = middle_mb;
    check_exact_front(space, zero, costs);
    const auto bounded = exact_search(space, zero, costs);
    CHECK(bounded.front.size() < front.size());
    for (const auto& e : bounded.front) CHECK(e.costs[kMemorySlot] <= middle_mb);
  }
  SECTION("memory as an objective under a latency bound: four costs, the general pruning") {
    costs[1].objective = true;
    space.lower(front[3 * front.size() / 4].architecture, spec);
    costs.push_back(latency_cost(latency));
    costs.back().max = latency.predict_ms(spec);
    check_exact_front(space, zero, costs);
    const auto three = exact_search(space, zero, costs);
    for (const auto& e : three.front) {
      CHECK(e.costs[kMemorySlot] > 150.0);
      CHECK(e.costs[kLatencySlot] <= costs.back().max);
    }
  }
}

TEST_CASE("exact search: every front point carries both parameter counts", "[search][exact]") {
  const ZeroLmProxy zero({});
  const auto space = narrow_space(FlexiBertProtocol::pytorch);
  ModelSpec spec;
  for (const auto& e : exact_search(space, zero).front) {
    space.lower(e.architecture, spec);
    CHECK(e.parameters() == static_cast<double>(spec.total_parameters()));
    CHECK(e.non_embedding_parameters() ==
          static_cast<double>(spec.total_parameters() - spec.parameters_with_role(Role::embedding)));
    CHECK(e.non_embedding_parameters() < e.parameters());
  }
}

TEST_CASE("exact search: a cost that is not a sum over layers is an error", "[search][exact]") {
  const ZeroLmProxy zero({});
  const auto space = narrow_space(FlexiBertProtocol::pytorch);
  std::vector<AdditiveCost> costs{total_parameters_cost()};
  costs[0].objective = true;
  AdditiveCost squared{"squared parameters", AdditiveCost::kNoSlot, [](const Architecture&, const ModelSpec& spec) {
                         const double p = static_cast<double>(spec.total_parameters());
                         return p * p;
                       }};
  squared.max = 1e300;
  costs.push_back(squared);
  CHECK_THROWS_WITH(exact_search(space, zero, costs), Catch::Contains("squared parameters is not additive"));
  costs.back().max = 1.0;
  costs.back().min = 2.0;
  CHECK_THROWS_WITH(exact_search(space, zero, costs), Catch::Contains("window [2, 1] is empty"));
}

TEST_CASE("evolution keeps children inside a non-embedding window", "[search]") {
  const auto space = make_search_space("flexibert", {"trained"});
  const ZeroLmProxy zero({});
  SearchConfig config;
  config.population = 32;
  config.tournament = 8;
  config.children = 16;
  config.max_evaluations = 400;
  config.costs.term("non_embedding_parameters").min = 2.0e6;
  config.costs.term("non_embedding_parameters").max = 6.0e6;
  const auto r = run_search(*space, zero, config);
  REQUIRE(r.archive.size() > 0);
  ModelSpec spec;
  for (const auto& e : r.archive.entries()) {
    space->lower(e.architecture, spec);
    const double ne = static_cast<double>(spec.total_parameters() - spec.parameters_with_role(Role::embedding));
    CHECK(ne >= 2.0e6);
    CHECK(ne <= 6.0e6);
  }
  // The hypervolume reference is not the non-embedding budget (the archive holds totals).
  CHECK(r.reference.costs[CostSet::kParameters] != 6.0e6);
}

TEST_CASE("exact search: flops and kv_cache as bounds and as objectives, against brute force",
          "[search][exact][costs]") {
  const ZeroLmProxy zero({});
  const auto space = narrow_space(FlexiBertProtocol::trained);
  const auto front = exact_search(space, zero).front;
  const AdditiveCost flops = registry_cost("flops", kFlopsSlot, space);
  const AdditiveCost kv = registry_cost("kv_cache", kKvCacheSlot, space);
  ModelSpec spec;
  space.lower(front[front.size() / 2].architecture, spec);
  const double middle_flops = flops.measure(front[front.size() / 2].architecture, spec);
  const double middle_kv = kv.measure(front[front.size() / 2].architecture, spec);
  REQUIRE(middle_flops > 0.0);
  REQUIRE(middle_kv > 0.0);
  std::vector<AdditiveCost> costs{total_parameters_cost(), flops, kv};
  costs[0].objective = true;
  SECTION("a FLOPs bound") {
    costs[1].max = middle_flops;
    check_exact_front(space, zero, costs);
    for (const auto& e : exact_search(space, zero, costs).front) CHECK(e.costs[kFlopsSlot] <= middle_flops);
  }
  SECTION("a KV-cache bound with FLOPs as an objective") {
    costs[1].objective = true;
    costs[2].max = middle_kv;
    check_exact_front(space, zero, costs);
  }
  SECTION("four objectives: proxy, parameters, flops, kv_cache") {
    costs[1].objective = true;
    costs[2].objective = true;
    check_exact_front(space, zero, costs);
  }
  SECTION("a front without parameters: proxy and flops") {
    costs[0].objective = false;
    costs[1].objective = true;
    check_exact_front(space, zero, costs);
  }
}
