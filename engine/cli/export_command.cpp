// zerolm export DIR: the Pareto archive, the top-k or the population of a run, as
// JSON or YAML that zerolm reads back.
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "engine/cli/commands.hpp"
#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/store/run_store.hpp"

namespace zerolm::cli {

namespace {
struct ExportOptions {
  std::string directory;
  bool pareto = false;
  std::size_t top = 0;
  bool population = false;
  std::string format = "json";
  std::string out = "-";
};

int run_export(const ExportOptions& o) {
  ZEROLM_CHECK((o.pareto ? 1 : 0) + (o.top > 0 ? 1 : 0) + (o.population ? 1 : 0) == 1,
               "zerolm export needs exactly one of --pareto, --top K, --population");
  ZEROLM_CHECK(o.format == "json" || o.format == "yaml", "--format: value '{}' is not json|yaml", o.format);
  const RunStore store = RunStore::open(o.directory);
  const SearchRunConfig c = SearchRunConfig::from_json(store.config());
  const auto space = make_search_space(c.space, {c.protocol});
  auto [state, cache] = store.load(*space, c.search.objectives);
  std::vector<EvaluatedArchitecture> chosen;
  if (o.pareto) {
    for (const auto& e : state.archive.entries()) {
      chosen.push_back({e.architecture, e.objectives.proxy, e.objectives.parameters, e.objectives.latency});
    }
    std::sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) { return a.parameters < b.parameters; });
  } else if (o.population) {
    chosen.assign(state.population.begin(), state.population.end());
  } else {
    chosen = cache;
    std::stable_sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    chosen.resize(std::min(o.top, chosen.size()));
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : chosen) {
    out.push_back({{"space", c.space}, {"protocol", c.protocol}, {"score", e.score}, {"parameters", e.parameters},
                   {"latency", e.latency}, {"hash", fmt::format("{:016x}", e.architecture.hash())},
                   {"architecture", space->to_json(e.architecture)}});
  }
  const std::string text = o.format == "json" ? out.dump(2) + "\n" : dump_yaml(out) + "\n";
  if (o.out == "-") {
    fmt::print("{}", text);
  } else {
    std::ofstream file(o.out);
    ZEROLM_CHECK(file.good(), "{}: cannot write the export", o.out);
    file << text;
    ZEROLM_CHECK(file.good(), "{}: writing the export failed", o.out);
  }
  return 0;
}
}  // namespace

Command add_export_command(CLI::App& app) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* sub = app.add_subcommand("export", "Export a run's Pareto archive, top-k or population");
  sub->add_option("directory", o->directory, "Run folder")->required();
  sub->add_flag("--pareto", o->pareto, "The Pareto archive");
  sub->add_option("--top", o->top, "The K best distinct architectures evaluated");
  sub->add_flag("--population", o->population, "The current population, oldest first");
  sub->add_option("--format", o->format, "json|yaml")->capture_default_str();
  sub->add_option("--out", o->out, "Output file ('-': standard output)")->capture_default_str();
  return {sub, [o] { return run_export(*o); }};
}

}  // namespace zerolm::cli
