// The document readers refuse what fuzzing found they must refuse, each with a
// zerolm::Error (before the fixes: an uncaught exception or undefined behaviour).
#include <catch2/catch.hpp>

#include <filesystem>

#include "engine/config/search_config.hpp"
#include "engine/config/sweep_config.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/output_file.hpp"
#include "engine/store/checkpoint.hpp"
#include "search_spaces/search_space.hpp"

using namespace zerolm;
using Catch::Matchers::Contains;

TEST_CASE("fuzzing regressions: a JSON number beyond the largest double is an Error", "[documents][fuzz]") {
  // fuzz_documents: nlohmann threw out_of_range (not parse_error) past the catch.
  CHECK_THROWS_AS(parse_json(R"([{"a": 6.7e403616620855555555}])", "input"), Error);
}

TEST_CASE("fuzzing regressions: a YAML list or mapping as a key is an Error", "[documents][fuzz]") {
  // fuzz_documents: yaml_to_json converted the key with as<std::string>() and threw BadConversion.
  try {
    (void)parse_yaml("? [a, b]\n: 1\n", "input");
    FAIL("a list as a key was accepted");
  } catch (const Error& e) {
    CHECK_THAT(e.message(), Contains("a mapping key must be plain text"));
  }
  CHECK_THROWS_AS(parse_yaml("? {x: 1}\n: 2\n", "input"), Error);
}

TEST_CASE("fuzzing regressions: an architecture size beyond 2^53 is an Error, not a wrapped integer",
          "[documents][fuzz]") {
  // fuzz_architecture: json_fields::integer converted 2.2e38 to int64 (undefined behaviour).
  for (const auto& d : search_spaces()) {
    const auto space = make_search_space(d.name);
    for (const char* text : {R"({"hidden_size": 2.22222e38, "encoder_layers": []})",
                             R"({"n_layer": 18446744073709551615, "d_model": 64})", R"({"d_model": -9e300})"}) {
      INFO(d.name << ": " << text);
      CHECK_THROWS_AS(space->from_json(parse_json(text, "input")), Error);
      CHECK_THROWS_AS(space->from_record(parse_json(text, "input")), Error);
    }
  }
}

TEST_CASE("fuzzing regressions: stored whole numbers that are floats or out of range are Errors", "[documents][fuzz]") {
  // fuzz_run_store (CI): a checkpoint "generation" of 2.04e118 went through nlohmann's get<size_t>,
  // a float-to-integer conversion with undefined behaviour.
  Checkpoint stored;
  const CostSet costs;
  nlohmann::json value = stored.to_json(costs);
  CHECK(Checkpoint::from_json(value, costs).to_json(costs) == value);
  for (const char* bad : {"2.04444e+118", "1.5", "-1", "\"3\"", "null"}) {
    value["generation"] = nlohmann::json::parse(bad);
    CHECK_THROWS_AS(Checkpoint::from_json(value, costs), Error);
  }
  CHECK(json_whole<std::int64_t>(nlohmann::json(-5), "x") == -5);
  CHECK_THROWS_AS(json_whole<std::uint32_t>(nlohmann::json(std::uint64_t{1} << 40), "x"), Error);
}

TEST_CASE("fuzzing regressions: a null latency file and a base path too long for the system are Errors",
          "[documents][fuzz]") {
  // fuzz_search_config (CI): latency.file: ~ reached get<std::string>() on null (nlohmann type_error).
  // fuzz_sweep_config (CI): std::filesystem::exists threw filesystem_error on a name past NAME_MAX.
  const auto folder = std::filesystem::temp_directory_path() / "zerolm-fuzz-regressions";
  std::filesystem::create_directories(folder);
  const auto config = folder / "config.yaml";
  write_file_atomic(config.string(), "space: gpt2\nlatency: {model: analytic, file: ~}\n");
  try {
    SearchRunConfig c = load_search_config(config.string());
    c.search.costs.instantiate(*c.make_space());
    FAIL("a null latency file was accepted");
  } catch (const Error& e) {
    CHECK_THAT(e.message(), Contains("latency.file"));
  }
  const auto sweep = folder / "sweep.yaml";
  write_file_atomic(sweep.string(), "base: " + std::string(600, 'x') + ".yaml\naxes: {seed: [1, 2]}\n");
  try {
    (void)load_sweep_config(sweep.string());
    FAIL("a base path of 600 characters was accepted");
  } catch (const Error& e) {
    CHECK_THAT(e.message(), Contains("does not exist"));
  }
  std::filesystem::remove_all(folder);
}
