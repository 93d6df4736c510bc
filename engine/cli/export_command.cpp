// zerolm export DIR: the Pareto archive, the top-k or the population of a run, in
// any format of the export registry (engine/export/export_formats.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "engine/cli/commands.hpp"
#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/export/export_formats.hpp"
#include "engine/store/run_store.hpp"

namespace zerolm::cli {

int run_export(const CliParams& o) {
  ZEROLM_CHECK((o.pareto ? 1 : 0) + (o.export_top > 0 ? 1 : 0) + (o.population ? 1 : 0) == 1,
               "zerolm export needs exactly one of --pareto, --top K, --population");
  // A run's own store files are never an export target.
  if (!o.out.empty() && o.out != "-") {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path out = fs::weakly_canonical(o.out, ec);
    const std::string name = out.filename().string();
    std::error_code same_ec;
    const bool in_run_folder = !ec && fs::equivalent(out.parent_path(), o.directory, same_ec);
    const auto& store_files = RunStore::file_names();
    ZEROLM_CHECK(!in_run_folder || std::find(store_files.begin(), store_files.end(), name) == store_files.end(),
                 "--out {}: that is the run's own store ({}); export to another file or folder", o.out, name);
  }
  const RunStore store = RunStore::open_read_only(o.directory);
  const SearchRunConfig c = SearchRunConfig::from_json(store.config());
  const auto space = c.make_space();
  const ExportFormat& format = export_format(o.format, *space);
  auto [state, cache] = store.load(*space, c.search.costs);
  const std::size_t islands = store.islands();
  if (o.was_given("--island")) {
    // One island of a distributed run: its own archive and population.
    ZEROLM_CHECK(islands > 0, "--island: {} is a single-process run (no islands)", o.directory);
    ZEROLM_CHECK(o.island >= 0 && static_cast<std::size_t>(o.island) < islands, "--island: value {} is not in 0..{}",
                 o.island, islands - 1);
    ZEROLM_CHECK(o.export_top == 0, "--island takes --pareto or --population");
    const IslandRestart island = store.load_islands(islands, c.search.costs).at(static_cast<std::size_t>(o.island));
    state.archive = ParetoArchive(c.search.costs.objectives());
    for (const auto& r : island.archive) state.archive.offer(evaluated_of(*space, r).architecture, r.objectives());
    state.population.clear();
    for (const auto& r : island.population) state.population.push_back(evaluated_of(*space, r));
  } else {
    ZEROLM_CHECK(!o.population || islands == 0,
                 "--population: {} is a distributed run with one population per island; pass --island 0..{}",
                 o.directory, islands - 1);
  }
  std::vector<EvaluatedArchitecture> chosen;
  if (o.pareto) {
    for (const auto& e : state.archive.entries()) {
      chosen.push_back({e.architecture, e.objectives.proxy, e.objectives.costs});
    }
    std::sort(chosen.begin(), chosen.end(),
              [](const auto& a, const auto& b) { return a.parameters() < b.parameters(); });
  } else if (o.population) {
    chosen.assign(state.population.begin(), state.population.end());
  } else {
    chosen = cache;
    std::stable_sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    chosen.resize(std::min(o.export_top, chosen.size()));
  }
  // Initial weights are the ones the run's sampled mode drew unless --seed says otherwise.
  const std::uint64_t seed = o.was_given("--seed") ? o.seed : c.proxy_options.seed;
  ZEROLM_CHECK(!o.weights || o.format == "pytorch", "--weights: --format {} holds no weights (--format pytorch does)",
               o.format);
  format.write({*space, c, chosen, o.out.empty() ? "-" : o.out, seed, o.weights});
  return 0;
}

}  // namespace zerolm::cli
