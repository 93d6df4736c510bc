// Every search space x protocol of the registry (search_spaces/spaces.def) and
// every proxy of proxies/proxies.def, in both modes and on every backend: a new
// space or protocol is covered without a line here (tests/test_support.hpp's
// small_test_choices keeps large spaces small).
#include <catch2/catch.hpp>
#include <cmath>
#include <set>

#include <filesystem>

#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/export/export_formats.hpp"
#include "engine/scoring/evaluate.hpp"
#include "kernels/weight_statistics.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;

namespace {

struct SpaceUnderTest {
  std::string label;
  std::unique_ptr<SearchSpace> space;
};

std::vector<SpaceUnderTest> every_space_and_protocol() {
  std::vector<SpaceUnderTest> out;
  for (const auto& [space, protocol] : testing::every_space_and_protocol()) {
    out.push_back({space + "/" + protocol, make_search_space(space, testing::small_options(space, protocol))});
  }
  return out;
}

// The smallest of `sample` by parameters (the sampled modes draw every weight).
std::vector<Architecture> smallest(const SearchSpace& space, std::vector<Architecture> sample, std::size_t count) {
  const auto counts = parameter_counts(space, sample);
  std::vector<std::size_t> order(sample.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return counts[a] < counts[b]; });
  std::vector<Architecture> out;
  for (std::size_t i = 0; i < count && i < order.size(); ++i) out.push_back(sample[order[i]]);
  return out;
}

}  // namespace

TEST_CASE("registry: every space and protocol samples, round-trips, mutates and lowers", "[registry]") {
  const auto all = every_space_and_protocol();
  CHECK(all.size() >= 7);  // flexibert x 3, gpt2 x 3, llama x 1 at least
  for (const auto& [label, space] : all) {
    INFO(label);
    CHECK(std::string(space->name()) + "/" + std::string(space->protocol()) == label);
    std::set<std::uint64_t> hashes;
    ModelSpec spec;
    for (const auto& a : sample_architectures(*space, 24, 3)) {
      INFO(space->summary(a));
      hashes.insert(a.hash());
      CHECK(space->from_json(space->to_json(a)) == a);
      CHECK(space->from_yaml(space->to_yaml(a)) == a);
      CounterRng rng(9, a.hash());
      const Architecture child = space->mutate(a, rng);
      CHECK(space->from_json(space->to_json(child)) == child);
      space->lower(a, spec);
      CHECK(spec.architecture_hash == a.hash());
      CHECK(spec.num_layers >= 1);
      REQUIRE(!spec.tensors().empty());
      std::set<std::string> names;
      std::int64_t by_role = 0;
      for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
        names.insert(spec.full_name(i));
        CHECK(spec.tensors()[i].numel() >= 1);
        CHECK(spec.tensors()[i].layer < spec.num_layers);
      }
      for (int r = 0; r < kNumRoles; ++r) by_role += spec.parameters_with_role(static_cast<Role>(r));
      CHECK(names.size() == spec.tensors().size());  // unique names
      CHECK(by_role == spec.total_parameters());
      CHECK(spec.total_parameters() > spec.parameters_with_role(Role::embedding));
    }
    CHECK(hashes.size() > 12);
    // A space with layered families assembles valid architectures from them.
    for (const auto& family : space->layered_families()) {
      std::vector<std::size_t> last(static_cast<std::size_t>(family.layers), family.options.size() - 1);
      const Architecture a = space->assemble(family, last);
      CHECK(space->from_json(space->to_json(a)) == a);
    }
  }
}

TEST_CASE("registry: every proxy scores every space and protocol in both modes on every backend", "[registry][proxy]") {
  const kernels::WeightStatisticsBackend* cuda = kernels::cuda_backend();
  for (const auto& [label, space] : every_space_and_protocol()) {
    const auto sample = sample_architectures(*space, 16, 5);
    const auto small = smallest(*space, sample, 2);
    for (const auto& descriptor : proxies()) {
      for (ProxyMode mode : {ProxyMode::expected, ProxyMode::sampled}) {
        INFO(label << ", proxy " << descriptor.name << ", " << proxy_mode_name(mode) << " mode");
        ProxyOptions options;
        options.mode = mode;
        options.seed = 7;
        options.backend = &kernels::cpu_backend();
        const auto& architectures = mode == ProxyMode::expected ? sample : small;
        const auto scores = evaluate(*space, *descriptor.make(options), architectures);
        for (const auto& b : scores) CHECK(std::isfinite(b.score));
        const auto family = descriptor.sampled_kernels;
        if (mode != ProxyMode::sampled || !family || cuda == nullptr || !cuda->supports(*family)) continue;
        // The CUDA kernels draw the same weights as the CPU twin.
        options.backend = cuda;
        const auto on_gpu = evaluate(*space, *descriptor.make(options), architectures);
        for (std::size_t i = 0; i < scores.size(); ++i) CHECK(on_gpu[i].score == Approx(scores[i].score).epsilon(1e-9));
      }
    }
  }
}

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
  for (const auto& [name, protocol] : testing::every_space_and_protocol()) {
    const auto space = make_search_space(name, testing::small_options(name, protocol));
    SearchRunConfig config;
    config.space = name;
    config.protocol = protocol;
    std::vector<EvaluatedArchitecture> chosen;
    for (const auto& a : sample_architectures(*space, 2, 5)) chosen.push_back({a, 1.0, 2.0, 0.0});
    for (const auto& format : export_format_registry()) {
      if (!format.supports(name) || format.needs_libtorch) continue;
      INFO(name << " / " << protocol << ", format " << format.name);
      std::filesystem::remove_all(folder);
      std::filesystem::create_directories(folder);
      const std::string out = (folder / "out").string();
      try {
        format.write({*space, config, chosen, out, 0});
      } catch (const Error& e) {
        // A space's own format may refuse an architecture it cannot describe, with one line;
        // the generic ones never do (but pytorch for a space with no module family yet).
        CHECK((!format.spaces.empty() ||
               (format.needs_module_family && search_space_descriptor(name).pytorch_module.empty())));
        CHECK(!e.message().empty());
        continue;
      }
      CHECK(std::filesystem::exists(out));
    }
  }
  std::filesystem::remove_all(folder);
}
