#include "engine/runs/island_search.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

#include "engine/core/error.hpp"
#include "engine/runs/run_setup.hpp"
#include "engine/store/run_store.hpp"
#include "kernels/weight_statistics.hpp"

namespace zerolm {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using DistributedProgress = std::function<void(const SearchRunConfig&, const GenerationRecord&, double)>;

// Messages travel as CBOR (binary JSON: exact doubles and 64-bit hashes).
std::string encode(const json& value) {
  const auto bytes = json::to_cbor(value);
  return {bytes.begin(), bytes.end()};
}
json decode(const std::string& bytes) { return json::from_cbor(bytes); }

// Costs travel in CostSet order: every rank reads the same config.
json row_json(const EvaluationRow& r) { return json::array({r.hash, r.architecture, r.score, r.costs}); }
EvaluationRow row_from_json(const json& j) {
  return {j.at(0).get<std::uint64_t>(), j.at(1).get<std::string>(), j.at(2).get<double>(), j.at(3).get<CostValues>()};
}
json rows_json(const std::vector<EvaluationRow>& rows) {
  json out = json::array();
  for (const auto& r : rows) out.push_back(row_json(r));
  return out;
}
std::vector<EvaluationRow> rows_from_json(const json& j) {
  std::vector<EvaluationRow> out;
  for (const auto& r : j) out.push_back(row_from_json(r));
  return out;
}

EvaluationRow row_of(const SearchSpace& space, const EvaluatedArchitecture& e, bool with_text) {
  return {e.architecture.hash(), with_text ? space.to_json(e.architecture).dump() : std::string(), e.score, e.costs};
}

// Test hook: ZEROLM_KILL_RANK_AT="RANK:GENERATION" kills that rank with SIGKILL
// as that generation starts (a node failing mid-run).
void maybe_kill_rank(int rank, std::size_t generation) {
  static const char* spec = std::getenv("ZEROLM_KILL_RANK_AT");
  if (spec != nullptr && std::string(spec) == fmt::format("{}:{}", rank, generation)) std::raise(SIGKILL);
}

// Rank 0: what it prints when the launcher stops it (another rank died, or the
// job was cancelled). Written from the signal handler, so prepared beforehand.
char stop_message[1024] = "";
extern "C" void on_stop_signal(int) {
  const ssize_t written = ::write(STDERR_FILENO, stop_message, std::strlen(stop_message));
  (void)written;
  std::_Exit(2);
}
void set_stop_message(const std::string& text) { std::snprintf(stop_message, sizeof stop_message, "%s", text.c_str()); }

// One island's bookkeeping of what rank 0 already has, so each generation sends
// only the changes.
class IslandReporter {
 public:
  IslandReporter(const SearchSpace& space, std::size_t island) : space_(space), island_(island) {}

  void restore(const Checkpoint& checkpoint, const ParetoArchive& archive) {
    joined_ = checkpoint.joined;
    archive_position_ = checkpoint.archive_position;
    for (const auto& e : archive.entries()) archive_sent_.insert(e.architecture.hash());
  }

  IslandGeneration report(const SearchRun& run, const std::vector<EvaluatedArchitecture>& arrivals,
                          const std::vector<EvaluatedArchitecture>& evaluated) {
    IslandGeneration g;
    g.island = island_;
    for (const auto& e : arrivals) g.immigrants.push_back(row_of(space_, e, true));
    // Texts of first-seen children, serialised in parallel.
    g.evaluated.resize(evaluated.size());
    std::vector<std::size_t> fresh;
    for (std::size_t k = 0; k < evaluated.size(); ++k) {
      g.evaluated[k] = row_of(space_, evaluated[k], false);
      if (text_sent_.insert(evaluated[k].architecture.hash()).second) fresh.push_back(k);
    }
    tbb::parallel_for(std::size_t{0}, fresh.size(), [&](std::size_t i) {
      g.evaluated[fresh[i]].architecture = space_.to_json(evaluated[fresh[i]].architecture).dump();
    });
    const SearchState& s = run.state();
    ArchiveChanges changes = changes_since(s.archive, archive_sent_);
    for (const ArchiveEntry* e : changes.added) {
      g.archive_added.push_back(
          {e->architecture.hash(), space_.to_json(e->architecture).dump(), e->objectives.proxy, e->objectives.costs});
    }
    g.archive_removed = std::move(changes.removed);
    std::sort(g.archive_removed.begin(), g.archive_removed.end());
    archive_sent_ = std::move(changes.members);
    joined_ += static_cast<std::int64_t>(arrivals.size() + evaluated.size());
    archive_position_ += static_cast<std::int64_t>(g.archive_added.size());
    g.checkpoint.generation = s.generation;
    g.checkpoint.evaluations = s.evaluations;
    g.checkpoint.have_best = s.have_best;
    if (s.have_best) g.checkpoint.best = row_of(space_, s.best, true);
    g.checkpoint.reference = s.reference;
    g.checkpoint.seconds = s.history.empty() ? s.seconds : s.history.back().seconds;
    g.checkpoint.joined = joined_;
    g.checkpoint.archive_position = archive_position_;
    return g;
  }

 private:
  const SearchSpace& space_;
  std::size_t island_;
  std::unordered_set<std::uint64_t> text_sent_;
  std::unordered_set<std::uint64_t> archive_sent_;
  std::int64_t joined_ = 0, archive_position_ = 0;
};

json island_generation_json(const IslandGeneration& g, const CostSet& costs) {
  return {{"island", g.island},
          {"immigrants", rows_json(g.immigrants)},
          {"evaluated", rows_json(g.evaluated)},
          {"archive_added", rows_json(g.archive_added)},
          {"archive_removed", g.archive_removed},
          {"checkpoint", g.checkpoint.to_json(costs)}};
}
IslandGeneration island_generation_from_json(const json& j, const CostSet& costs) {
  IslandGeneration g;
  g.island = j.at("island").get<std::size_t>();
  g.immigrants = rows_from_json(j.at("immigrants"));
  g.evaluated = rows_from_json(j.at("evaluated"));
  g.archive_added = rows_from_json(j.at("archive_added"));
  g.archive_removed = j.at("archive_removed").get<std::vector<std::uint64_t>>();
  g.checkpoint = Checkpoint::from_json(j.at("checkpoint"), costs);
  return g;
}

json restart_json(const IslandRestart& r, const CostSet& costs) {
  return {{"checkpoint", r.checkpoint.to_json(costs)},
          {"population", rows_json(r.population)},
          {"archive", rows_json(r.archive)}};
}

// The island's state from its stored checkpoint, population and archive.
SearchState restore_island(const SearchSpace& space, const json& restart, const CostSet& costs,
                           std::vector<EvaluatedArchitecture>& cache) {
  const Checkpoint c = Checkpoint::from_json(restart.at("checkpoint"), costs);
  SearchState s;
  s.generation = c.generation;
  s.evaluations = c.evaluations;
  s.have_best = c.have_best;
  if (s.have_best) s.best = evaluated_of(space, c.best);
  s.reference = c.reference;
  s.seconds = c.seconds;
  for (const auto& r : restart.at("population")) {
    s.population.push_back(evaluated_of(space, row_from_json(r)));
    cache.push_back(s.population.back());
  }
  s.archive = ParetoArchive(costs.objectives());
  for (const auto& j : restart.at("archive")) {
    const auto e = evaluated_of(space, row_from_json(j));
    s.archive.offer(e.architecture, e.objectives());
    cache.push_back(e);
  }
  return s;
}

// Rank 0's side: the global archive, history and checkpoint.
class Coordinator {
 public:
  Coordinator(RunStore store, const SearchSpace& space, const SearchRunConfig& config, std::size_t islands)
      : store_(std::move(store)),
        space_(space),
        config_(config),
        islands_(islands),
        archive_(config.search.costs.objectives()),
        started_(Clock::now()) {}

  void restore() {
    archive_ = store_.load_archive(space_, config_.search.costs);
    const Checkpoint c = store_.checkpoint(config_.search.costs);
    reference_ = c.reference;
    seconds_before_ = c.seconds;
    last_evaluations_ = c.evaluations;
    last_seconds_ = seconds_before_;
  }

  const RunStore& store() const { return store_; }
  RunStore& store() { return store_; }

  void commit(std::size_t generation, const std::vector<IslandGeneration>& islands,
              const DistributedProgress& progress) {
    std::size_t evaluations = 0;
    const EvaluationRow* best = nullptr;
    for (const auto& g : islands) {
      for (const auto& r : g.archive_added) {
        archive_.offer(space_.from_json(json::parse(r.architecture)), r.objectives());
      }
      evaluations += g.checkpoint.evaluations;
      if (g.checkpoint.have_best && (best == nullptr || g.checkpoint.best.score > best->score))
        best = &g.checkpoint.best;
      if (generation == 0) {  // the global reference bounds every island's
        for (std::size_t k = 0; k < kMaxCosts; ++k)
          reference_.costs[k] = std::max(reference_.costs[k], g.checkpoint.reference.costs[k]);
      }
    }
    const double seconds = seconds_before_ + std::chrono::duration<double>(Clock::now() - started_).count();
    const GenerationRecord record{
        generation, evaluations, best != nullptr ? best->score : 0.0, archive_.size(), archive_.hypervolume(reference_),
        seconds};
    Checkpoint checkpoint;
    checkpoint.generation = generation + 1;
    checkpoint.evaluations = evaluations;
    checkpoint.have_best = best != nullptr;
    if (best != nullptr) checkpoint.best = *best;
    checkpoint.reference = reference_;
    checkpoint.seconds = seconds;
    checkpoint.islands = islands_;
    store_.commit_islands(space_, config_.search.costs, generation, islands, config_.search.population, archive_,
                          record, checkpoint);
    set_stop_message(fmt::format(
        "zerolm: error: the distributed run was stopped by the launcher (a rank failed or the job was cancelled); {} "
        "holds generation {} and continues with: mpirun -n {} zerolm search --resume {} --distributed\n",
        store_.directory(), generation, islands_, store_.directory()));
    if (best != nullptr) best_ = *best;
    have_best_ = have_best_ || best != nullptr;
    if (progress && (generation % std::max<std::size_t>(config_.log_every, 1) == 0)) report(record, progress);
    last_record_ = record;
  }

  void finish(const DistributedProgress& progress) {
    if (progress && last_record_.generation % std::max<std::size_t>(config_.log_every, 1) != 0) {
      report(last_record_, progress);
    }
    store_.mark_finished();
  }

  SearchSummary summary() const {
    SearchSummary s;
    s.directory = store_.directory();
    s.best_score = last_record_.best_score;
    if (have_best_) s.best = space_.summary(space_.from_json(json::parse(best_.architecture)));
    s.archive_size = archive_.size();
    s.hypervolume = last_record_.hypervolume;
    s.evaluations = last_record_.evaluations;
    s.seconds = last_record_.seconds;
    s.finished = store_.finished();
    return s;
  }

 private:
  void report(const GenerationRecord& r, const DistributedProgress& progress) {
    const double rate =
        static_cast<double>(r.evaluations - last_evaluations_) / std::max(r.seconds - last_seconds_, 1e-9);
    progress(config_, r, rate);
    last_evaluations_ = r.evaluations;
    last_seconds_ = r.seconds;
  }

  RunStore store_;
  const SearchSpace& space_;
  const SearchRunConfig& config_;
  std::size_t islands_;
  ParetoArchive archive_;
  Objectives reference_;
  double seconds_before_ = 0.0;
  Clock::time_point started_;
  GenerationRecord last_record_;
  EvaluationRow best_;
  bool have_best_ = false;
  std::size_t last_evaluations_ = 0;
  double last_seconds_ = 0.0;
};

// Rank 0 opens or creates the store; every rank learns the config and, when
// resuming, its island's state.
struct Start {
  SearchRunConfig config;
  std::size_t generation = 0;
  json restarts;  // per island, when resuming
};

}  // namespace

std::uint64_t island_seed(std::uint64_t seed, std::size_t island) {
  if (island == 0) return seed;
  // splitmix64 of (seed, island): unrelated streams per island.
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (static_cast<std::uint64_t>(island) + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

SearchSummary run_distributed_search(Communicator& communicator, const DistributedSearchOptions& options) {
  const int rank = communicator.rank();
  const auto islands = static_cast<std::size_t>(communicator.size());
  std::optional<RunStore> store;
  json start_message;
  if (rank == 0) {
    try {
      SearchRunConfig c;
      json restarts;
      std::size_t generation = 0;
      if (!options.resume.empty()) {
        store.emplace(RunStore::open(options.resume));
        ZEROLM_CHECK(!store->finished(), "{}: the run has finished; nothing to resume", options.resume);
        ZEROLM_CHECK(store->islands() > 0, "{}: a single-process run; resume it without --distributed", options.resume);
        ZEROLM_CHECK(store->islands() == islands,
                     "{}: the run has {} islands but {} ranks were started; resume it with mpirun -n {}",
                     options.resume, store->islands(), islands, store->islands());
        c = SearchRunConfig::from_json(store->config());
        c.output = options.resume;
        if (store->has_checkpoint()) {
          generation = store->checkpoint(c.search.costs).generation;
          restarts = json::array();
          for (const auto& r : store->load_islands(islands, c.search.costs))
            restarts.push_back(restart_json(r, c.search.costs));
        }
      } else {
        c = options.load_config();
        ZEROLM_CHECK(c.search.strategy != SearchStrategy::exact,
                     "{}: 'search.strategy': exact search is one dynamic program; run it without --distributed",
                     c.output);
        {
          // A cost that times networks (a measured latency) would be disturbed by
          // the other ranks sharing the device.
          CostSet costs = c.search.costs;
          costs.instantiate(*c.make_space());
          for (const CostTerm& t : costs) {
            ZEROLM_CHECK(t.model->additive(),
                         "{}: '{}': a measured {} model times networks on this machine; ranks sharing a device "
                         "would disturb each other's timings, so distributed runs take an analytic or lut model",
                         c.output, t.name(), t.name());
          }
        }
        prepare_new_run(c);  // one alpha for every island and a resumed run
        store.emplace(RunStore::create(c.output, c.to_json(), islands));
      }
      if (!options.device.empty()) c.device = options.device;
      start_message = {{"ok", true}, {"config", c.to_json()}, {"generation", generation}, {"restarts", restarts}};
    } catch (const Error&) {
      (void)communicator.broadcast(encode(json{{"ok", false}}), 0);
      stop_after_rank_zero_reports(communicator, std::current_exception(), "");
    }
    (void)communicator.broadcast(encode(start_message), 0);
  } else {
    start_message = decode(communicator.broadcast(std::string(), 0));
    if (!start_message.at("ok").get<bool>()) stop_after_rank_zero_reports(communicator, nullptr, "");
  }

  try {
    SearchRunConfig c = SearchRunConfig::from_json(start_message.at("config"));
    if (rank == 0) c.output = store->directory();
    std::size_t generation = start_message.at("generation").get<std::size_t>();
    const tbb::global_control threads(tbb::global_control::max_allowed_parallelism, threads_per_rank(communicator));
    kernels::use_cuda_device_of_local_rank(communicator.local_rank());
    std::string picked;
    const kernels::WeightStatisticsBackend& backend = kernels::select_backend(c.device, &picked);
    if (c.proxy_options.mode == ProxyMode::sampled)
      fmt::print(stderr, "zerolm: rank {}/{}: {}\n", rank, islands, picked);

    const RunParts parts = make_run_parts(c, &backend);
    const auto& space = parts.space;
    SearchConfig island = parts.search;
    island.seed = island_seed(c.search.seed, static_cast<std::size_t>(rank));
    // The budget is shared: island i takes its part of max_evaluations.
    island.max_evaluations = c.search.max_evaluations / islands +
                             (static_cast<std::size_t>(rank) < c.search.max_evaluations % islands ? 1 : 0);
    ZEROLM_CHECK(island.max_evaluations >= 1, "search.max_evaluations {} is less than the {} islands",
                 c.search.max_evaluations, islands);
    SearchRun run(*space, *parts.proxy, island);
    IslandReporter reporter(*space, static_cast<std::size_t>(rank));
    if (!start_message.at("restarts").is_null()) {
      const json& restart = start_message.at("restarts").at(static_cast<std::size_t>(rank));
      std::vector<EvaluatedArchitecture> cache;
      SearchState state = restore_island(*space, restart, c.search.costs, cache);
      reporter.restore(Checkpoint::from_json(restart.at("checkpoint"), c.search.costs), state.archive);
      run.restore(std::move(state), cache);
    }
    start_message = json();  // the restarts can be large

    std::optional<Coordinator> coordinator;
    if (rank == 0) {
      coordinator.emplace(std::move(*store), *space, c, islands);
      if (generation > 0) {
        coordinator->restore();
        fmt::print(stderr, "zerolm: resuming {} at generation {} ({} islands)\n", c.output, generation, islands);
      }
      set_stop_message(
          fmt::format("zerolm: error: the distributed run was stopped by the launcher before its first "
                      "generation was stored; {} holds no generation yet\n",
                      c.output));
      struct sigaction action {};
      action.sa_handler = on_stop_signal;
      sigaction(SIGTERM, &action, nullptr);
      sigaction(SIGINT, &action, nullptr);
    }

    const std::size_t every = c.islands.migrate_every, migrants = c.islands.migrants;
    for (;;) {
      maybe_kill_rank(rank, generation);
      std::vector<EvaluatedArchitecture> arrivals;
      if (islands > 1 && migrants > 0 && generation > 0 && generation % every == 0) {
        json out = json::array();
        for (const auto& e : run.emigrants(migrants)) out.push_back(row_json(row_of(*space, e, true)));
        for (const auto& r : decode(communicator.ring_shift(encode(out)))) {
          arrivals.push_back(evaluated_of(*space, row_from_json(r)));
        }
        run.immigrate(arrivals);
      }
      std::vector<EvaluatedArchitecture> evaluated;
      if (!run.finished()) evaluated = run.step();
      const IslandGeneration mine = reporter.report(run, arrivals, evaluated);
      const auto gathered = communicator.gather(encode(island_generation_json(mine, c.search.costs)), 0);
      if (rank == 0) {
        std::vector<IslandGeneration> all;
        for (const auto& p : gathered) all.push_back(island_generation_from_json(decode(p), c.search.costs));
        coordinator->commit(generation, all, options.progress);
      }
      ++generation;
      if (communicator.all(run.finished())) break;
    }
    if (rank != 0) return {};
    coordinator->finish(options.progress);
    return coordinator->summary();
  } catch (const Error& e) {
    fmt::print(stderr, "zerolm: error (rank {}): {}\n", rank, e.user_line());
    std::fflush(stderr);
    communicator.abort(2);
  } catch (const std::exception& e) {
    fmt::print(stderr, "zerolm: error (rank {}): {}\n", rank, e.what());
    std::fflush(stderr);
    communicator.abort(2);
  }
  return {};  // not reached: abort ends the job
}

}  // namespace zerolm
