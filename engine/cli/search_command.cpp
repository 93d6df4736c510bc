// zerolm search CONFIG.yaml | --resume DIR: a whole architecture search from one
// config, checkpointed every generation, resumable after a crash.
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>

#include "engine/cli/commands.hpp"
#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/distributed/communicator.hpp"
#include "engine/runs/island_search.hpp"
#include "engine/runs/stored_search.hpp"

namespace zerolm::cli {

namespace {

void progress(const SearchRunConfig& c, const GenerationRecord& r, bool json, double rate) {
  const double total = static_cast<double>(c.search.max_evaluations);
  // Exact search spends no evaluation budget: past it, nothing is left.
  const double eta = rate > 0 ? std::max(0.0, total - static_cast<double>(r.evaluations)) / rate : 0.0;
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"generation", r.generation},
                                      {"evaluations", r.evaluations},
                                      {"evaluations_per_second", rate},
                                      {"best_score", r.best_score},
                                      {"archive_size", r.archive_size},
                                      {"hypervolume", r.hypervolume},
                                      {"seconds", r.seconds},
                                      {"eta_seconds", eta}}
                           .dump());
    std::fflush(stdout);
    return;
  }
  const double fraction = std::min(1.0, static_cast<double>(r.evaluations) / total);
  const int filled = static_cast<int>(fraction * 30);
  fmt::print(stderr, "\r[{}{}] gen {} | {} evals | {:.0f} evals/s | best {:.6g} | archive {} | ETA {:.0f} s   ",
             std::string(static_cast<std::size_t>(filled), '#'),
             std::string(static_cast<std::size_t>(30 - filled), '.'), r.generation, r.evaluations, rate, r.best_score,
             r.archive_size, eta);
}

void print_summary(const SearchSummary& s) {
  fmt::print(stderr,
             "zerolm: {} evaluations in {:.2f} s ({:.0f}/s); best score {:.6g} ({}); archive {} architectures, "
             "hypervolume {:.6g}; run stored in {}\n",
             s.evaluations, s.seconds, static_cast<double>(s.evaluations) / std::max(s.seconds, 1e-9), s.best_score,
             s.best, s.archive_size, s.hypervolume, s.directory);
}

// Ctrl-C: the run stops after the generation it is in is committed (a second
// Ctrl-C ends the process at once; the store loses nothing either way).
volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_interrupt(int) {
  interrupted = 1;
  std::signal(SIGINT, SIG_DFL);
}

// mpirun -n N zerolm search ... --distributed: one island per rank.
int run_distributed(const CliParams& o) {
  const auto communicator = make_mpi_communicator();
  DistributedSearchOptions d;
  d.resume = o.resume;
  d.device = o.proxy.device;
  const bool json = o.log_json || isatty(STDERR_FILENO) == 0;
  if (o.resume.empty()) {
    d.load_config = [&] {
      SearchRunConfig c = load_search_config(o.config, o.overrides);
      if (!o.out.empty()) c.output = o.out;
      ZEROLM_CHECK(!c.output.empty(), "{}: no output folder: set 'output' in the config or pass --out DIR", o.config);
      return c;
    };
  }
  d.progress = [&](const SearchRunConfig& c, const GenerationRecord& r, double rate) { progress(c, r, json, rate); };
  try {
    const SearchSummary s = run_distributed_search(*communicator, d);
    if (communicator->rank() != 0) return 0;
    if (!json) fmt::print(stderr, "\n");
    print_summary(s);
    return 0;
  } catch (const ErrorAlreadyReported&) {
    return 2;  // rank 0 prints the error
  }
}

}  // namespace

int run_search(const CliParams& o) {
  ZEROLM_CHECK(o.config.empty() != o.resume.empty(), "zerolm search takes a CONFIG.yaml or --resume DIR (one of them)");
  ZEROLM_CHECK(o.out.empty() || o.resume.empty(),
               "--out {} with --resume {}: a resumed run stays in its own folder (leave --out out)", o.out, o.resume);
  ZEROLM_CHECK(!o.overwrite || o.resume.empty(),
               "--overwrite and --resume exclude each other: --overwrite starts the run again from the config");
  ZEROLM_CHECK(!o.distributed || (!o.overwrite && (o.resume.empty() || o.overrides.empty())),
               "--distributed: --overwrite and extending a run with --set and --resume are single-process only "
               "(remove the run folder, or extend it without --distributed)");
  if (o.distributed) return run_distributed(o);
  ZEROLM_CHECK(!launched_with_several_ranks(),
               "zerolm search was started as one of several MPI ranks: add --distributed for an island model over them "
               "(otherwise every rank would run the same search into the same run folder)");
  SearchRunConfig c;
  std::optional<RunStore> store;
  if (!o.resume.empty()) {
    store.emplace(RunStore::open(o.resume));
    c = resumed_search_config(*store, o.overrides);
  } else {
    c = load_search_config(o.config, o.overrides);
    if (!o.out.empty()) c.output = o.out;
    ZEROLM_CHECK(!c.output.empty(), "{}: no output folder: set 'output' in the config or pass --out DIR", o.config);
    if (o.overwrite && RunStore::remove(c.output)) {
      fmt::print(stderr, "zerolm: --overwrite: removed the run stored in {}\n", c.output);
    }
  }
  if (!o.proxy.device.empty()) c.device = o.proxy.device;
  const bool json = o.log_json || isatty(STDERR_FILENO) == 0;
  const kernels::WeightStatisticsBackend* backend = resolve_device(c.device, c.proxy, c.proxy_options.mode);
  // A shell's background job ignores SIGINT; so does the run then.
  if (std::signal(SIGINT, on_interrupt) == SIG_IGN) std::signal(SIGINT, SIG_IGN);
  const SearchSummary s = run_stored_search(
      c, std::move(store), backend, [&](const GenerationRecord& r, double rate) { progress(c, r, json, rate); },
      [] { return interrupted != 0; });
  if (!json) fmt::print(stderr, "\n");
  print_summary(s);
  if (!s.finished) {
    fmt::print(stderr, "zerolm: interrupted after {} evaluations; continue with: zerolm search --resume {}\n",
               s.evaluations, s.directory);
    return 130;
  }
  return 0;
}

}  // namespace zerolm::cli
