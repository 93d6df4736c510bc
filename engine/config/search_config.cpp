#include "engine/config/search_config.hpp"

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
// registry entry lists (any other proxy's option is an error that says whose it is).
void parse_proxy(const std::string& file, const YAML::Node& p, SearchRunConfig& c) {
  std::vector<std::string> keys{"name", "mode", "alpha"};
  for (const ProxyOptionSpec* o : all_proxy_options()) keys.push_back(o->key);
  check_keys(file, p, "proxy", keys);
  if (p["name"]) {
    c.proxy = scalar<std::string>(file, p["name"], "proxy.name");
    try {
      (void)proxy_descriptor(c.proxy);
    } catch (const Error& e) {
      throw e.with_context(where(file, p["name"]) + ": 'proxy.name'");
    }
  }
  const ProxyDescriptor& descriptor = proxy_descriptor(c.proxy);
  if (p["mode"]) {
    try {
      c.proxy_options.mode = parse_proxy_mode(scalar<std::string>(file, p["mode"], "proxy.mode"));
    } catch (const Error& e) {
      throw e.with_context(where(file, p["mode"]) + ": 'proxy.mode'");
    }
  }
  if (p["alpha"]) {
    ZEROLM_CHECK(descriptor.combines_modules, "{}: 'proxy.alpha' does not apply to proxy {} (it takes: {})",
                 where(file, p["alpha"]), c.proxy, descriptor.option_keys());
    if (p["alpha"].IsScalar() && p["alpha"].Scalar() == "heuristic") {
      c.heuristic_alpha = true;
    } else {
      c.proxy_options.alpha = number(file, p["alpha"], "proxy.alpha", -100.0, 100.0);
      c.heuristic_alpha = false;
    }
  }
  for (const auto& item : p) {
    const auto key = item.first.as<std::string>();
    if (key == "name" || key == "mode" || key == "alpha") continue;
    const ProxyOptionSpec* spec = descriptor.option(key);
    const std::string field = "proxy." + key;
    ZEROLM_CHECK(spec != nullptr, "{}: '{}' does not apply to proxy {} (it takes: {})", where(file, item.first), field,
                 c.proxy, descriptor.option_keys());
    try {
      spec->set(scalar<std::string>(file, item.second, field), c.proxy_options);
    } catch (const Error& e) {
      throw e.with_context(where(file, item.second) + ": '" + field + "'");
    }
  }
}

// The `latency:` section: a stored model (a resumed run's), or a model kind of
// the registry with its keys, stored inline.
nlohmann::json parse_latency(const std::string& file, const YAML::Node& l) {
  ZEROLM_CHECK(l.IsMap(), "{}: 'latency' must be a mapping", where(file, l));
  const nlohmann::json section = yaml_to_json(l);
  const std::string name = l["model"] ? scalar<std::string>(file, l["model"], "latency.model") : "analytic";
  const LatencyModelKind* kind = find_latency_model_kind(name);
  ZEROLM_CHECK(kind != nullptr, "{}: 'latency.model': value '{}' is not {}", where(file, l["model"]), name,
               latency_model_names());
  if (kind->is_stored(section) && l["model"]) return section;
  std::vector<std::string> keys = kind->config_keys;
  keys.push_back("model");
  for (const auto& item : l) {
    const auto key = item.first.as<std::string>();
    ZEROLM_CHECK(std::find(keys.begin(), keys.end(), key) != keys.end(),
                 "{}: 'latency.{}' does not apply to the {} model", where(file, item.first), key, name);
  }
  const auto at = [&](const char* key) { return key != nullptr && l[key] ? where(file, l[key]) : where(file, l); };
  return kind->from_config(section, std::filesystem::path(file).parent_path().string(), at);
}

// The `memory:` section: `file:` names a model written by `zerolm memory fit`
// (`model:` may say its kind), read now and stored inline; a stored run's
// section is the model itself.
nlohmann::json parse_memory(const std::string& file, const YAML::Node& m) {
  ZEROLM_CHECK(m.IsMap(), "{}: 'memory' must be a mapping such as {{file: mem.json}}", where(file, m));
  const nlohmann::json section = yaml_to_json(m);
  const std::string name = m["model"] ? scalar<std::string>(file, m["model"], "memory.model") : "analytic";
  ZEROLM_CHECK(find_memory_model_kind(name) != nullptr, "{}: 'memory.model': value '{}' is not {}",
               where(file, m["model"] ? m["model"] : m), name, memory_model_names());
  if (!m["file"]) {  // the stored form: the model's own fields
    try {
      return zerolm::make_memory_model(section, "memory")->to_json();
    } catch (const Error& e) {
      throw e.with_context(fmt::format("{}: 'memory' needs a 'file' (from zerolm memory fit)", where(file, m)));
    }
  }
  for (const auto& item : m) {
    const auto key = item.first.as<std::string>();
    ZEROLM_CHECK(key == "model" || key == "file", "{}: 'memory.{}' does not apply with a file (it takes: model, file)",
                 where(file, item.first), key);
  }
  std::filesystem::path path = scalar<std::string>(file, m["file"], "memory.file");
  if (path.is_relative()) path = std::filesystem::path(file).parent_path() / path;
  try {
    auto model = zerolm::make_memory_model(read_json_file(path.string()), path.string());
    ZEROLM_CHECK(model->kind() == name, "{}: field 'model': value '{}', but 'memory.model' says '{}'", path.string(),
                 model->kind(), name);
    return model->to_json();
  } catch (const Error& e) {
    throw e.with_context(where(file, m["file"]) + ": 'memory.file'");
  }
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

SearchRunConfig parse(const std::string& file, const YAML::Node& root) {
  SearchRunConfig c;
  check_keys(file, root, "",
             {"space", "protocol", "choices", "proxy", "search", "constraints", "objectives", "seed", "device",
              "output", "log_every", "latency", "memory", "islands"});
  if (root["space"]) c.space = scalar<std::string>(file, root["space"], "space");
  if (root["protocol"]) c.protocol = scalar<std::string>(file, root["protocol"], "protocol");
  if (const auto choices = root["choices"]) {
    ZEROLM_CHECK(choices.IsMap(), "{}: 'choices' must be a mapping of dimension: [values]", where(file, choices));
    c.choices = yaml_to_json(choices);
    try {
      (void)c.make_space();  // validate the overrides now, with the file position
    } catch (const Error& e) {
      throw e.with_context(where(file, choices));
    }
  }
  if (root["seed"]) {
    c.search.seed = static_cast<std::uint64_t>(count(file, root["seed"], "seed", 0, std::size_t{1} << 53));
  }
  c.proxy_options.seed = c.search.seed;
  if (root["device"]) c.device = scalar<std::string>(file, root["device"], "device");
  if (root["output"]) c.output = scalar<std::string>(file, root["output"], "output");
  if (root["log_every"]) c.log_every = count(file, root["log_every"], "log_every", 1);
  if (const auto p = root["proxy"]) parse_proxy(file, p, c);
  if (const auto i = root["islands"]) {
    check_keys(file, i, "islands", {"migrate_every", "migrants"});
    if (i["migrate_every"]) c.islands.migrate_every = count(file, i["migrate_every"], "islands.migrate_every", 1);
    if (i["migrants"]) c.islands.migrants = count(file, i["migrants"], "islands.migrants", 0);
  }
  if (const auto s = root["search"]) {
    check_keys(file, s, "search",
               {"strategy", "population", "tournament", "children", "archive_parents", "max_evaluations", "max_seconds",
                "seed_architectures"});
    if (s["strategy"]) {
      const auto strategy = scalar<std::string>(file, s["strategy"], "search.strategy");
      try {
        c.search.strategy = parse_search_strategy(strategy);
      } catch (const Error& e) {
        throw e.with_context(where(file, s["strategy"]) + ": 'search.strategy'");
      }
    }
    if (s["population"]) c.search.population = count(file, s["population"], "search.population", 1, kMaxPopulation);
    if (s["tournament"]) c.search.tournament = count(file, s["tournament"], "search.tournament", 1, kMaxPopulation);
    if (s["children"]) c.search.children = count(file, s["children"], "search.children", 1, kMaxPopulation);
    if (s["archive_parents"]) {
      c.search.archive_parents = scalar<double>(file, s["archive_parents"], "search.archive_parents");
      ZEROLM_CHECK(c.search.archive_parents >= 0.0 && c.search.archive_parents <= 1.0,
                   "{}: 'search.archive_parents': value {} is not in [0, 1]", where(file, s["archive_parents"]),
                   c.search.archive_parents);
    }
    if (s["max_evaluations"]) {
      c.search.max_evaluations = count(file, s["max_evaluations"], "search.max_evaluations", 1, kMaxEvaluations);
    }
    if (s["max_seconds"]) c.search.max_seconds = number(file, s["max_seconds"], "search.max_seconds", 0.0, 1e9);
    if (const auto seeds = s["seed_architectures"]) parse_seeds(file, seeds, c);
    ZEROLM_CHECK(c.search.tournament <= c.search.population,
                 "{}: 'search.tournament': value {} exceeds the population {}",
                 where(file, s["tournament"] ? s["tournament"] : s), c.search.tournament, c.search.population);
  }
  if (const auto l = root["latency"]) c.latency = parse_latency(file, l);
  if (const auto m = root["memory"]) c.memory = parse_memory(file, m);
  if (const auto k = root["constraints"]) {
    check_keys(file, k, "constraints", {"max_parameters", "min_parameters", "parameters", "max_latency", "max_memory"});
    if (k["max_latency"]) {
      c.search.max_latency = scalar<double>(file, k["max_latency"], "constraints.max_latency");
      ZEROLM_CHECK(c.search.max_latency > 0, "{}: 'constraints.max_latency': value {} must be positive",
                   where(file, k["max_latency"]), c.search.max_latency);
    }
    if (k["max_memory"]) {
      c.search.max_memory = scalar<double>(file, k["max_memory"], "constraints.max_memory");
      ZEROLM_CHECK(c.search.max_memory > 0, "{}: 'constraints.max_memory': value {} must be positive (MB)",
                   where(file, k["max_memory"]), c.search.max_memory);
    }
    if (k["max_parameters"]) {
      c.search.max_parameters = scalar<double>(file, k["max_parameters"], "constraints.max_parameters");
      ZEROLM_CHECK(c.search.max_parameters > 0, "{}: 'constraints.max_parameters': value {} must be positive",
                   where(file, k["max_parameters"]), c.search.max_parameters);
    }
    if (k["min_parameters"]) {
      c.search.min_parameters = scalar<double>(file, k["min_parameters"], "constraints.min_parameters");
      ZEROLM_CHECK(std::isfinite(c.search.min_parameters) && c.search.min_parameters >= 0,
                   "{}: 'constraints.min_parameters': value {} must be a count of at least 0",
                   where(file, k["min_parameters"]), c.search.min_parameters);
      ZEROLM_CHECK(c.search.min_parameters <= c.search.max_parameters,
                   "{}: 'constraints.min_parameters': value {} exceeds max_parameters {}",
                   where(file, k["min_parameters"]), c.search.min_parameters, c.search.max_parameters);
    }
    if (k["parameters"]) {
      const auto count = scalar<std::string>(file, k["parameters"], "constraints.parameters");
      ZEROLM_CHECK(count == "total" || count == "non_embedding",
                   "{}: 'constraints.parameters': value '{}' is not total|non_embedding", where(file, k["parameters"]),
                   count);
      c.search.parameter_budget = count == "total" ? ParameterCount::total : ParameterCount::non_embedding;
    }
  }
  if (const auto o = root["objectives"]) {
    ZEROLM_CHECK(o.IsSequence(), "{}: 'objectives' must be a list such as [proxy, parameters]", where(file, o));
    std::vector<std::string> names;
    for (const auto& item : o) names.push_back(scalar<std::string>(file, item, "objectives[]"));
    const auto set = parse_objective_set(names);
    ZEROLM_CHECK(set.has_value(),
                 "{}: 'objectives': expected [proxy, parameters], [proxy, parameters, latency] or [proxy, parameters, "
                 "memory] (bound the other cost with constraints.max_latency or max_memory)",
                 where(file, o));
    c.search.objectives = *set;
  }
  return c;
}

}  // namespace

std::unique_ptr<LatencyModel> SearchRunConfig::make_latency_model(const SearchSpace& search_space) const {
  if (latency.is_null()) return nullptr;
  return zerolm::make_latency_model(latency, "config 'latency'", search_space);
}

std::unique_ptr<MemoryModel> SearchRunConfig::make_memory_model() const {
  if (memory.is_null()) return nullptr;
  return zerolm::make_memory_model(memory, "config 'memory'");
}

std::unique_ptr<SearchSpace> SearchRunConfig::make_space() const {
  SpaceOptions options;
  options.protocol = protocol;
  options.choices = choices;
  return make_search_space(space, options);
}

nlohmann::json SearchRunConfig::to_json() const {
  const ProxyDescriptor& descriptor = proxy_descriptor(proxy);
  nlohmann::json proxy_json{{"name", proxy}, {"mode", proxy_mode_name(proxy_options.mode)}};
  for (const auto& o : descriptor.options) proxy_json[o.key] = o.get(proxy_options);
  if (descriptor.combines_modules) {
    proxy_json["alpha"] = heuristic_alpha ? nlohmann::json("heuristic") : nlohmann::json(proxy_options.alpha);
  }
  nlohmann::json out{{"space", space},
                     {"protocol", protocol},
                     {"choices", choices},
                     {"proxy", proxy_json},
                     {"search",
                      {{"strategy", search_strategy_name(search.strategy)},
                       {"population", search.population},
                       {"tournament", search.tournament},
                       {"children", search.children},
                       {"archive_parents", search.archive_parents},
                       {"max_evaluations", search.max_evaluations},
                       {"max_seconds", search.max_seconds}}},
                     {"objectives", objective_names(search.objectives)},
                     {"seed", search.seed},
                     {"device", device},
                     {"output", output},
                     {"log_every", log_every},
                     {"islands", {{"migrate_every", islands.migrate_every}, {"migrants", islands.migrants}}}};
  if (!search.seeds.empty()) {
    const auto seed_space = make_space();
    for (const auto& a : search.seeds) out["search"]["seed_architectures"].push_back(seed_space->to_json(a));
  }
  if (std::isfinite(search.max_parameters)) out["constraints"]["max_parameters"] = search.max_parameters;
  if (search.min_parameters > 0) out["constraints"]["min_parameters"] = search.min_parameters;
  if (search.parameter_budget == ParameterCount::non_embedding) out["constraints"]["parameters"] = "non_embedding";
  if (std::isfinite(search.max_latency)) out["constraints"]["max_latency"] = search.max_latency;
  if (std::isfinite(search.max_memory)) out["constraints"]["max_memory"] = search.max_memory;
  if (!latency.is_null()) out["latency"] = latency;
  if (!memory.is_null()) out["memory"] = memory;
  return out;
}

SearchRunConfig SearchRunConfig::from_json(const nlohmann::json& value) {
  return parse("stored configuration", json_to_yaml(value));
}

SearchRunConfig load_search_config(const std::string& path, const std::vector<std::string>& overrides) {
  YAML::Node root = yaml_fields::load_mapping_file(path, "search config");
  yaml_fields::OverrideNodes set_nodes;
  for (const auto& assignment : overrides) {
    const auto eq = assignment.find('=');
    ZEROLM_CHECK(eq != std::string::npos && eq > 0, "--set: '{}' is not key.path=value", assignment);
    const std::string key = assignment.substr(0, eq);
    const YAML::Node value = load_yaml(assignment.substr(eq + 1), "--set " + assignment);
    set_nodes.add(value, assignment);
    // Walk key.path, creating maps as needed (node copies share the tree).
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
      const auto dot = key.find('.', start);
      parts.push_back(key.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
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
    c = parse(path, root);
  } catch (...) {
    yaml_fields::OverrideNodes::current() = outer;
    throw;
  }
  yaml_fields::OverrideNodes::current() = outer;
  const std::string missing = c.search.missing_model(!c.latency.is_null(), !c.memory.is_null());
  ZEROLM_CHECK(missing.empty(), "{}: {}", path, missing);
  return c;
}

}  // namespace zerolm
