// A search configuration: one YAML file says everything. Unknown keys and bad
// values are errors naming the file, line and column.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
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
  ProxyOptions proxy_options;   // mode, seed, flags
  AlphaChoice alpha;             // proxies that combine modules: resolved to a number when a run starts
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

// Reads a YAML file, then applies `--set key.path=value` overrides (values parsed
// as YAML scalars).
SearchRunConfig load_search_config(const std::string& path, const std::vector<std::string>& overrides = {});

}  // namespace zerolm
