// The run store: one SQLite database (WAL) in the run folder holding the config,
// every evaluation, the Pareto archive, the per-generation history and a
// checkpoint, all written in one transaction per generation. A lock file keeps a
// second process out of a live run.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engine/search/evolution.hpp"

struct sqlite3;

namespace zerolm {

class RunStore {
 public:
  // A new run in `directory` (created; it must not hold a run already).
  static RunStore create(const std::string& directory, const nlohmann::json& config);
  // An existing run, for resuming or reading.
  static RunStore open(const std::string& directory);
  // Whether `directory` holds a run store that was fully created (tables and
  // config committed), as opposed to none or one killed while being created.
  static bool initialised(const std::string& directory);
  // An existing run, read-only and without the lock: reports read live runs.
  static RunStore open_read_only(const std::string& directory);

  RunStore(RunStore&& other) noexcept;
  RunStore& operator=(RunStore&&) = delete;
  RunStore(const RunStore&) = delete;
  ~RunStore();

  const std::string& directory() const { return directory_; }
  nlohmann::json config() const;
  bool finished() const;
  bool has_checkpoint() const;

  // One transaction: the generation's evaluations, the latencies measured for it
  // (the `measured` model's cache), the archive, the checkpoint (population,
  // counters) and the history row.
  void commit_generation(const SearchSpace& space, const SearchState& state,
                         const std::vector<EvaluatedArchitecture>& evaluated,
                         std::span<const std::pair<std::uint64_t, double>> measured_latencies = {});
  // Every latency measured so far, by architecture hash.
  std::vector<std::pair<std::uint64_t, double>> measured_latencies() const;
  void mark_finished();

  // The last checkpoint and every distinct evaluation (for SearchRun::restore).
  std::pair<SearchState, std::vector<EvaluatedArchitecture>> load(const SearchSpace& space, ObjectiveSet objectives) const;

 private:
  RunStore(std::string directory, sqlite3* db, int lock_fd);
  void execute(const std::string& sql) const;
  std::string meta(const std::string& key) const;
  void set_meta(const std::string& key, const std::string& value) const;

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
  int lock_fd_ = -1;
};

}  // namespace zerolm
