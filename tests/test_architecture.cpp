#include <catch2/catch.hpp>
#include <set>

#include "tests/test_support.hpp"
#include "engine/core/error.hpp"
#include "search_spaces/flexibert/flexibert.hpp"
#include "search_spaces/gpt2/gpt2.hpp"

using namespace zerolm;
using Catch::Matchers::Contains;

namespace {
const char* kRecord = R"({"hidden_size": 256, "encoder_layers": [
  {"operation_type": "SA", "operation_parameter": "WMA", "num_operation_heads": 4,
   "feed_forward_dimension": 1024, "num_feed_forward": 3},
  {"operation_type": "DSC", "operation_parameter": 9, "num_operation_heads": 2,
   "feed_forward_dimension": 512, "num_feed_forward": 1}]})";
}

TEST_CASE("flexibert architectures are canonical and round-trip through JSON and YAML", "[architecture]") {
  const auto space = make_search_space("flexibert");
  const Architecture a = space->from_json(nlohmann::json::parse(kRecord));
  // Key order and "9" vs 9 do not matter.
  const Architecture b = space->from_json(nlohmann::json::parse(R"({"encoder_layers": [
    {"num_feed_forward": 3,
     "feed_forward_dimension": 1024, "num_operation_heads": 4, "operation_parameter": "WMA", "operation_type": "SA"},
    {"operation_type": "DSC", "operation_parameter": "9", "num_operation_heads": 2,
     "feed_forward_dimension": 512, "num_feed_forward": 1}],
    "hidden_size": 256})"));
  CHECK(a == b);
  CHECK(a.hash() == b.hash());
  CHECK(space->to_json(a).dump() == space->to_json(b).dump());
  CHECK(space->from_json(space->to_json(a)) == a);
  CHECK(space->from_yaml(space->to_yaml(a)) == a);
  const Architecture other = space->from_json(nlohmann::json::parse(R"({"hidden_size": 128, "encoder_layers": [
    {"operation_type": "SA", "operation_parameter": "WMA", "num_operation_heads": 4,
     "feed_forward_dimension": 1024, "num_feed_forward": 3},
    {"operation_type": "DSC", "operation_parameter": 9, "num_operation_heads": 2,
     "feed_forward_dimension": 512, "num_feed_forward": 1}]})"));
  CHECK_FALSE(other == a);
  CHECK(other.hash() != a.hash());
}

TEST_CASE("impossible flexibert architectures name the field and value", "[architecture]") {
  const auto space = make_search_space("flexibert");
  auto error_of = [&](const std::string& text) {
    try {
      space->from_json(nlohmann::json::parse(text));
    } catch (const Error& e) {
      return e.message();
    }
    return std::string("no error");
  };
  CHECK_THAT(error_of(R"({"hidden_size": 300, "encoder_layers": []})"), Contains("hidden_size") && Contains("300"));
  CHECK_THAT(error_of(R"({"hidden_size": 128, "encoder_layers": [{"operation_type": "XX", "operation_parameter": "SDP",
    "num_operation_heads": 2, "feed_forward_dimension": 512, "num_feed_forward": 1}]})"),
             Contains("encoder_layers[0].operation_type") && Contains("XX"));
  CHECK_THAT(error_of(R"({"hidden_size": 128, "encoder_layers": [
    {"operation_type": "SA", "operation_parameter": "SDP", "num_operation_heads": 3,
     "feed_forward_dimension": 512, "num_feed_forward": 1},
    {"operation_type": "SA", "operation_parameter": "SDP", "num_operation_heads": 2,
     "feed_forward_dimension": 512, "num_feed_forward": 1}]})"),
             Contains("num_operation_heads") && Contains("3"));
  CHECK_THAT(error_of(R"({"hidden_size": 128, "encoder_layers": [], "colour": 1})"), Contains("colour"));
  CHECK_THAT(error_of(R"({"hidden_size": 128, "encoder_layers": [
    {"operation_type": "SA", "operation_parameter": "SDP", "num_operation_heads": 2,
     "feed_forward_dimension": 512, "num_feed_forward": 1}]})"),
             Contains("1 layers"));
}

TEST_CASE("flexibert sampling is seeded and the space has 10,621,440 points", "[architecture]") {
  const FlexiBertSpace space(FlexiBertProtocol::trained);
  CHECK(space.size().value() == 10621440u);
  CounterRng a(42, 7), b(42, 7), c(43, 7);
  const Architecture x = space.sample(a);
  CHECK(x == space.sample(b));
  std::set<std::uint64_t> hashes;
  for (std::uint64_t i = 0; i < 200; ++i) {
    CounterRng rng(1, i);
    hashes.insert(space.sample(rng).hash());
  }
  CHECK(hashes.size() > 190);

  FlexiBertChoices narrow;
  narrow.hidden_sizes = {128};
  narrow.layer_counts = {2};
  narrow.mixers = {{MixerType::self_attention, 0}, {MixerType::separable_conv, 5}};
  const FlexiBertSpace small(FlexiBertProtocol::trained, narrow);
  std::set<std::uint64_t> seen;
  small.enumerate([&](const Architecture& arch) { seen.insert(arch.hash()); });
  CHECK(seen.size() == small.size().value());
  CHECK(seen.size() == 16u * 16u);  // (2 mixers x 2 heads x 2 widths x 2 depths)^2
}

TEST_CASE("model spec names, roles and shapes", "[architecture]") {
  const FlexiBertSpace space(FlexiBertProtocol::pytorch);
  const Architecture a = space.from_json(nlohmann::json::parse(kRecord));
  ModelSpec spec;
  space.lower(a, spec);
  CHECK(spec.num_layers == 2);
  CHECK(spec.architecture_hash == a.hash());
  bool found_query = false;
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
    if (spec.full_name(i) == "encoder.layer.0.attention.self.query.weight") {
      found_query = true;
      CHECK(spec.tensors()[i].role == Role::attention);
      CHECK(spec.tensors()[i].rows() == 256);
      CHECK(spec.tensors()[i].cols() == 256);
    }
  }
  CHECK(found_query);
  std::int64_t by_role = 0;
  for (int r = 0; r < kNumRoles; ++r) by_role += spec.parameters_with_role(static_cast<Role>(r));
  CHECK(by_role == spec.total_parameters());
}

TEST_CASE("gpt2 architectures round-trip, and archai's cutoff cleaning", "[architecture]") {
  CHECK(AdaptiveEmbedding::clean_cutoffs({19997, 39997, 199997, 50264}, 50264) ==
        std::vector<std::int64_t>{19997, 39997, 50264});
  CHECK(AdaptiveEmbedding::clean_cutoffs({20000, 40000}, 50264) == std::vector<std::int64_t>{20000, 40000, 50264});
  CHECK(AdaptiveEmbedding::clean_cutoffs({}, 100) == std::vector<std::int64_t>{100});
  const auto space = make_search_space("gpt2");
  for (std::uint64_t i = 0; i < 50; ++i) {
    CounterRng rng(3, i);
    const Architecture a = space->sample(rng);
    CHECK(space->from_json(space->to_json(a)) == a);
    CHECK(space->from_yaml(space->to_yaml(a)) == a);
  }
  try {
    space->from_json(nlohmann::json::parse(R"({"n_layer": 2, "d_model": 128, "n_head": [3, 4], "d_inner": [512, 512],
      "embedding": {"kind": "plain", "vocab_size": 100}})"));
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK_THAT(e.message(), Contains("n_head[0]") && Contains("3"));
  }
}

TEST_CASE("mutations are valid neighbours that differ from the parent", "[architecture][mutation]") {
  for (const auto& [name, protocol] : testing::every_space_and_protocol()) {
    const auto space = make_search_space(name, {protocol});
    std::set<std::uint64_t> children;
    for (std::uint64_t i = 0; i < 300; ++i) {
      CounterRng rng(5, i);
      const Architecture parent = space->sample(rng);
      const Architecture child = space->mutate(parent, rng);
      INFO(name << ": " << space->summary(parent) << " -> " << space->summary(child));
      CHECK_FALSE(child == parent);
      CHECK(space->from_json(space->to_json(child)) == child);  // validates
      children.insert(child.hash());
    }
    CHECK(children.size() > 250);
  }
}
