// The search config's field table drives parsing, to_json, --set and help:
// every field reads what it writes, refuses a value outside its range naming
// its key path, and no key outside the table or a section is accepted.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"

using namespace zerolm;
using Catch::Matchers::Contains;

namespace {

// The stored value at a key path ("search.population").
nlohmann::json value_at(const nlohmann::json& config, const std::string& path) {
  const nlohmann::json* at = &config;
  for (std::size_t start = 0;;) {
    const auto dot = path.find('.', start);
    at = &at->at(path.substr(start, dot - start));
    if (dot == std::string::npos) return *at;
    start = dot + 1;
  }
}

std::string temporary_config() {
  const auto file = std::filesystem::temp_directory_path() / "zerolm-config-fields.yaml";
  std::ofstream(file) << "space: flexibert\nprotocol: trained\n";
  return file.string();
}

}  // namespace

TEST_CASE("config fields: every field reads back what it writes, by --set and from a stored config", "[config]") {
  const std::string file = temporary_config();
  const nlohmann::json defaults = SearchRunConfig{}.to_json();
  for (const ConfigField& f : search_config_fields()) {
    INFO("field " << f.path);
    CHECK(value_at(defaults, f.path) == f.write(SearchRunConfig{}));  // to_json comes from the table
    CHECK(!f.help.empty());
    CHECK(Contains(f.path).match(search_config_help()));
    if (std::isnan(f.maximum)) continue;
    // A value other than the default within the range, then one past it.
    const bool whole = f.what.rfind("whole number", 0) == 0;
    const double v = whole ? f.write(SearchRunConfig{}).get<double>() + 1 : f.maximum;
    const std::string text = whole ? std::to_string(static_cast<std::uint64_t>(v)) : fmt::format("{}", v);
    const SearchRunConfig set = load_search_config(file, {f.path + "=" + text});
    CHECK(f.write(set).get<double>() == v);
    CHECK(f.write(SearchRunConfig::from_json(set.to_json())).get<double>() == v);  // a stored run reads it back
    CHECK_THROWS_WITH(load_search_config(file, {f.path + "=" + fmt::format("{}", f.maximum * 2 + 1)}),
                      Contains("'" + f.path + "': value"));
    CHECK_THROWS_WITH(load_search_config(file, {f.path + "=" + fmt::format("{}", f.minimum - 1)}),
                      Contains("'" + f.path + "': value"));
  }
}

TEST_CASE("config fields: a key neither in the table nor in a section is refused, naming its neighbours", "[config]") {
  const std::string file = temporary_config();
  for (const ConfigField& f : search_config_fields()) CHECK_NOTHROW(check_config_key(f.path, "test"));
  for (const auto& [section, help] : search_config_sections()) {
    CHECK_NOTHROW(check_config_key(section, "test"));
    CHECK_NOTHROW(check_config_key(section + ".anything", "test"));  // the section's own parser checks it
  }
  CHECK_THROWS_WITH(check_config_key("search.populaton", "--set search.populaton=3"),
                    Contains("--set search.populaton=3: 'search.populaton' is not a config key") &&
                        Contains("population"));
  CHECK_THROWS_WITH(check_config_key("serch", "x"), Contains("keys: space"));
  CHECK_THROWS_WITH(load_search_config(file, {"islands.migrant=3"}), Contains("'islands' keys: migrate_every, migrants"));
}
