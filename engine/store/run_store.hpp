// The run store: one SQLite database (WAL) in the run folder holding the config,
// every evaluation, the Pareto archive, the per-generation history and a
// checkpoint, all written in one transaction per generation. A lock file keeps a
// second process out of a live run. The store carries a schema version (meta
// `schema_version`); opening an older store migrates it in order.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/search/evolution.hpp"
#include "engine/store/checkpoint.hpp"
#include "engine/store/schema_migrations.hpp"

struct sqlite3;

namespace zerolm {

// One island's generation in a distributed run, as rank 0 commits it. The
// island's population is the last `population` architectures that joined it
// (immigrants, then its children, in order), so joins are stored, not the
// population.
struct IslandGeneration {
  std::size_t island = 0;
  std::vector<EvaluationRow> immigrants;     // arrived from the previous island this generation
  std::vector<EvaluationRow> evaluated;      // its children, in order
  std::vector<EvaluationRow> archive_added;  // in archive order
  std::vector<std::uint64_t> archive_removed;
  Checkpoint checkpoint;  // the island's counters
};

// What a resumed island restarts from.
struct IslandRestart {
  Checkpoint checkpoint;
  std::vector<EvaluationRow> population;  // oldest first
  std::vector<EvaluationRow> archive;     // archive order
};

class RunStore {
 public:
  // A new run in `directory` (created; it must not hold a run already);
  // `islands` > 0 for a distributed run of that many islands.
  static RunStore create(const std::string& directory, const nlohmann::json& config, std::size_t islands = 0);
  // An existing run, for resuming or reading.
  static RunStore open(const std::string& directory);
  // Whether `directory` holds a run store that was fully created (tables and
  // config committed), as opposed to none or one killed while being created.
  static bool initialised(const std::string& directory);
  // An existing run, read-only and without the lock: reports read live runs.
  static RunStore open_read_only(const std::string& directory);
  // The files a run store is made of in its folder: the database, SQLite's
  // journal files and the lock (nothing else may write them).
  static const std::array<std::string, 4>& file_names();
  // Deletes the run store in `directory` (its file_names()) and the folder when
  // nothing else is left in it; an Error while another process holds the run.
  // Other files in the folder are kept. False when there was no database.
  static bool remove(const std::string& directory);

  RunStore(RunStore&& other) noexcept;
  RunStore& operator=(RunStore&&) = delete;
  RunStore(const RunStore&) = delete;
  ~RunStore();

  const std::string& directory() const { return directory_; }
  nlohmann::json config() const;
  bool finished() const;
  bool has_checkpoint() const;
  // The islands of a distributed run; 0 for a single-process run.
  std::size_t islands() const;

  // Every method that reads or writes evaluated architectures takes the run's
  // costs: the store keeps them by name (one JSON object per row).
  //
  // One transaction: the generation's evaluations, what its costs measured by
  // running networks (a `measured` latency's timings), the archive, the
  // checkpoint (population, counters) and the history row.
  void commit_generation(const SearchSpace& space, const CostSet& costs, const SearchState& state,
                         const std::vector<EvaluatedArchitecture>& evaluated,
                         std::span<const CostMeasurement> measurements = {});
  // A distributed generation, in one transaction: every island's evaluations,
  // joins, archive changes and checkpoint, and the global archive (the
  // non-dominated union of the islands' archives), history row and checkpoint.
  // `population` trims each island's stored joins.
  void commit_islands(const SearchSpace& space, const CostSet& costs, std::size_t generation,
                      std::span<const IslandGeneration> islands, std::size_t population,
                      const ParetoArchive& global_archive, const GenerationRecord& record,
                      const Checkpoint& checkpoint);
  std::vector<IslandRestart> load_islands(std::size_t islands, const CostSet& costs) const;
  // The global archive, in its stored order.
  ParetoArchive load_archive(const SearchSpace& space, const CostSet& costs) const;
  Checkpoint checkpoint(const CostSet& costs) const;
  // The store's schema version (kSchemaVersion once opened for writing; a
  // read-only store of an older version is migrated in memory).
  int schema_version() const;
  static constexpr int kSchemaVersion = store_schema::kSchemaVersion;

  // Everything the costs measured by running networks so far.
  std::vector<CostMeasurement> measurements() const;
  void mark_finished();
  // A finished or stopped run continued under a larger budget: the stored
  // config becomes `config` and the run is running again.
  void extend(const nlohmann::json& config);

  // The last checkpoint and every distinct evaluation (for SearchRun::restore).
  std::pair<SearchState, std::vector<EvaluatedArchitecture>> load(const SearchSpace& space, const CostSet& costs) const;

 private:
  RunStore(std::string directory, sqlite3* db, int lock_fd);
  void execute(const std::string& sql) const;
  void write_measurements(std::span<const CostMeasurement> measurements);
  std::string meta(const std::string& key) const;
  void set_meta(const std::string& key, const std::string& value) const;
  // One generation's transaction: `rows` writes what a single-process or a
  // distributed run keeps of the generation, then the archive's difference, the
  // history row and the checkpoint; rolled back on any error; the test kill
  // points around it.
  void commit(const SearchSpace& space, const CostSet& costs, std::size_t generation, const std::function<void()>& rows,
              const ParetoArchive& archive, const GenerationRecord& record, const Checkpoint& checkpoint);

  // Canonical JSON of every architecture written so far: serialised once, as
  // children repeat and archive members are rewritten every generation.
  const std::string& architecture_json(const SearchSpace& space, const Architecture& architecture);

  std::string directory_;
  std::unordered_map<std::uint64_t, std::string> json_by_hash_;
  // The archive as committed: members by hash, and the next free position.
  void read_archive_rows();
  std::unordered_set<std::uint64_t> stored_archive_;
  std::int64_t archive_position_ = 0;
  sqlite3* db_ = nullptr;
  int lock_fd_ = -1;           // run.lock
  int database_lock_fd_ = -1;  // run.sqlite, locked as well (the lock file can be deleted)
};

}  // namespace zerolm
