// Every registry entry against every case, in the style of llama.cpp's
// test-backend-ops: each (space, protocol) is sampled, round-tripped, lowered,
// mutated and exported in each of its formats, and scored by every proxy in
// both modes on every weight-statistics backend present. A new space, protocol,
// proxy or format is covered by adding it to its registry.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/export/export_formats.hpp"
#include "engine/scoring/evaluate.hpp"
#include "kernels/weight_statistics.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;

namespace {

// The backends a test runs on: the CPU twin, and CUDA when a GPU is present.
std::vector<const kernels::WeightStatisticsBackend*> backends() {
  std::vector<const kernels::WeightStatisticsBackend*> out{&kernels::cpu_backend()};
  if (const auto* gpu = kernels::cuda_backend()) out.push_back(gpu);
  return out;
}

// The `count` smallest (by parameters) of a seeded sample: sampled spectra of the
// largest architectures take seconds each on two cores.
std::vector<Architecture> smallest(const SearchSpace& space, std::size_t count) {
  auto sample = sample_architectures(space, 24, 3);
  const auto parameters = parameter_counts(space, sample);
  std::vector<std::size_t> order(sample.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return parameters[a] < parameters[b]; });
  std::vector<Architecture> out;
  for (std::size_t i = 0; i < count && i < order.size(); ++i) out.push_back(sample[order[i]]);
  return out;
}

}  // namespace

TEST_CASE("every space's descriptor is complete and its protocols build", "[registry]") {
  REQUIRE(!search_spaces().empty());
  std::set<std::string> names;
  for (const auto& d : search_spaces()) {
    INFO("space " << d.name);
    CHECK(names.insert(d.name).second);
    REQUIRE(!d.protocols.empty());
    CHECK(!d.description.empty());
    CHECK(make_search_space(d.name)->protocol() == d.protocols.front().name);
    for (const auto& p : d.protocols) {
      const auto space = make_search_space(d.name, {p.name});
      CHECK(space->name() == d.name);
      CHECK(space->protocol() == p.name);
      CHECK(!space->dimensions().empty());
    }
    CHECK_THROWS_AS(make_search_space(d.name, {"no-such-protocol"}), Error);
    SpaceOptions bad;
    bad.choices = {{"no_such_choice", {1}}};
    CHECK_THROWS_AS(make_search_space(d.name, bad), Error);
    CHECK(d.protocol(d.bench_protocol).name.size() > 0);
  }
  CHECK_THROWS_AS(make_search_space("no-such-space"), Error);
}

TEST_CASE("every space x protocol: sampled architectures round-trip, lower and mutate", "[registry]") {
  for (const auto& [name, protocol] : testing::space_protocols()) {
    const auto space = make_search_space(name, {protocol});
    const auto sample = sample_architectures(*space, 16, 11);
    ModelSpec spec;
    for (const auto& a : sample) {
      INFO(name << " / " << protocol << ": " << space->summary(a));
      CHECK(space->from_json(space->to_json(a)) == a);
      CHECK(space->from_yaml(space->to_yaml(a)) == a);
      space->lower(a, spec);
      CHECK(spec.architecture_hash == a.hash());
      CHECK(spec.total_parameters() > 0);
      std::set<std::string> tensor_names;
      for (std::size_t t = 0; t < spec.tensors().size(); ++t) {
        CHECK(tensor_names.insert(spec.full_name(t)).second);  // the LibTorch names, so unique
        CHECK(spec.tensors()[t].numel() > 0);
      }
      CounterRng rng(9, a.hash());
      const Architecture child = space->mutate(a, rng);
      CHECK(space->from_json(space->to_json(child)) == child);  // a valid architecture of the space
    }
  }
}

TEST_CASE("every space x protocol x proxy x mode x backend gives finite scores that agree", "[registry]") {
  for (const auto& [name, protocol] : testing::space_protocols()) {
    const auto space = make_search_space(name, {protocol});
    const auto architectures = smallest(*space, 2);
    for (const auto& descriptor : proxies()) {
      for (ProxyMode mode : {ProxyMode::expected, ProxyMode::sampled}) {
        std::vector<double> first;
        for (const auto* backend : backends()) {
          INFO(name << " / " << protocol << ", proxy " << descriptor.name << ", " << proxy_mode_name(mode) << ", "
                    << backend->name());
          ProxyOptions options;
          options.mode = mode;
          options.seed = 4;
          options.backend = backend;
          const auto scores = evaluate(*space, *descriptor.make(options), architectures);
          REQUIRE(scores.size() == architectures.size());
          for (const auto& s : scores) {
            CHECK(std::isfinite(s.score));
            CHECK(s.score > 0.0);
          }
          if (first.empty()) {
            for (const auto& s : scores) first.push_back(s.score);
          } else {
            for (std::size_t i = 0; i < scores.size(); ++i) CHECK(scores[i].score == Approx(first[i]).epsilon(1e-9));
          }
        }
      }
    }
  }
}

TEST_CASE("every proxy's options parse their own stored values and refuse nonsense", "[registry]") {
  for (const auto& descriptor : proxies()) {
    for (const auto& option : descriptor.options) {
      INFO("proxy " << descriptor.name << ", option " << option.key);
      ProxyOptions defaults, parsed;
      const nlohmann::json value = option.get(defaults);
      option.set(value.is_string() ? value.get<std::string>() : value.dump(), parsed);
      CHECK(option.get(parsed) == value);
      CHECK_THROWS_AS(option.set("no-such-value", parsed), Error);
      CHECK(option.cli_flag().rfind("--", 0) == 0);
    }
    CHECK_NOTHROW(descriptor.make(ProxyOptions{}));
  }
  CHECK_THROWS_AS(proxy_descriptor("no-such-proxy"), Error);
}

TEST_CASE("every space's export formats (and json, yaml) write its architectures", "[registry]") {
  const auto folder = std::filesystem::temp_directory_path() / "zerolm-registry-exports";
  for (const auto& [name, protocol] : testing::space_protocols()) {
    const auto space = make_search_space(name, {protocol});
    SearchRunConfig config;
    config.space = name;
    config.protocol = protocol;
    std::vector<EvaluatedArchitecture> chosen;
    for (const auto& a : sample_architectures(*space, 2, 5)) chosen.push_back({a, 1.0, 2.0, 0.0});
    for (const auto& format : export_formats()) {
      if ((!format.space.empty() && format.space != name) || format.name == "torchscript") continue;
      INFO(name << " / " << protocol << ", format " << format.name);
      std::filesystem::remove_all(folder);
      std::filesystem::create_directories(folder);
      const std::string out = (folder / "out").string();
      try {
        format.write({*space, config, chosen, out, 0});
      } catch (const Error& e) {
        // A space's own format may refuse an architecture it cannot describe, with one line;
        // the generic ones never do.
        CHECK(!format.space.empty());
        CHECK(!e.message().empty());
        continue;
      }
      CHECK(std::filesystem::exists(out));
    }
  }
  std::filesystem::remove_all(folder);
}
