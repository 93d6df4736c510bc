// A search configuration: one YAML file says everything. Unknown keys and bad
// values are errors naming the file, line and column.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "engine/costs/cost.hpp"
#include "engine/search/evolution.hpp"
#include "proxies/proxy.hpp"
#include "search_spaces/search_space.hpp"

namespace zerolm {

// The island model of a distributed search (`--distributed`): every
// `migrate_every` generations each island sends its best `migrants` population
// members to the next island in a ring.
struct IslandOptions {
  std::size_t migrate_every = 10;
  std::size_t migrants = 4;
};

struct SearchRunConfig {
  std::string space = "flexibert";
  std::string protocol;                               // empty: the space's default
  nlohmann::json choices = nlohmann::json::object();  // the space's choice overrides
  std::string proxy = "zerolm";
  ProxyOptions proxy_options;  // mode, seed, flags
  AlphaChoice alpha;           // proxies that combine modules: resolved to a number when a run starts
  std::string device = "auto";
  SearchConfig search;
  IslandOptions islands;
  std::string output;         // run folder (the CLI's --out wins)
  std::size_t log_every = 1;  // generations between progress lines

  // The search space this config describes (choices applied, validated).
  std::unique_ptr<SearchSpace> make_space() const;

  // The configuration as JSON (what the run store keeps and `--resume` reads).
  nlohmann::json to_json() const;
  static SearchRunConfig from_json(const nlohmann::json& value);
};

// One scalar key of a search config, defined once: its key path, what it holds
// (type and range in words), help, and how it is read and stored. The table
// drives the parser (the keys a section may hold, in the order they are read),
// to_json, --set and sweep axes (a key path that is neither a field nor inside a
// section is an error listing the keys), and `zerolm search --help`.
struct ConfigField {
  std::string path;  // "search.population"
  std::string what;  // "whole number 1..16777216", "evolution|random|exact"
  std::string help;
  // Reads `node` (errors name `file`, the position and the key path).
  std::function<void(const std::string& file, const YAML::Node& node, SearchRunConfig& c)> read;
  std::function<nlohmann::json(const SearchRunConfig& c)> write;
  // Numbers: the range (NaN for other fields).
  double minimum = std::numeric_limits<double>::quiet_NaN();
  double maximum = std::numeric_limits<double>::quiet_NaN();
};
const std::vector<ConfigField>& search_config_fields();
// The keys that hold a structure read by its own parser: choices, proxy (its
// registry's options), constraints, objectives, search.seed_architectures and
// each cost's section (the cost registry's). Key path and help.
const std::vector<std::pair<std::string, std::string>>& search_config_sections();
// An Error, prefixed by `context`, when `path` is neither a field nor a section
// or a key inside one.
void check_config_key(const std::string& path, const std::string& context);
// Every key, one line each: path, what it holds, default, help.
std::string search_config_help();

// Reads a YAML file, then applies `--set key.path=value` overrides (values parsed
// as YAML scalars).
SearchRunConfig load_search_config(const std::string& path, const std::vector<std::string>& overrides = {});
// The same for a config held in memory as YAML (or JSON) text; errors name it `name`.
SearchRunConfig parse_search_config(const std::string& text, const std::string& name,
                                    const std::vector<std::string>& overrides = {});
// A run store's config (SearchRunConfig::to_json) with the same overrides applied.
SearchRunConfig stored_search_config(const nlohmann::json& stored, const std::vector<std::string>& overrides);

}  // namespace zerolm
