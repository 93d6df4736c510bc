// The document readers refuse what fuzzing found they must refuse, each with a
// zerolm::Error (before the fixes: an uncaught exception or undefined behaviour).
#include <catch2/catch.hpp>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
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

TEST_CASE("fuzzing regressions: an architecture size beyond 2^53 is an Error, not a wrapped integer", "[documents][fuzz]") {
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
