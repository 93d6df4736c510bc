#include "engine/store/run_store.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <tbb/parallel_for.h>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/parse_number.hpp"
#include "engine/store/schema_migrations.hpp"
#include "engine/store/sqlite_database.hpp"

namespace zerolm {

using namespace store_sqlite;

namespace {

// Test hook: ZEROLM_KILL_AT="GENERATION:POINT" raises SIGKILL at POINT
// (before_commit, in_transaction, after_commit) of that generation.
void maybe_die(std::size_t generation, const char* point) {
  static const char* spec = std::getenv("ZEROLM_KILL_AT");
  if (spec == nullptr) return;
  if (std::string(spec) == std::to_string(generation) + ":" + point) std::raise(SIGKILL);
}

Architecture stored_architecture(const SearchSpace& space, const std::string& text, const std::string& where) {
  try {
    return space.from_json(parse_json(text, where));
  } catch (const Error& e) {
    throw e.with_context(where + ": the stored architecture is unreadable");
  }
}

// The population's or the best architecture's evaluation.
const EvaluatedArchitecture& evaluated(const std::unordered_map<std::uint64_t, EvaluatedArchitecture>& by_hash,
                                       std::uint64_t hash, const std::string& directory) {
  const auto it = by_hash.find(hash);
  ZEROLM_CHECK(it != by_hash.end(), "{}: the run store is damaged: it names architecture {} that it never evaluated",
               directory, hash_hex(hash));
  return it->second;
}

// Both locks of an existing run (the lock file, then the database file), or an
// Error when another process holds them; closing the descriptors releases them.
std::pair<int, int> lock_run(const std::string& directory) {
  const int fd = take_lock(directory);
  try {
    return {fd, lock_database(directory)};
  } catch (...) {
    ::close(fd);
    throw;
  }
}
}  // namespace

RunStore::RunStore(std::string directory, sqlite3* db, int lock_fd)
    : directory_(std::move(directory)), db_(db), lock_fd_(lock_fd) {}

void RunStore::read_archive_rows() {
  stored_archive_.clear();
  archive_position_ = 0;
  Statement rows(db_, "SELECT hash, position FROM archive");
  while (rows.step()) {
    stored_archive_.insert(parse_hash_hex(rows.text(0)));
    archive_position_ = std::max(archive_position_, rows.integer(1) + 1);
  }
}

RunStore::RunStore(RunStore&& other) noexcept
    : directory_(std::move(other.directory_)),
      json_by_hash_(std::move(other.json_by_hash_)),
      stored_archive_(std::move(other.stored_archive_)),
      archive_position_(other.archive_position_),
      db_(other.db_),
      lock_fd_(other.lock_fd_),
      database_lock_fd_(other.database_lock_fd_) {
  other.db_ = nullptr;
  other.lock_fd_ = -1;
  other.database_lock_fd_ = -1;
}

RunStore::~RunStore() {
  if (db_ != nullptr) sqlite3_close(db_);
  // After SQLite closed its descriptors: closing another descriptor of the
  // database while SQLite holds POSIX locks on it would drop them.
  if (database_lock_fd_ >= 0) ::close(database_lock_fd_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the lock
}

void RunStore::execute(const std::string& sql) const { exec(db_, sql, directory_); }

std::string RunStore::meta(const std::string& key) const { return meta_of(db_, key); }

void RunStore::set_meta(const std::string& key, const std::string& value) const { set_meta_of(db_, key, value); }

int RunStore::schema_version() const { return store_schema::stored_schema_version(db_); }

RunStore RunStore::create(const std::string& directory, const nlohmann::json& config, std::size_t islands) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  ZEROLM_CHECK(!ec, "{}: cannot create the run folder: {}", directory, ec.message());
  const int fd = take_lock(directory);
  if (std::filesystem::exists(std::filesystem::path(directory) / kDatabase)) {
    ::close(fd);
    const std::string database = (std::filesystem::path(directory) / kDatabase).string();
    ZEROLM_CHECK(initialised(directory),
                 "{}: the folder holds a run store that was interrupted while it was being created (it holds "
                 "nothing): remove {} and start the run again",
                 directory, database);
    ZEROLM_FAIL("{}: the folder already holds a run (zerolm search --resume {} continues it)", directory, directory);
  }
  RunStore store(directory, open_database(directory), fd);
  store.execute(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
      // Tables and config in one transaction: a store killed while being created
      // holds either everything or nothing (RunStore::initialised).
      "BEGIN IMMEDIATE;" +
      std::string(store_schema::kTables));
  store.set_meta("config", config.dump());
  store.set_meta("schema_version", std::to_string(kSchemaVersion));
  store.set_meta("status", "running");
  if (islands > 0) store.set_meta("islands", std::to_string(islands));
  store.execute("COMMIT");
  store.database_lock_fd_ = lock_database(directory);
  return store;
}

bool RunStore::initialised(const std::string& directory) {
  const auto path = std::filesystem::path(directory) / kDatabase;
  if (!std::filesystem::exists(path)) return false;
  try {
    const RunStore store(directory, open_database(directory, SQLITE_OPEN_READONLY), -1);
    return has_run_tables(store.db_);
  } catch (const Error&) {
    return false;  // unreadable: not a store that can be resumed
  }
}

RunStore RunStore::open_read_only(const std::string& directory) {
  const auto path = std::filesystem::path(directory) / kDatabase;
  ZEROLM_CHECK(std::filesystem::exists(path), "{}: no run here (no {})", directory, path.string());
  RunStore store(directory, open_database(directory, SQLITE_OPEN_READONLY), -1);
  ZEROLM_CHECK(has_run_tables(store.db_),
               "{}: the run store holds nothing yet (it is being created, or its creation "
               "was interrupted)",
               directory);
  const int version = store_schema::stored_schema_version(store.db_);
  ZEROLM_CHECK(version <= kSchemaVersion,
               "{}: the run store has schema version {}, newer than this zerolm's {}; use a newer zerolm", directory,
               version, kSchemaVersion);
  if (version < kSchemaVersion) {
    // An older store is read as it would be after migrating, without writing it.
    sqlite3* memory = copy_to_memory(store.db_, directory);
    sqlite3_close(store.db_);
    store.db_ = memory;
    store_schema::migrate_database(store.db_, directory);
  }
  store.read_archive_rows();
  return store;
}

RunStore RunStore::open(const std::string& directory) {
  const auto path = std::filesystem::path(directory) / kDatabase;
  ZEROLM_CHECK(std::filesystem::exists(path), "{}: no run here (no {})", directory, path.string());
  const auto [fd, database_fd] = lock_run(directory);
  RunStore store(directory, open_database(directory), fd);
  store.database_lock_fd_ = database_fd;
  ZEROLM_CHECK(has_run_tables(store.db_),
               "{}: the run store was interrupted while it was being created and holds nothing; remove {} and start "
               "the run again",
               directory, path.string());
  store.execute("PRAGMA journal_mode=WAL;");
  store_schema::migrate_database(store.db_, directory);
  store.read_archive_rows();
  return store;
}

nlohmann::json RunStore::config() const {
  try {
    return parse_json(meta("config"), directory_ + ": the stored config");
  } catch (const Error& e) {
    throw e.with_context("the run store is damaged");
  }
}

bool RunStore::finished() const { return meta("status") == "finished"; }
bool RunStore::has_checkpoint() const { return !meta("checkpoint").empty(); }

std::size_t RunStore::islands() const {
  const std::string text = meta("islands");
  if (text.empty()) return 0;
  const auto islands = parse_integer(text, 1, 1000000);
  ZEROLM_CHECK(islands.has_value(), "{}: the run store is damaged: its island count '{}' is not a number", directory_,
               text);
  return static_cast<std::size_t>(*islands);
}

void RunStore::mark_finished() { set_meta("status", "finished"); }

void RunStore::extend(const nlohmann::json& config) {
  execute("BEGIN IMMEDIATE");
  try {
    set_meta("config", config.dump());
    set_meta("status", "running");
    execute("COMMIT");
  } catch (...) {
    execute("ROLLBACK");
    throw;
  }
}

const std::array<std::string, 4>& RunStore::file_names() {
  static const std::array<std::string, 4> names{kDatabase, std::string(kDatabase) + "-wal",
                                                std::string(kDatabase) + "-shm", kLock};
  return names;
}

bool RunStore::remove(const std::string& directory) {
  namespace fs = std::filesystem;
  const fs::path folder(directory);
  std::error_code absent;
  if (!fs::exists(folder / kDatabase, absent)) return false;
  const auto [fd, database_fd] = lock_run(directory);  // refused while another process holds the run
  std::error_code ec;
  for (const std::string& name : file_names()) {
    fs::remove(folder / name, ec);
    if (ec) break;
  }
  ::close(database_fd);
  ::close(fd);
  ZEROLM_CHECK(!ec, "{}: cannot remove the run store: {}", directory, ec.message());
  std::error_code ignored;
  if (fs::is_empty(folder, ignored)) fs::remove(folder, ignored);
  return true;
}

const std::string& RunStore::architecture_json(const SearchSpace& space, const Architecture& architecture) {
  auto it = json_by_hash_.find(architecture.hash());
  if (it == json_by_hash_.end())
    it = json_by_hash_.emplace(architecture.hash(), space.to_json(architecture).dump()).first;
  return it->second;
}

void RunStore::commit_generation(const SearchSpace& space, const CostSet& costs, const SearchState& state,
                                 const std::vector<EvaluatedArchitecture>& evaluated,
                                 std::span<const CostMeasurement> measurements) {
  const std::size_t generation = state.generation - 1;
  // Serialise the new architectures in parallel, before the (serial) transaction.
  std::vector<const Architecture*> fresh;
  for (const auto& e : evaluated) {
    if (!json_by_hash_.count(e.architecture.hash())) fresh.push_back(&e.architecture);
  }
  std::vector<std::string> texts(fresh.size());
  tbb::parallel_for(std::size_t{0}, fresh.size(), [&](std::size_t i) { texts[i] = space.to_json(*fresh[i]).dump(); });
  for (std::size_t i = 0; i < fresh.size(); ++i) json_by_hash_.emplace(fresh[i]->hash(), std::move(texts[i]));
  const auto rows = [&] {
    Statement insert(db_,
                     "INSERT INTO evaluations(generation, hash, architecture, score, costs) VALUES (?, ?, ?, ?, ?)");
    for (const auto& e : evaluated) {
      insert.bind(1, static_cast<std::int64_t>(generation))
          .bind(2, hash_hex(e.architecture.hash()))
          .bind_stable(3, architecture_json(space, e.architecture))
          .bind(4, e.score)
          .bind(5, costs.to_text(e.costs))
          .run();
    }
    write_measurements(measurements);
    execute("DELETE FROM population;");
    Statement population(db_, "INSERT INTO population(position, hash) VALUES (?, ?)");
    std::int64_t member = 0;
    for (const auto& e : state.population) population.bind(1, member++).bind(2, hash_hex(e.architecture.hash())).run();
  };
  const auto& h = state.history.back();
  Checkpoint checkpoint;
  checkpoint.generation = state.generation;
  checkpoint.evaluations = state.evaluations;
  checkpoint.have_best = state.have_best;
  checkpoint.best.hash = state.best.architecture.hash();
  checkpoint.best.score = state.best.score;
  checkpoint.best.costs = state.best.costs;
  checkpoint.reference = state.reference;
  checkpoint.seconds = h.seconds;
  commit(space, costs, generation, rows, state.archive, h, checkpoint);
}

void RunStore::write_measurements(std::span<const CostMeasurement> measurements) {
  Statement insert(db_, "INSERT OR REPLACE INTO measurements(cost, hash, value) VALUES (?, ?, ?)");
  for (const auto& m : measurements) insert.bind(1, m.cost).bind(2, hash_hex(m.hash)).bind(3, m.value).run();
}

void RunStore::commit(const SearchSpace& space, const CostSet& costs, std::size_t generation,
                      const std::function<void()>& rows, const ParetoArchive& archive, const GenerationRecord& record,
                      const Checkpoint& checkpoint) {
  maybe_die(generation, "before_commit");
  // The archive changes by a few members per generation: write the difference.
  // Positions only grow, so ORDER BY position is the archive's own order.
  ArchiveChanges changes = changes_since(archive, stored_archive_);
  std::int64_t position = archive_position_;
  execute("BEGIN IMMEDIATE");
  try {
    rows();
    maybe_die(generation, "in_transaction");
    Statement remove(db_, "DELETE FROM archive WHERE hash = ?");
    for (std::uint64_t hash : changes.removed) remove.bind(1, hash_hex(hash)).run();
    Statement insert(db_, "INSERT INTO archive(position, hash, architecture, score, costs) VALUES (?, ?, ?, ?, ?)");
    for (const ArchiveEntry* e : changes.added) {
      insert.bind(1, position++)
          .bind(2, hash_hex(e->architecture.hash()))
          .bind_stable(3, architecture_json(space, e->architecture))
          .bind(4, e->objectives.proxy)
          .bind(5, costs.to_text(e->objectives.costs))
          .run();
    }
    Statement(db_, "INSERT OR REPLACE INTO history VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, static_cast<std::int64_t>(record.generation))
        .bind(2, static_cast<std::int64_t>(record.evaluations))
        .bind(3, record.best_score)
        .bind(4, static_cast<std::int64_t>(record.archive_size))
        .bind(5, record.hypervolume)
        .bind(6, record.seconds)
        .run();
    set_meta("checkpoint", checkpoint.to_json(costs).dump());
    execute("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  stored_archive_ = std::move(changes.members);
  archive_position_ = position;
  maybe_die(generation, "after_commit");
}

Checkpoint RunStore::checkpoint(const CostSet& costs) const {
  const std::string text = meta("checkpoint");
  ZEROLM_CHECK(!text.empty(), "{}: the run has no checkpoint yet", directory_);
  return read_checkpoint(text, directory_, costs);
}

ParetoArchive RunStore::load_archive(const SearchSpace& space, const CostSet& costs) const {
  const ReadTransaction snapshot(db_, directory_);
  ParetoArchive archive(costs.objectives());
  Statement rows(db_, "SELECT architecture, score, costs FROM archive ORDER BY position");
  const std::string where = directory_ + ": archive";
  while (rows.step()) {
    archive.offer(stored_architecture(space, rows.text(0), where),
                  {rows.real(1), costs.from_json(parse_json(rows.text(2), where), where)});
  }
  return archive;
}

std::vector<CostMeasurement> RunStore::measurements() const {
  std::vector<CostMeasurement> out;
  Statement rows(db_, "SELECT cost, hash, value FROM measurements");
  while (rows.step()) out.push_back({rows.text(0), parse_hash_hex(rows.text(1)), rows.real(2)});
  return out;
}

std::pair<SearchState, std::vector<EvaluatedArchitecture>> RunStore::load(const SearchSpace& space,
                                                                          const CostSet& costs) const {
  const ReadTransaction snapshot(db_, directory_);
  const Checkpoint checkpoint = this->checkpoint(costs);
  SearchState state;
  state.generation = checkpoint.generation;
  state.evaluations = checkpoint.evaluations;
  state.have_best = checkpoint.have_best;
  state.reference = checkpoint.reference;
  state.seconds = checkpoint.seconds;

  std::unordered_map<std::uint64_t, EvaluatedArchitecture> by_hash;
  std::vector<EvaluatedArchitecture> cache;
  Statement evaluations(db_, "SELECT hash, architecture, score, costs FROM evaluations ORDER BY id");
  const std::string where = directory_ + ": evaluations";
  while (evaluations.step()) {
    const std::uint64_t hash = parse_hash_hex(evaluations.text(0));
    if (by_hash.count(hash)) continue;
    EvaluatedArchitecture e{stored_architecture(space, evaluations.text(1), where), evaluations.real(2),
                            costs.from_json(parse_json(evaluations.text(3), where), where)};
    by_hash.emplace(hash, e);
    cache.push_back(e);
  }
  Statement population(db_, "SELECT hash FROM population ORDER BY position");
  while (population.step())
    state.population.push_back(evaluated(by_hash, parse_hash_hex(population.text(0)), directory_));
  state.archive = load_archive(space, costs);
  if (state.have_best) state.best = evaluated(by_hash, checkpoint.best.hash, directory_);
  Statement history(db_,
                    "SELECT generation, evaluations, best_score, archive_size, hypervolume, seconds FROM history ORDER "
                    "BY generation");
  while (history.step()) {
    state.history.push_back({static_cast<std::size_t>(history.integer(0)), static_cast<std::size_t>(history.integer(1)),
                             history.real(2), static_cast<std::size_t>(history.integer(3)), history.real(4),
                             history.real(5)});
  }
  return {std::move(state), std::move(cache)};
}

}  // namespace zerolm
