#include "engine/runs/stored_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "engine/core/error.hpp"
#include "engine/runs/run_setup.hpp"
#include "engine/search/exact_search.hpp"

namespace zerolm {

namespace {
SearchSummary summary_of(const RunStore& store, const SearchSpace& space, const SearchState& s) {
  SearchSummary out;
  out.directory = store.directory();
  out.best_score = s.best.score;
  out.best = s.have_best ? space.summary(s.best.architecture) : "";
  out.archive_size = s.archive.size();
  out.hypervolume = s.history.empty() ? 0.0 : s.history.back().hypervolume;
  out.evaluations = s.evaluations;
  out.seconds = s.history.empty() ? 0.0 : s.history.back().seconds;
  out.finished = store.finished();
  return out;
}

// strategy: exact. One program, committed as one generation whose population and
// archive are the front, so export, report and resume read it like any run.
SearchSummary run_exact(const SearchSpace& space, const Proxy& proxy, const SearchConfig& search, RunStore& store,
                        const SearchProgress& progress) {
  if (!store.has_checkpoint()) {
    const ExactSearchResult exact = exact_search(space, proxy, exact_costs(search.costs));
    SearchState state;
    state.generation = 1;
    ZEROLM_CHECK(!exact.front.empty(), "search strategy exact: no architecture of space '{}' has {}", space.name(),
                 search.costs.limits_text());
    state.archive = ParetoArchive(search.costs.objectives());
    for (const auto& e : exact.front) {
      state.archive.offer(e.architecture, e.objectives());
      state.population.push_back(e);
    }
    state.best = exact.front.back();
    state.have_best = true;
    state.evaluations = exact.evaluations;
    state.reference = hypervolume_reference(search, exact.front);
    state.seconds = exact.seconds;
    state.history.push_back({0, exact.evaluations, state.best.score, state.archive.size(),
                             state.archive.hypervolume(state.reference), exact.seconds});
    store.commit_generation(space, search.costs, state, exact.front);
    fmt::print(stderr,
               "zerolm: exact search over {} architectures ({} layer families): {} proxy evaluations, {} partial sums, "
               "front of {} in {:.3f} s\n",
               exact.architectures < 1e15 ? fmt::format("{:.0f}", exact.architectures)
                                          : fmt::format("{:.3g}", exact.architectures),
               exact.families, exact.evaluations, exact.states, exact.front.size(), exact.seconds);
    if (progress)
      progress(state.history.back(), static_cast<double>(exact.evaluations) / std::max(exact.seconds, 1e-9));
    store.mark_finished();
  }
  auto [state, cache] = store.load(space, search.costs);
  return summary_of(store, space, state);
}

SearchSummary run_in_store(SearchRunConfig& c, RunStore& store, const kernels::WeightStatisticsBackend* backend,
                           const SearchProgress& progress, const SearchStop& stop) {
  ZEROLM_CHECK(
      store.islands() == 0,
      "{}: a distributed run of {} islands; resume it with: mpirun -n {} zerolm search --resume {} --distributed",
      store.directory(), store.islands(), store.islands(), store.directory());
  const RunParts parts = make_run_parts(c, backend);
  const SearchSpace& space = *parts.space;
  if (c.search.strategy == SearchStrategy::exact) return run_exact(space, *parts.proxy, parts.search, store, progress);
  SearchRun run(space, *parts.proxy, parts.search);
  if (store.has_checkpoint()) {
    const auto measured = store.measurements();
    parts.search.costs.remember(measured);
    auto [state, cache] = store.load(space, parts.search.costs);
    run.restore(std::move(state), cache);
    fmt::print(stderr, "zerolm: resuming {} at generation {} ({} evaluations, {} latencies measured earlier)\n",
               store.directory(), run.state().generation, run.state().evaluations, measured.size());
  }
  std::size_t last_evaluations = run.state().evaluations;
  double last_seconds = run.state().history.empty() ? 0.0 : run.state().history.back().seconds;
  while (!run.finished()) {
    const auto evaluated = run.step();
    store.commit_generation(space, parts.search.costs, run.state(), evaluated,
                            parts.search.costs.take_new_measurements());
    const auto& r = run.state().history.back();
    if (progress && (r.generation % std::max<std::size_t>(c.log_every, 1) == 0 || run.finished())) {
      progress(r, static_cast<double>(r.evaluations - last_evaluations) / std::max(r.seconds - last_seconds, 1e-9));
      last_evaluations = r.evaluations;
      last_seconds = r.seconds;
    }
    if (!run.finished() && stop && stop()) return summary_of(store, space, run.state());
  }
  store.mark_finished();
  return summary_of(store, space, run.state());
}
}  // namespace

SearchSummary run_stored_search(SearchRunConfig c, std::optional<RunStore> store,
                                const kernels::WeightStatisticsBackend* backend, const SearchProgress& progress,
                                const SearchStop& stop) {
  if (store) return run_in_store(c, *store, backend, progress, stop);
  prepare_new_run(c);
  store.emplace(RunStore::create(c.output, c.to_json()));
  try {
    return run_in_store(c, *store, backend, progress, stop);
  } catch (...) {
    // A new run that fails before its first generation leaves no store behind:
    // nothing in it could be resumed, and it would block running the config again.
    bool empty = false;
    try {
      empty = !store->has_checkpoint();
    } catch (...) {
    }
    if (empty) {
      const std::string directory = store->directory();
      store.reset();  // closes the database and releases the lock
      try {
        RunStore::remove(directory);
      } catch (...) {  // the original error is the one to report
      }
    }
    throw;
  }
}

// --resume DIR [--set search.max_evaluations=N]: the stored run, continued; with
// a larger budget, a finished run too (a run is a function of its config and
// seed, so extending one whose budget ended at a generation boundary gives the
// run that the larger budget would have given in one go).
SearchRunConfig resumed_search_config(RunStore& store, const std::vector<std::string>& overrides) {
  static const std::vector<std::string> kExtending{"search.max_evaluations", "search.max_seconds"};
  for (const auto& assignment : overrides) {
    const std::string key = assignment.substr(0, assignment.find('='));
    ZEROLM_CHECK(std::find(kExtending.begin(), kExtending.end(), key) != kExtending.end(),
                 "--set {} with --resume: a resumed run keeps its stored config; only search.max_evaluations and "
                 "search.max_seconds extend it",
                 assignment);
  }
  const SearchRunConfig stored = SearchRunConfig::from_json(store.config());
  if (overrides.empty()) {
    ZEROLM_CHECK(!store.finished(),
                 "{}: the run has finished ({} evaluations); nothing to resume (extend it with --set "
                 "search.max_evaluations=N --resume {})",
                 store.directory(), stored.search.max_evaluations, store.directory());
    return stored;
  }
  SearchRunConfig c = stored_search_config(store.config(), overrides);
  ZEROLM_CHECK(c.search.strategy != SearchStrategy::exact,
               "{}: an exact search has no budget to extend (its front is complete)", store.directory());
  ZEROLM_CHECK(c.search.max_evaluations >= stored.search.max_evaluations,
               "--set search.max_evaluations={}: the run already has a budget of {}; a resumed run can only grow",
               c.search.max_evaluations, stored.search.max_evaluations);
  ZEROLM_CHECK(
      stored.search.max_seconds == 0 || c.search.max_seconds == 0 || c.search.max_seconds >= stored.search.max_seconds,
      "--set search.max_seconds={}: the run already has {} s; a resumed run can only grow", c.search.max_seconds,
      stored.search.max_seconds);
  store.extend(c.to_json());
  return c;
}

SearchSummary summarize_run(const RunStore& store) {
  const SearchRunConfig c = SearchRunConfig::from_json(store.config());
  const auto space = c.make_space();
  if (!store.has_checkpoint()) {
    SearchSummary out;
    out.directory = store.directory();
    return out;
  }
  const auto [state, cache] = store.load(*space, c.search.costs);
  return summary_of(store, *space, state);
}

}  // namespace zerolm
