#include "engine/export/run_export.hpp"

#include <algorithm>
#include <filesystem>

#include "engine/core/error.hpp"
#include "engine/export/export_formats.hpp"
#include "engine/store/checkpoint.hpp"
#include "engine/store/run_store.hpp"

namespace zerolm {

SelectedArchitectures select_from_run(const std::string& directory, const RunSelection& selection) {
  using Kind = RunSelection::Kind;
  const RunStore store = RunStore::open_read_only(directory);
  SelectedArchitectures out;
  out.config = SearchRunConfig::from_json(store.config());
  out.space = out.config.make_space();
  const SearchSpace& space = *out.space;
  auto [state, cache] = store.load(space, out.config.search.costs);
  const std::size_t islands = store.islands();
  if (selection.island) {
    // One island of a distributed run: its own archive and population.
    const std::int64_t island = *selection.island;
    ZEROLM_CHECK(islands > 0, "--island: {} is a single-process run (no islands)", directory);
    ZEROLM_CHECK(island >= 0 && static_cast<std::size_t>(island) < islands, "--island: value {} is not in 0..{}",
                 island, islands - 1);
    ZEROLM_CHECK(selection.kind != Kind::top, "--island takes --pareto or --population");
    const IslandRestart restart =
        store.load_islands(islands, out.config.search.costs).at(static_cast<std::size_t>(island));
    state.archive = ParetoArchive(out.config.search.costs.objectives());
    for (const auto& r : restart.archive) state.archive.offer(evaluated_of(space, r).architecture, r.objectives());
    state.population.clear();
    for (const auto& r : restart.population) state.population.push_back(evaluated_of(space, r));
  } else {
    ZEROLM_CHECK(selection.kind != Kind::population || islands == 0,
                 "--population: {} is a distributed run with one population per island; pass --island 0..{}", directory,
                 islands - 1);
  }
  switch (selection.kind) {
    case Kind::pareto:
      for (const auto& e : state.archive.entries()) {
        out.chosen.push_back({e.architecture, e.objectives.proxy, e.objectives.costs});
      }
      std::sort(out.chosen.begin(), out.chosen.end(),
                [](const auto& a, const auto& b) { return a.parameters() < b.parameters(); });
      break;
    case Kind::population: out.chosen.assign(state.population.begin(), state.population.end()); break;
    case Kind::top:
      out.chosen = std::move(cache);
      std::stable_sort(out.chosen.begin(), out.chosen.end(),
                       [](const auto& a, const auto& b) { return a.score > b.score; });
      out.chosen.resize(std::min(selection.top, out.chosen.size()));
      break;
  }
  return out;
}

void export_run(const std::string& directory, const RunSelection& selection, const RunExport& request) {
  // A run's own store files are never an export target.
  if (!request.out.empty() && request.out != "-") {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::path out = fs::weakly_canonical(request.out, ec);
    const std::string name = out.filename().string();
    std::error_code same_ec;
    const bool in_run_folder = !ec && fs::equivalent(out.parent_path(), directory, same_ec);
    const auto& store_files = RunStore::file_names();
    ZEROLM_CHECK(!in_run_folder || std::find(store_files.begin(), store_files.end(), name) == store_files.end(),
                 "--out {}: that is the run's own store ({}); export to another file or folder", request.out, name);
  }
  ZEROLM_CHECK(!request.weights || request.format == "pytorch",
               "--weights: --format {} holds no weights (--format pytorch does)", request.format);
  const SelectedArchitectures selected = select_from_run(directory, selection);
  const ExportFormat& format = export_format(request.format, *selected.space);
  // Initial weights are the ones the run's sampled mode drew unless a seed is given.
  const std::uint64_t seed = request.seed.value_or(selected.config.proxy_options.seed);
  format.write({*selected.space, selected.config, selected.chosen, request.out.empty() ? "-" : request.out, seed,
                request.weights});
}

}  // namespace zerolm
