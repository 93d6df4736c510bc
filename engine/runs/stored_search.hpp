// One search with its run store: create or resume, run generation by generation,
// commit each, mark finished. What `zerolm search` and every point of
// `zerolm sweep` run.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/search_config.hpp"
#include "engine/store/run_store.hpp"

namespace zerolm {

namespace kernels {
class WeightStatisticsBackend;
}

struct SearchSummary {
  std::string directory;
  double best_score = 0.0;
  std::string best;  // the space's one-line summary of the best architecture
  std::size_t archive_size = 0;
  double hypervolume = 0.0;
  std::size_t evaluations = 0;
  double seconds = 0.0;
  bool finished = false;
};

// Called after every `log_every`-th generation and the last, with the rate
// (evaluations/s) since the previous call.
using SearchProgress = std::function<void(const GenerationRecord&, double rate)>;

// Asked after every committed generation: true stops the run there, unfinished
// and resumable (Ctrl-C in the CLI and in Python).
using SearchStop = std::function<bool()>;

// Runs `c` to the end (or until `stop`). Without `store`, a new run is created
// in `c.output` (the heuristic alpha resolved and stored first); with it, the
// stored run continues (`c` must be its stored config). `backend` draws sampled
// weights.
SearchSummary run_stored_search(SearchRunConfig c, std::optional<RunStore> store,
                                const kernels::WeightStatisticsBackend* backend, const SearchProgress& progress = {},
                                const SearchStop& stop = {});

// The config a stored run resumes with: its own, or, with `--set
// search.max_evaluations=N` / `search.max_seconds=S` overrides (nothing else), its
// budget extended (stored in `store`), a finished run's too. Errors say why not.
SearchRunConfig resumed_search_config(RunStore& store, const std::vector<std::string>& overrides);

// What a stored run has so far (finished or not).
SearchSummary summarize_run(const RunStore& store);

}  // namespace zerolm
