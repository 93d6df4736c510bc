#include "engine/config/search_config.hpp"

#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <utility>

#include "engine/config/architecture_files.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/yaml_fields.hpp"

namespace zerolm {

namespace {

// Bounds on what a search config may ask for (docs/RELIABILITY.md).
constexpr std::size_t kMaxEvaluations = std::size_t{1} << 40;
constexpr std::size_t kMaxPopulation = std::size_t{1} << 24;

using yaml_fields::check_keys;
using yaml_fields::count;
using yaml_fields::number;
using yaml_fields::scalar;
using yaml_fields::where;

// The `proxy:` section: its name, mode and alpha, and the options the proxy's
// registry entry lists, read by the one proxy parser (parse_proxy_setting) that
// reads the CLI's flags; a key no proxy takes is refused here first, naming them all.
void parse_proxy(const std::string& file, const YAML::Node& p, SearchRunConfig& c) {
  std::vector<std::string> keys{"name", "mode", "alpha"};
  for (const ProxyOptionSpec* o : all_proxy_options()) keys.push_back(o->key);
  check_keys(file, p, "proxy", keys);
  std::string name_context = file + ": 'proxy.name'";
  if (p["name"]) {
    c.proxy = scalar<std::string>(file, p["name"], "proxy.name");
    name_context = where(file, p["name"]) + ": 'proxy.name'";
  }
  std::vector<ProxyValue> values;
  for (const auto& item : p) {
    const auto key = item.first.as<std::string>();
    if (key == "name") continue;
    const std::string field = "proxy." + key;
    values.push_back(
        {key, scalar<std::string>(file, item.second, field), where(file, item.second) + ": '" + field + "'"});
  }
  const ProxySetting setting = parse_proxy_setting(c.proxy, name_context, values);
  c.proxy_options = setting.options;
  c.alpha = setting.alpha;
}

// `search.seed_architectures`: files (a Hugging Face config.json or a zerolm
// export, relative to the config's folder) or inline architectures of the
// config's space and protocol; stored inline, so a run never reads the files again.
void parse_seeds(const std::string& file, const YAML::Node& seeds, SearchRunConfig& c) {
  ZEROLM_CHECK(seeds.IsSequence(), "{}: 'search.seed_architectures' must be a list of files or architectures",
               where(file, seeds));
  const auto space = c.make_space();
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    const YAML::Node item = seeds[i];
    const std::string field = fmt::format("search.seed_architectures[{}]", i);
    try {
      if (item.IsScalar()) {
        std::filesystem::path path = item.Scalar();
        if (path.is_relative()) path = std::filesystem::path(file).parent_path() / path;
        for (auto& a : read_architecture_file(path.string(), space.get(), /*must_match=*/true).architectures)
          c.search.seeds.push_back(std::move(a));
      } else {
        c.search.seeds.push_back(space->from_json(yaml_to_json(item)));
      }
    } catch (const Error& e) {
      throw e.with_context(where(file, item) + ": '" + field + "'");
    }
  }
}

// `constraints:`: a window per cost, `NAME: {min: ..., max: ...}`, and the keys
// configs used before costs were a registry (max_parameters and
// min_parameters bound the count `parameters: total|non_embedding` names;
// max_latency, max_memory).
void parse_constraints(const std::string& file, const YAML::Node& k, CostSet& costs) {
  std::vector<std::string> keys{"max_parameters", "min_parameters", "parameters", "max_latency", "max_memory"};
  for (const CostDescriptor& d : cost_registry()) keys.push_back(d.name);
  check_keys(file, k, "constraints", keys);
  std::string budgeted = "parameters";
  if (k["parameters"] && k["parameters"].IsScalar()) {
    const auto count = scalar<std::string>(file, k["parameters"], "constraints.parameters");
    ZEROLM_CHECK(count == "total" || count == "non_embedding",
                 "{}: 'constraints.parameters': value '{}' is not total|non_embedding (or a window {{min: ..., max: "
                 "...}})",
                 where(file, k["parameters"]), count);
    budgeted = count == "total" ? "parameters" : "non_embedding_parameters";
  }
  const auto positive = [&](const char* key, const char* unit) {
    const double v = scalar<double>(file, k[key], std::string("constraints.") + key);
    ZEROLM_CHECK(v > 0, "{}: 'constraints.{}': value {} must be positive{}", where(file, k[key]), key, v, unit);
    return v;
  };
  if (k["max_latency"]) costs.term("latency").max = positive("max_latency", "");
  if (k["max_memory"]) costs.term("memory").max = positive("max_memory", " (MB)");
  if (k["max_parameters"]) costs.term(budgeted).max = positive("max_parameters", "");
  if (k["min_parameters"]) {
    const double v = scalar<double>(file, k["min_parameters"], "constraints.min_parameters");
    ZEROLM_CHECK(std::isfinite(v) && v >= 0, "{}: 'constraints.min_parameters': value {} must be a count of at least 0",
                 where(file, k["min_parameters"]), v);
    CostTerm& t = costs.term(budgeted);
    ZEROLM_CHECK(v <= t.max, "{}: 'constraints.min_parameters': value {} exceeds max_parameters {}",
                 where(file, k["min_parameters"]), v, t.max);
    if (v > 0) t.min = v;
  }
  for (const auto& item : k) {
    const auto name = item.first.as<std::string>();
    if (cost_registry().find(name) == nullptr || (name == "parameters" && item.second.IsScalar())) continue;
    const std::string field = "constraints." + name;
    const YAML::Node window = item.second;
    ZEROLM_CHECK(window.IsMap(), "{}: '{}' must be a window such as {{min: 0, max: 1e6}}", where(file, window), field);
    check_keys(file, window, field, {"min", "max"});
    CostTerm& t = costs.term(name);
    if (window["max"]) {
      t.max = number(file, window["max"], field + ".max", 0.0, std::numeric_limits<double>::max());
      ZEROLM_CHECK(t.max > 0, "{}: '{}.max': value {} must be positive", where(file, window["max"]), field, t.max);
    }
    if (window["min"]) {
      const double v = number(file, window["min"], field + ".min", 0.0, std::numeric_limits<double>::max());
      ZEROLM_CHECK(v <= t.max, "{}: '{}.min': value {} exceeds the maximum {}", where(file, window["min"]), field, v,
                   t.max);
      if (v > 0) t.min = v;
    }
  }
}

// The table's field makers: a key path, how the value is reached in a config
// (a generic lambda, for reading and writing), its range and help.
template <class Get>
ConfigField count_field(std::string path, Get get, std::size_t minimum, std::size_t maximum, std::string help) {
  return {path,
          fmt::format("whole number {}..{}", minimum, maximum),
          std::move(help),
          [=](const std::string& file, const YAML::Node& node, SearchRunConfig& c) {
            get(c) = count(file, node, path, minimum, maximum);
          },
          [=](const SearchRunConfig& c) { return nlohmann::json(get(c)); },
          static_cast<double>(minimum),
          static_cast<double>(maximum)};
}

template <class Get>
ConfigField real_field(std::string path, Get get, double minimum, double maximum, std::string help) {
  return {path,
          fmt::format("number {:g}..{:g}", minimum, maximum),
          std::move(help),
          [=](const std::string& file, const YAML::Node& node, SearchRunConfig& c) {
            get(c) = number(file, node, path, minimum, maximum);
          },
          [=](const SearchRunConfig& c) { return nlohmann::json(get(c)); },
          minimum,
          maximum};
}

template <class Get>
ConfigField text_field(std::string path, Get get, std::string what, std::string help) {
  return {path, std::move(what), std::move(help),
          [=](const std::string& file, const YAML::Node& node, SearchRunConfig& c) {
            get(c) = scalar<std::string>(file, node, path);
          },
          [=](const SearchRunConfig& c) { return nlohmann::json(get(c)); }};
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  for (std::size_t start = 0;;) {
    const auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

// The node at a key path (undefined when absent). Recursive on const nodes:
// assigning a yaml-cpp Node writes into the tree instead of rebinding it.
YAML::Node node_at(const YAML::Node& node, const std::vector<std::string>& parts, std::size_t i) {
  if (i == parts.size()) return node;
  const YAML::Node child = node[parts[i]];
  if (!child) return YAML::Node(YAML::NodeType::Undefined);
  return node_at(child, parts, i + 1);
}

// The keys a mapping at `prefix` ("" for the root, "search.") may hold: its
// fields' and sections' next path segment.
std::vector<std::string> keys_under(const std::string& prefix) {
  std::vector<std::string> keys;
  const auto add = [&](const std::string& path) {
    if (path.compare(0, prefix.size(), prefix) != 0 || path.size() == prefix.size()) return;
    const std::string key = split_path(path.substr(prefix.size())).front();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
  };
  for (const ConfigField& f : search_config_fields()) add(f.path);
  for (const auto& [path, help] : search_config_sections()) add(path);
  return keys;
}

SearchRunConfig parse(const std::string& file, const YAML::Node& root) {
  SearchRunConfig c;
  check_keys(file, root, "", keys_under(""));
  for (const char* section : {"search", "islands"}) {
    if (root[section]) check_keys(file, root[section], section, keys_under(std::string(section) + "."));
  }
  // The table's fields, in its order.
  for (const ConfigField& f : search_config_fields()) {
    if (const YAML::Node node = node_at(root, split_path(f.path), 0)) f.read(file, node, c);
  }
  if (const auto choices = root["choices"]) {
    ZEROLM_CHECK(choices.IsMap(), "{}: 'choices' must be a mapping of dimension: [values]", where(file, choices));
    c.choices = yaml_to_json(choices);
    try {
      (void)c.make_space();  // validate the overrides now, with the file position
    } catch (const Error& e) {
      throw e.with_context(where(file, choices));
    }
  }
  if (const auto p = root["proxy"]) parse_proxy(file, p, c);
  c.proxy_options.seed = c.search.seed;  // the proxy's draws follow the run's seed
  if (const auto s = root["search"]) {
    if (const auto seeds = s["seed_architectures"]) parse_seeds(file, seeds, c);
    ZEROLM_CHECK(c.search.tournament <= c.search.population,
                 "{}: 'search.tournament': value {} exceeds the population {}",
                 where(file, s["tournament"] ? s["tournament"] : s), c.search.tournament, c.search.population);
  }
  CostSet& costs = c.search.costs;
  for (const CostDescriptor& d : cost_registry()) {
    if (d.parse && root[d.name]) costs.term(d.name).section = d.parse(file, root[d.name]);
  }
  if (const auto k = root["constraints"]) parse_constraints(file, k, costs);
  if (const auto o = root["objectives"]) {
    ZEROLM_CHECK(o.IsSequence(), "{}: 'objectives' must be a list such as [proxy, parameters]", where(file, o));
    std::vector<std::string> names;
    for (const auto& item : o) names.push_back(scalar<std::string>(file, item, "objectives[]"));
    ZEROLM_CHECK(!names.empty() && names[0] == "proxy",
                 "{}: 'objectives': the list starts with proxy, then costs ({}), such as [proxy, parameters, latency]",
                 where(file, o), cost_registry().names_text());
    names.erase(names.begin());
    try {
      costs.set_objectives(names);
    } catch (const Error& e) {
      throw e.with_context(where(file, o));
    }
  }
  // A cost used without its section takes its defaults, stored with the run.
  for (std::size_t k = 0; k < costs.size(); ++k) {
    CostTerm& t = costs[k];
    if (t.section.is_null() && t.descriptor->parse && t.descriptor->needs_section.empty())
      t.section = t.descriptor->parse(file, YAML::Node(YAML::NodeType::Undefined));
  }
  return c;
}

}  // namespace

const std::vector<ConfigField>& search_config_fields() {
  static const std::vector<ConfigField> fields{
      text_field(
          "space", [](auto& c) -> auto& { return c.space; }, search_spaces().names_text(),
          "the search space (docs/SEARCH_SPACES.md)"),
      text_field(
          "protocol", [](auto& c) -> auto& { return c.protocol; }, "a protocol of the space",
          "the network protocol (empty: the space's first)"),
      count_field(
          "seed", [](auto& c) -> auto& { return c.search.seed; }, 0, std::size_t{1} << 53,
          "seed of every random draw: samples, mutations, sampled initial weights"),
      text_field(
          "device", [](auto& c) -> auto& { return c.device; }, "auto|cpu|cuda",
          "where sampled weights are drawn (--device overrides it)"),
      text_field(
          "output", [](auto& c) -> auto& { return c.output; }, "a folder", "the run folder (--out overrides it)"),
      count_field(
          "log_every", [](auto& c) -> auto& { return c.log_every; }, 1, std::size_t{1} << 50,
          "generations between progress lines"),
      count_field(
          "islands.migrate_every", [](auto& c) -> auto& { return c.islands.migrate_every; }, 1, std::size_t{1} << 50,
          "--distributed: generations between migrations"),
      count_field(
          "islands.migrants", [](auto& c) -> auto& { return c.islands.migrants; }, 0, std::size_t{1} << 50,
          "--distributed: best population members each island sends to the next"),
      {"search.strategy", "evolution|random|exact", "regularized evolution, random sampling, or exact search",
       [](const std::string& file, const YAML::Node& node, SearchRunConfig& c) {
         try {
           c.search.strategy = parse_search_strategy(scalar<std::string>(file, node, "search.strategy"));
         } catch (const Error& e) {
           throw e.with_context(where(file, node) + ": 'search.strategy'");
         }
       },
       [](const SearchRunConfig& c) { return nlohmann::json(search_strategy_name(c.search.strategy)); }},
      count_field(
          "search.population", [](auto& c) -> auto& { return c.search.population; }, 1, kMaxPopulation,
          "population of regularized evolution"),
      count_field(
          "search.tournament", [](auto& c) -> auto& { return c.search.tournament; }, 1, kMaxPopulation,
          "tournament size (at most the population)"),
      count_field(
          "search.children", [](auto& c) -> auto& { return c.search.children; }, 1, kMaxPopulation,
          "children per generation"),
      real_field(
          "search.archive_parents", [](auto& c) -> auto& { return c.search.archive_parents; }, 0.0, 1.0,
          "share of parents drawn from the Pareto archive"),
      count_field(
          "search.max_evaluations", [](auto& c) -> auto& { return c.search.max_evaluations; }, 1, kMaxEvaluations,
          "evaluations before the search stops"),
      real_field(
          "search.max_seconds", [](auto& c) -> auto& { return c.search.max_seconds; }, 0.0, 1e9,
          "seconds before the search stops (0: no limit)"),
  };
  return fields;
}

const std::vector<std::pair<std::string, std::string>>& search_config_sections() {
  static const std::vector<std::pair<std::string, std::string>> table = [] {
    std::vector<std::pair<std::string, std::string>> sections{
        {"choices", "the space's choice overrides, {dimension: [values]} (zerolm info lists the keys)"},
        {"proxy", fmt::format("name ({}), mode (expected|sampled), alpha (a number or heuristic) and the proxy's own "
                              "options (zerolm info lists them)",
                              proxy_names_help())},
        {"search.seed_architectures", "architectures (files or inline) the first population starts from"},
        {"objectives",
         fmt::format("[proxy, costs...] minimised beside the proxy; costs: {}", cost_registry().names_text())},
        {"constraints",
         "a window per cost, NAME: {min: ..., max: ...} (and max_parameters, min_parameters, "
         "parameters: total|non_embedding, max_latency, max_memory)"},
    };
    for (const CostDescriptor& d : cost_registry()) {
      if (d.parse)
        sections.emplace_back(d.name,
                              fmt::format("the {} cost's settings: {}", d.name,
                                          d.section_keys.empty() ? std::string("none")
                                                                 : fmt::format("{}", fmt::join(d.section_keys, ", "))));
    }
    return sections;
  }();
  return table;
}

void check_config_key(const std::string& path, const std::string& context) {
  for (const ConfigField& f : search_config_fields()) {
    if (f.path == path) return;
  }
  for (const auto& [section, help] : search_config_sections()) {
    if (path == section || path.compare(0, section.size() + 1, section + ".") == 0) return;
  }
  // The keys at the deepest level the path reaches.
  std::string prefix;
  std::vector<std::string> known = keys_under("");
  const auto parts = split_path(path);
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    const auto deeper = keys_under(prefix + parts[i] + ".");
    if (deeper.empty()) break;
    prefix += parts[i] + ".";
    known = deeper;
  }
  ZEROLM_FAIL("{}: '{}' is not a config key ({}keys: {}; zerolm search --help lists them all)", context, path,
              prefix.empty() ? std::string() : "'" + prefix.substr(0, prefix.size() - 1) + "' ",
              fmt::join(known, ", "));
}

std::string search_config_help() {
  std::string out = "Config keys (YAML; --set key.path=value, sweep axes):\n";
  for (const ConfigField& f : search_config_fields()) {
    const nlohmann::json value = f.write(SearchRunConfig{});
    const std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
    out += fmt::format("  {:<26} {} (default {}): {}\n", f.path, f.what, shown.empty() ? "none" : shown, f.help);
  }
  for (const auto& [path, help] : search_config_sections()) out += fmt::format("  {:<26} {}\n", path, help);
  return out;
}

std::unique_ptr<SearchSpace> SearchRunConfig::make_space() const {
  SpaceOptions options;
  options.protocol = protocol;
  options.choices = choices;
  return make_search_space(space, options);
}

nlohmann::json SearchRunConfig::to_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const ConfigField& f : search_config_fields()) {
    nlohmann::json* at = &out;
    for (const auto& part : split_path(f.path)) at = &(*at)[part];
    *at = f.write(*this);
  }
  const ProxyDescriptor& descriptor = proxy_descriptor(proxy);
  nlohmann::json proxy_json{{"name", proxy}, {"mode", proxy_mode_name(proxy_options.mode)}};
  for (const auto& o : descriptor.options) proxy_json[o.key] = o.get(proxy_options);
  if (descriptor.combines_modules) {
    proxy_json["alpha"] =
        alpha.kind == AlphaChoice::Kind::number ? nlohmann::json(proxy_options.alpha) : nlohmann::json("heuristic");
  }
  out["choices"] = choices;
  out["proxy"] = proxy_json;
  out["objectives"] = search.costs.objective_names();
  if (!search.seeds.empty()) {
    const auto seed_space = make_space();
    for (const auto& a : search.seeds) out["search"]["seed_architectures"].push_back(seed_space->to_json(a));
  }
  for (const CostTerm& t : search.costs) {
    if (!t.bounded()) continue;
    nlohmann::json window = nlohmann::json::object();
    if (std::isfinite(t.min)) window["min"] = t.min;
    if (std::isfinite(t.max)) window["max"] = t.max;
    out["constraints"][t.name()] = window;
  }
  const nlohmann::json sections = search.costs.sections_json();
  for (const auto& [name, section] : sections.items()) out[name] = section;
  return out;
}

SearchRunConfig SearchRunConfig::from_json(const nlohmann::json& value) {
  return parse("stored configuration", json_to_yaml(value));
}

namespace {
// `root` read as the config `source` after the `--set key.path=value` overrides
// (values parsed as YAML scalars; errors name the override).
SearchRunConfig parse_with_overrides(const std::string& source, YAML::Node root,
                                     const std::vector<std::string>& overrides) {
  yaml_fields::OverrideNodes set_nodes;
  for (const auto& assignment : overrides) {
    const auto eq = assignment.find('=');
    ZEROLM_CHECK(eq != std::string::npos && eq > 0, "--set: '{}' is not key.path=value", assignment);
    const std::string key = assignment.substr(0, eq);
    check_config_key(key, "--set " + assignment);
    const YAML::Node value = load_yaml(assignment.substr(eq + 1), "--set " + assignment);
    set_nodes.add(value, assignment);
    // Walk key.path, creating maps as needed (node copies share the tree).
    const std::vector<std::string> parts = split_path(key);
    std::vector<YAML::Node> chain{root};
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
      YAML::Node next = chain.back()[parts[i]];
      if (!next.IsMap()) {
        chain.back()[parts[i]] = YAML::Node(YAML::NodeType::Map);
        next = chain.back()[parts[i]];
      }
      chain.push_back(next);
    }
    chain.back()[parts.back()] = value;
  }
  const yaml_fields::OverrideNodes* outer = std::exchange(yaml_fields::OverrideNodes::current(), &set_nodes);
  SearchRunConfig c;
  try {
    c = parse(source, root);
  } catch (...) {
    yaml_fields::OverrideNodes::current() = outer;
    throw;
  }
  yaml_fields::OverrideNodes::current() = outer;
  return c;
}
}  // namespace

SearchRunConfig load_search_config(const std::string& path, const std::vector<std::string>& overrides) {
  return parse_search_config(read_text_file(path), path, overrides);
}

SearchRunConfig parse_search_config(const std::string& text, const std::string& name,
                                    const std::vector<std::string>& overrides) {
  SearchRunConfig c =
      parse_with_overrides(name, yaml_fields::load_mapping_text(text, name, "search config"), overrides);
  const std::string missing = c.search.costs.missing_section();
  ZEROLM_CHECK(missing.empty(), "{}: {}", name, missing);
  return c;
}

SearchRunConfig stored_search_config(const nlohmann::json& stored, const std::vector<std::string>& overrides) {
  return parse_with_overrides("stored configuration", json_to_yaml(stored), overrides);
}

}  // namespace zerolm
