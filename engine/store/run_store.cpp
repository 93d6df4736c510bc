#include "engine/store/run_store.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include <tbb/parallel_for.h>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "proxies/proxy.hpp"

namespace zerolm {

namespace {

constexpr const char* kDatabase = "run.sqlite";
constexpr const char* kLock = "run.lock";
// Distributed runs: each island's checkpoint, the architectures that joined its
// population (the last `population` of them are the population), its archive,
// and the migrations it received.
constexpr const char* kIslandTables =
    "CREATE TABLE islands(island INTEGER PRIMARY KEY, checkpoint TEXT);"
    "CREATE TABLE island_members(island INTEGER, serial INTEGER, hash TEXT, architecture TEXT, score REAL,"
    "  costs TEXT, PRIMARY KEY(island, serial));"
    "CREATE TABLE island_archive(island INTEGER, position INTEGER, hash TEXT, architecture TEXT, score REAL,"
    "  costs TEXT, PRIMARY KEY(island, position));"
    "CREATE INDEX island_archive_hash ON island_archive(island, hash);"
    "CREATE TABLE migrations(generation INTEGER, to_island INTEGER, hash TEXT);";

// The island tables as schema version 2 made them (frozen: migrate_to_2
// creates these, and later steps bring them up).
constexpr const char* kIslandTablesVersion2 =
    "CREATE TABLE islands(island INTEGER PRIMARY KEY, checkpoint TEXT);"
    "CREATE TABLE island_members(island INTEGER, serial INTEGER, hash TEXT, architecture TEXT, score REAL,"
    "  parameters REAL, latency REAL, PRIMARY KEY(island, serial));"
    "CREATE TABLE island_archive(island INTEGER, position INTEGER, hash TEXT, architecture TEXT, score REAL,"
    "  parameters REAL, latency REAL, PRIMARY KEY(island, position));"
    "CREATE INDEX island_archive_hash ON island_archive(island, hash);"
    "CREATE TABLE migrations(generation INTEGER, to_island INTEGER, hash TEXT);";

// Test hook: ZEROLM_KILL_AT="GENERATION:POINT" raises SIGKILL at POINT
// (before_commit, in_transaction, after_commit) of that generation.
void maybe_die(std::size_t generation, const char* point) {
  static const char* spec = std::getenv("ZEROLM_KILL_AT");
  if (spec == nullptr) return;
  if (std::string(spec) == std::to_string(generation) + ":" + point) std::raise(SIGKILL);
}

// The database file a connection reads, for error messages ("in memory" for a
// migrated read-only copy).
std::string database_name(sqlite3* db) {
  const char* name = sqlite3_db_filename(db, "main");
  return name != nullptr && *name != '\0' ? name : "(in memory)";
}

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    ZEROLM_CHECK(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement_, nullptr) == SQLITE_OK, "run store {}: {} ({})",
                 database_name(db), sqlite3_errmsg(db), sql);
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement& bind(int i, const std::string& v) {
    sqlite3_bind_text(statement_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  // Text that outlives the statement's next step (no copy).
  Statement& bind_stable(int i, const std::string& v) {
    sqlite3_bind_text(statement_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Statement& bind(int i, double v) {
    sqlite3_bind_double(statement_, i, v);
    return *this;
  }
  Statement& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(statement_, i, v);
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(statement_);
    ZEROLM_CHECK(rc == SQLITE_ROW || rc == SQLITE_DONE, "run store {}: {}", database_name(db_), sqlite3_errmsg(db_));
    return rc == SQLITE_ROW;
  }
  void run() {
    step();
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }
  std::string text(int column) const {
    const auto* p = sqlite3_column_text(statement_, column);
    return p == nullptr ? "" : reinterpret_cast<const char*>(p);
  }
  double real(int column) const { return sqlite3_column_double(statement_, column); }
  std::int64_t integer(int column) const { return sqlite3_column_int64(statement_, column); }

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

void exec(sqlite3* db, const std::string& sql, const std::string& where);

// A descriptor above 2: with standard output closed (`zerolm export RUN >&-`), a
// plain open() would return 1 and the export would be written into the file.
int open_above_stdio(const char* path, int flags, mode_t mode) {
  const int fd = ::open(path, flags | O_CLOEXEC, mode);
  if (fd < 0 || fd > 2) return fd;
  const int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return moved;
}

// The lock file, and the database file itself: deleting run.lock by hand must
// not let a second writer in, so both are locked (flock, beside SQLite's own
// fcntl locks, which it takes only per transaction).
struct Locks {
  int lock_fd = -1, database_fd = -1;
};

int lock_or_fail(const std::string& path, const std::string& directory, int flags) {
  const int fd = open_above_stdio(path.c_str(), flags, 0644);
  ZEROLM_CHECK(fd >= 0, "{}: cannot open {}: {}", directory, path, std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    ZEROLM_FAIL("{}: the run is in use by another zerolm process (it holds {})", directory, path);
  }
  return fd;
}

int take_lock(const std::string& directory) {
  return lock_or_fail((std::filesystem::path(directory) / kLock).string(), directory, O_CREAT | O_RDWR);
}

int lock_database(const std::string& directory) {
  return lock_or_fail((std::filesystem::path(directory) / kDatabase).string(), directory, O_RDONLY);
}

// One read transaction: every SELECT inside sees the same committed generation,
// even while a search commits the next one (WAL snapshot isolation).
class ReadTransaction {
 public:
  ReadTransaction(sqlite3* db, const std::string& directory) : db_(db) {
    owns_ = sqlite3_get_autocommit(db) != 0;
    if (owns_) exec(db, "BEGIN DEFERRED", directory);
  }
  ~ReadTransaction() {
    if (owns_) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  sqlite3* db_;
  bool owns_ = false;
};

Architecture stored_architecture(const SearchSpace& space, const std::string& text, const std::string& where) {
  try {
    return space.from_json(parse_json(text, where));
  } catch (const Error& e) {
    throw e.with_context(where + ": the stored architecture is unreadable");
  }
}

// A run store that is not an SQLite file (a folder, a file of other bytes) is
// refused by name before SQLite sees it.
void check_database_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return;  // being created
  ZEROLM_CHECK(std::filesystem::is_regular_file(path, ec), "{}: not a run store (not a file)", path);
  std::ifstream in(path, std::ios::binary);
  char header[16] = {};
  in.read(header, sizeof header);
  ZEROLM_CHECK(in.gcount() == 0 || std::string_view(header, 16) == std::string_view("SQLite format 3\0", 16),
               "{}: not a run store (not an SQLite database)", path);
}

// `access`: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, or SQLITE_OPEN_READONLY.
sqlite3* open_database(const std::string& directory, int access = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) {
  sqlite3* db = nullptr;
  const std::string path = (std::filesystem::path(directory) / kDatabase).string();
  check_database_file(path);
  // A reader of a store no writer has open (no -wal file: a WAL writer always
  // has one) opens it immutable, so that reading creates no -shm or -wal file:
  // reading must change nothing in the run folder, which may not be writable.
  std::string name = path;
  if (access == SQLITE_OPEN_READONLY && !std::filesystem::exists(path + "-wal")) {
    name = "file:";
    for (char c : path) {  // percent-encode what a URI path cannot hold
      if (c == '%' || c == '?' || c == '#') {
        name += fmt::format("%{:02X}", static_cast<unsigned char>(c));
      } else {
        name += c;
      }
    }
    name += "?immutable=1";
    access |= SQLITE_OPEN_URI;
  }
  // One connection, used by one thread: no SQLite mutexes.
  if (sqlite3_open_v2(name.c_str(), &db, access | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    const std::string why = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    ZEROLM_FAIL("{}: cannot open the run store: {}", path, why);
  }
  return db;
}

// Whether the store's tables were committed (creation is one transaction).
bool has_run_tables(sqlite3* db) {
  Statement tables(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
  return tables.step() && tables.integer(0) == 1;
}

void exec(sqlite3* db, const std::string& sql, const std::string& where) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string why = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    ZEROLM_FAIL("{}: run store: {}", where, why);
  }
}

std::string meta_of(sqlite3* db, const std::string& key) {
  Statement s(db, "SELECT value FROM meta WHERE key = ?");
  s.bind(1, key);
  return s.step() ? s.text(0) : "";
}

void set_meta_of(sqlite3* db, const std::string& key, const std::string& value) {
  Statement(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)").bind(1, key).bind(2, value).run();
}

Checkpoint read_checkpoint(const std::string& text, const std::string& where, const CostSet& costs) {
  try {
    return Checkpoint::from_json(nlohmann::json::parse(text), costs);
  } catch (const nlohmann::json::exception& e) {
    ZEROLM_FAIL("{}: the checkpoint is not JSON: {}", where, e.what());
  } catch (const Error& e) {
    throw e.with_context(where);
  }
}

// ---------------------------------------------------------------- schema versions
//
// Version 1: the first stores (no latencies table, no islands).
// Version 2: measured latencies and distributed runs (island tables).
// Version 3: checkpoints as named fields (engine/store/checkpoint.hpp); the
//            stored config holds only the chosen proxy's own options.
// Version 4: evaluations and archive members carry their non-embedding
//            parameter count (column non_embedding_parameters).
// Version 5: predicted peak memory (column memory, MB; 0 without a memory
//            model) beside latency in every table of evaluated architectures,
//            and in checkpoints (best.memory, reference.memory).
// Stores before version 3 carry no `schema_version`; their tables tell 1 from 2.

int stored_schema_version(sqlite3* db) {
  const std::string text = meta_of(db, "schema_version");
  if (!text.empty()) return std::stoi(text);
  Statement island_column(db, "SELECT count(*) FROM pragma_table_info('evaluations') WHERE name = 'island'");
  return island_column.step() && island_column.integer(0) == 1 ? 2 : 1;
}

void migrate_to_2(sqlite3* db, const std::string& where) {
  exec(db, "CREATE TABLE IF NOT EXISTS latencies(hash TEXT PRIMARY KEY, milliseconds REAL);", where);
  Statement island_column(db, "SELECT count(*) FROM pragma_table_info('evaluations') WHERE name = 'island'");
  if (island_column.step() && island_column.integer(0) == 0) {
    exec(db,
         "ALTER TABLE evaluations ADD COLUMN island INTEGER NOT NULL DEFAULT 0;" + std::string(kIslandTablesVersion2),
         where);
  }
}

// Rewrites the run's checkpoint and every island's with `rewrite` (text in,
// text out); a malformed one is an error naming the version migrated to.
void rewrite_checkpoints(sqlite3* db, const std::string& where, int version,
                         const std::function<std::string(const std::string&)>& rewrite) {
  try {
    if (const std::string text = meta_of(db, "checkpoint"); !text.empty()) set_meta_of(db, "checkpoint", rewrite(text));
    std::vector<std::pair<std::int64_t, std::string>> islands;
    Statement rows(db, "SELECT island, checkpoint FROM islands");
    while (rows.step()) islands.emplace_back(rows.integer(0), rows.text(1));
    Statement update(db, "UPDATE islands SET checkpoint = ? WHERE island = ?");
    for (const auto& [island, text] : islands) update.bind(1, rewrite(text)).bind(2, island).run();
  } catch (const nlohmann::json::exception& e) {
    ZEROLM_FAIL("{}: cannot migrate the run store to schema version {}: {}", where, version, e.what());
  } catch (const Error& e) {
    ZEROLM_FAIL("{}: cannot migrate the run store to schema version {}: {}", where, version, e.what());
  }
}

// Version 2 wrote [proxy, parameters, latency] arrays, the best as a hex hash
// (single-process and global checkpoints) or as [hash, text, score, parameters,
// latency] (an island's). Version 3's form is written here as it was then
// (frozen: later steps bring it up), not by today's Checkpoint.
nlohmann::json checkpoint_from_version_2(sqlite3* db, const nlohmann::json& old) {
  const auto& r = old.at("reference");
  const auto whole_or_zero = [&]<typename T>(const char* key, T) {
    return old.contains(key) ? json_whole<T>(old.at(key), key) : T{0};
  };
  nlohmann::json best{
      {"hash", hash_hex(0)}, {"architecture", ""}, {"score", 0.0}, {"parameters", 0.0}, {"latency", 0.0}};
  const auto& stored_best = old.at("best");
  if (stored_best.is_array()) {
    best = {{"hash", hash_hex(json_whole<std::uint64_t>(stored_best.at(0), "best hash"))},
            {"architecture", stored_best.at(1).get<std::string>()},
            {"score", stored_best.at(2).get<double>()},
            {"parameters", stored_best.at(3).get<double>()},
            {"latency", stored_best.at(4).get<double>()}};
  } else if (stored_best.is_string() && !stored_best.get<std::string>().empty()) {
    best["hash"] = hash_hex(parse_hash_hex(stored_best.get<std::string>()));
    Statement objectives(db, "SELECT score, parameters, latency FROM evaluations WHERE hash = ? LIMIT 1");
    objectives.bind(1, stored_best.get<std::string>());
    if (objectives.step()) {
      best["score"] = objectives.real(0);
      best["parameters"] = objectives.real(1);
      best["latency"] = objectives.real(2);
    }
  }
  return {
      {"generation", json_whole<std::size_t>(old.at("generation"), "generation")},
      {"evaluations", json_whole<std::size_t>(old.at("evaluations"), "evaluations")},
      {"have_best", old.at("have_best").get<bool>()},
      {"best", best},
      {"reference",
       {{"proxy", r.at(0).get<double>()}, {"parameters", r.at(1).get<double>()}, {"latency", r.at(2).get<double>()}}},
      {"seconds", old.at("seconds").get<double>()},
      {"islands", whole_or_zero("islands", std::size_t{0})},
      {"joined", whole_or_zero("joined", std::int64_t{0})},
      {"archive_position", whole_or_zero("archive_position", std::int64_t{0})}};
}

// A stored config as the current parser reads it: the chosen proxy's own
// options only (version 2 stored every proxy's).
nlohmann::json config_from_version_2(nlohmann::json config) {
  if (!config.contains("proxy") || !config["proxy"].is_object()) return config;
  auto& proxy = config["proxy"];
  const ProxyDescriptor& descriptor = proxy_descriptor(proxy.value("name", std::string("zerolm")));
  nlohmann::json kept = nlohmann::json::object();
  for (const auto& [key, value] : proxy.items()) {
    const bool own = key == "name" || key == "mode" || (key == "alpha" && descriptor.combines_modules) ||
                     descriptor.option(key) != nullptr;
    if (own) kept[key] = value;
  }
  proxy = kept;
  return config;
}

void migrate_to_3(sqlite3* db, const std::string& where) {
  rewrite_checkpoints(db, where, 3, [&](const std::string& text) {
    return checkpoint_from_version_2(db, nlohmann::json::parse(text)).dump();
  });
  try {
    set_meta_of(db, "config", config_from_version_2(nlohmann::json::parse(meta_of(db, "config"))).dump());
  } catch (const nlohmann::json::exception& e) {
    ZEROLM_FAIL("{}: cannot migrate the run store to schema version 3: {}", where, e.what());
  }
}

// The non-embedding parameter count of an architecture stored as canonical JSON.
double non_embedding_of(const SearchSpace& space, const std::string& architecture) {
  thread_local ModelSpec spec;
  space.lower(space.from_json(nlohmann::json::parse(architecture)), spec);
  return static_cast<double>(spec.total_parameters() - spec.parameters_with_role(Role::embedding));
}

void migrate_to_4(sqlite3* db, const std::string& where) {
  std::unique_ptr<SearchSpace> space;
  try {
    const auto config = nlohmann::json::parse(meta_of(db, "config"));
    SpaceOptions options;
    options.protocol = config.value("protocol", "");
    if (config.contains("choices")) options.choices = config["choices"];
    space = make_search_space(config.value("space", "flexibert"), options);
  } catch (const std::exception& e) {
    ZEROLM_FAIL("{}: cannot migrate the run store to schema version 4: {}", where, e.what());
  }
  for (const char* table : {"evaluations", "archive"}) {
    exec(db, fmt::format("ALTER TABLE {} ADD COLUMN non_embedding_parameters REAL", table), where);
    std::vector<std::pair<std::string, std::string>> rows;  // hash, architecture
    Statement read(db, fmt::format("SELECT DISTINCT hash, architecture FROM {}", table));
    while (read.step()) rows.emplace_back(read.text(0), read.text(1));
    Statement update(db, fmt::format("UPDATE {} SET non_embedding_parameters = ? WHERE hash = ?", table));
    for (const auto& [hash, architecture] : rows)
      update.bind(1, non_embedding_of(*space, architecture)).bind(2, hash).run();
  }
}

// Runs before version 5 had no memory model: every memory is 0.
void migrate_to_5(sqlite3* db, const std::string& where) {
  for (const char* table : {"evaluations", "archive", "island_members", "island_archive"}) {
    Statement column(db, fmt::format("SELECT count(*) FROM pragma_table_info('{}') WHERE name = 'memory'", table));
    if (column.step() && column.integer(0) == 1) continue;
    exec(db, fmt::format("ALTER TABLE {} ADD COLUMN memory REAL NOT NULL DEFAULT 0", table), where);
  }
  const auto with_memory = [&](const std::string& text) {
    auto checkpoint = nlohmann::json::parse(text);
    for (const char* part : {"best", "reference"}) {
      ZEROLM_CHECK(checkpoint.contains(part) && checkpoint[part].is_object(), "the checkpoint has no '{}' fields",
                   part);
      if (!checkpoint[part].contains("memory")) checkpoint[part]["memory"] = 0.0;
    }
    return checkpoint.dump();
  };
  rewrite_checkpoints(db, where, 5, with_memory);
}

// Version 6: costs by name. Every table of evaluated architectures keeps one
// JSON object of costs ({"parameters": ..., "latency": ...}) instead of a
// column per cost; the latency and memory of a run that had no such model are
// left out, not 0. Checkpoints keep best.costs and reference.costs; measured
// latencies move to measurements(cost, hash, value). Frozen: SQL and the
// stored JSON only, no registry.
void migrate_to_6(sqlite3* db, const std::string& where) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(meta_of(db, "config"));
  } catch (const nlohmann::json::exception& e) {
    ZEROLM_FAIL("{}: cannot migrate the run store to schema version 6: the stored config: {}", where, e.what());
  }
  ZEROLM_CHECK(config.is_object(),
               "{}: cannot migrate the run store to schema version 6: the stored config is not an "
               "object",
               where);
  const bool latency = config.contains("latency") && !config["latency"].is_null();
  const bool memory = config.contains("memory") && !config["memory"].is_null();
  // Written here, not by SQLite's json_object: that prints a REAL with 15
  // digits, and a cost must read back exactly.
  std::unordered_map<std::string, double> non_embedding;  // by hash, from the evaluations table
  {
    Statement rows(db, "SELECT hash, non_embedding_parameters FROM evaluations");
    while (rows.step()) non_embedding.emplace(rows.text(0), rows.real(1));
  }
  for (const char* table : {"evaluations", "archive", "island_members", "island_archive"}) {
    const bool own = std::string_view(table) == "evaluations" || std::string_view(table) == "archive";
    exec(db, fmt::format("ALTER TABLE {} ADD COLUMN costs TEXT", table), where);
    std::vector<std::pair<std::int64_t, std::string>> updates;
    Statement rows(db, fmt::format("SELECT rowid, hash, parameters, latency, memory{} FROM {}",
                                   own ? ", non_embedding_parameters" : "", table));
    while (rows.step()) {
      nlohmann::json costs{{"parameters", rows.real(2)}};
      if (own) {
        costs["non_embedding_parameters"] = rows.real(5);
      } else {
        const auto at = non_embedding.find(rows.text(1));
        costs["non_embedding_parameters"] = at == non_embedding.end() ? 0.0 : at->second;
      }
      if (latency) costs["latency"] = rows.real(3);
      if (memory) costs["memory"] = rows.real(4);
      updates.emplace_back(rows.integer(0), costs.dump());
    }
    Statement update(db, fmt::format("UPDATE {} SET costs = ? WHERE rowid = ?", table));
    for (const auto& [row, text] : updates) update.bind(1, text).bind(2, row).run();
  }
  for (const char* table : {"evaluations", "archive", "island_members", "island_archive"}) {
    for (const char* column : {"parameters", "latency", "memory", "non_embedding_parameters"}) {
      Statement has(db, fmt::format("SELECT count(*) FROM pragma_table_info('{}') WHERE name = '{}'", table, column));
      if (has.step() && has.integer(0) == 1)
        exec(db, fmt::format("ALTER TABLE {} DROP COLUMN {}", table, column), where);
    }
  }
  exec(db,
       "CREATE TABLE measurements(cost TEXT, hash TEXT, value REAL, PRIMARY KEY(cost, hash));"
       "INSERT INTO measurements(cost, hash, value) SELECT 'latency', hash, milliseconds FROM latencies;"
       "DROP TABLE latencies;",
       where);
  const auto named = [&](nlohmann::json& part, std::initializer_list<const char*> keys) {
    nlohmann::json costs = nlohmann::json::object();
    for (const char* key : keys) {
      const bool kept = std::string_view(key) == "parameters" || (std::string_view(key) == "latency" && latency) ||
                        (std::string_view(key) == "memory" && memory);
      if (kept && part.contains(key)) costs[key] = part[key];
      part.erase(key);
    }
    return costs;
  };
  const auto checkpoint_6 = [&](const std::string& text) {
    auto c = nlohmann::json::parse(text);
    ZEROLM_CHECK(c.is_object() && c.contains("best") && c["best"].is_object() && c.contains("reference") &&
                     c["reference"].is_object(),
                 "the checkpoint has no 'best' and 'reference' fields");
    auto& best = c["best"];
    auto best_costs = named(best, {"parameters", "latency", "memory"});
    double best_non_embedding = 0.0;
    if (best.contains("hash") && best["hash"].is_string()) {
      const auto at = non_embedding.find(best["hash"].get<std::string>());
      if (at != non_embedding.end()) best_non_embedding = at->second;
    }
    best_costs["non_embedding_parameters"] = best_non_embedding;
    best["costs"] = best_costs;
    auto& reference = c["reference"];
    auto reference_costs = named(reference, {"parameters", "latency", "memory"});
    reference_costs["non_embedding_parameters"] = 0.0;
    reference["costs"] = reference_costs;
    return c.dump();
  };
  rewrite_checkpoints(db, where, 6, checkpoint_6);
}

struct Migration {
  int version;  // the version it brings a store to
  void (*apply)(sqlite3* db, const std::string& where);
};
constexpr Migration kMigrations[] = {
    {2, migrate_to_2}, {3, migrate_to_3}, {4, migrate_to_4}, {5, migrate_to_5}, {6, migrate_to_6}};

// Every migration the store lacks, in order, in one transaction.
void migrate_database(sqlite3* db, const std::string& where) {
  const int version = stored_schema_version(db);
  ZEROLM_CHECK(version <= RunStore::kSchemaVersion,
               "{}: the run store has schema version {}, newer than this zerolm's {}; use a newer zerolm", where,
               version, RunStore::kSchemaVersion);
  if (version == RunStore::kSchemaVersion) return;
  exec(db, "BEGIN IMMEDIATE", where);
  try {
    for (const Migration& m : kMigrations) {
      if (m.version > version) m.apply(db, where);
    }
    set_meta_of(db, "schema_version", std::to_string(RunStore::kSchemaVersion));
    exec(db, "COMMIT", where);
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

// A copy of `db` in memory (for migrating a store opened read-only).
sqlite3* copy_to_memory(sqlite3* db, const std::string& where) {
  sqlite3* memory = nullptr;
  ZEROLM_CHECK(sqlite3_open_v2(":memory:", &memory, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) == SQLITE_OK,
               "{}: cannot open an in-memory database", where);
  sqlite3_backup* backup = sqlite3_backup_init(memory, "main", db, "main");
  const int rc = backup != nullptr ? sqlite3_backup_step(backup, -1) : SQLITE_ERROR;
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    const std::string why = sqlite3_errmsg(memory);
    sqlite3_close(memory);
    ZEROLM_FAIL("{}: cannot read the run store: {}", where, why);
  }
  return memory;
}

// The population's or the best architecture's evaluation.
const EvaluatedArchitecture& evaluated(const std::unordered_map<std::uint64_t, EvaluatedArchitecture>& by_hash,
                                       std::uint64_t hash, const std::string& directory) {
  const auto it = by_hash.find(hash);
  ZEROLM_CHECK(it != by_hash.end(), "{}: the run store is damaged: it names architecture {} that it never evaluated",
               directory, hash_hex(hash));
  return it->second;
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

int RunStore::schema_version() const { return stored_schema_version(db_); }

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
      "BEGIN IMMEDIATE;"
      "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
      "CREATE TABLE evaluations(id INTEGER PRIMARY KEY, generation INTEGER, hash TEXT, architecture TEXT,"
      "  score REAL, island INTEGER NOT NULL DEFAULT 0, costs TEXT);"
      "CREATE TABLE archive(position INTEGER PRIMARY KEY, hash TEXT UNIQUE, architecture TEXT, score REAL,"
      "  costs TEXT);"
      "CREATE TABLE population(position INTEGER PRIMARY KEY, hash TEXT);"
      "CREATE TABLE history(generation INTEGER PRIMARY KEY, evaluations INTEGER, best_score REAL, archive_size INTEGER,"
      "  hypervolume REAL, seconds REAL);"
      "CREATE TABLE measurements(cost TEXT, hash TEXT, value REAL, PRIMARY KEY(cost, hash));" +
      std::string(kIslandTables));
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
  const int version = stored_schema_version(store.db_);
  ZEROLM_CHECK(version <= kSchemaVersion,
               "{}: the run store has schema version {}, newer than this zerolm's {}; use a newer zerolm", directory,
               version, kSchemaVersion);
  if (version < kSchemaVersion) {
    // An older store is read as it would be after migrating, without writing it.
    sqlite3* memory = copy_to_memory(store.db_, directory);
    sqlite3_close(store.db_);
    store.db_ = memory;
    migrate_database(store.db_, directory);
  }
  store.read_archive_rows();
  return store;
}

RunStore RunStore::open(const std::string& directory) {
  const auto path = std::filesystem::path(directory) / kDatabase;
  ZEROLM_CHECK(std::filesystem::exists(path), "{}: no run here (no {})", directory, path.string());
  const int fd = take_lock(directory);
  int database_fd = -1;
  try {
    database_fd = lock_database(directory);
  } catch (...) {
    ::close(fd);
    throw;
  }
  RunStore store(directory, open_database(directory), fd);
  store.database_lock_fd_ = database_fd;
  ZEROLM_CHECK(has_run_tables(store.db_),
               "{}: the run store was interrupted while it was being created and holds nothing; remove {} and start "
               "the run again",
               directory, path.string());
  store.execute("PRAGMA journal_mode=WAL;");
  migrate_database(store.db_, directory);
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
  ZEROLM_CHECK(text.size() <= 6 && text.find_first_not_of("0123456789") == std::string::npos,
               "{}: the run store is damaged: its island count '{}' is not a number", directory_, text);
  return std::stoull(text);
}

void RunStore::mark_finished() { set_meta("status", "finished"); }

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

void RunStore::commit_islands(const SearchSpace& space, const CostSet& costs, std::size_t generation,
                              std::span<const IslandGeneration> islands, std::size_t population,
                              const ParetoArchive& global_archive, const GenerationRecord& record,
                              const Checkpoint& checkpoint) {
  // Texts the islands sent once serve every later row of the same architecture.
  for (const auto& island : islands) {
    for (const auto* rows : {&island.immigrants, &island.evaluated, &island.archive_added}) {
      for (const auto& r : *rows) {
        if (!r.architecture.empty()) json_by_hash_.try_emplace(r.hash, r.architecture);
      }
    }
  }
  const auto text_of = [&](const EvaluationRow& r) -> const std::string& {
    const auto it = json_by_hash_.find(r.hash);
    ZEROLM_CHECK(it != json_by_hash_.end(), "{}: an island sent architecture {} without its text", directory_,
                 hash_hex(r.hash));
    return it->second;
  };
  const auto rows = [&] {
    Statement evaluation(db_,
                         "INSERT INTO evaluations(generation, hash, architecture, score, island, costs)"
                         " VALUES (?, ?, ?, ?, ?, ?)");
    Statement member(db_,
                     "INSERT INTO island_members(island, serial, hash, architecture, score, costs)"
                     " VALUES (?, ?, ?, ?, ?, ?)");
    Statement trim(db_, "DELETE FROM island_members WHERE island = ? AND serial < ?");
    Statement migration(db_, "INSERT INTO migrations(generation, to_island, hash) VALUES (?, ?, ?)");
    Statement archive_insert(db_,
                             "INSERT INTO island_archive(island, position, hash, architecture, score, costs)"
                             " VALUES (?, ?, ?, ?, ?, ?)");
    Statement archive_remove(db_, "DELETE FROM island_archive WHERE island = ? AND hash = ?");
    Statement island_checkpoint(db_, "INSERT OR REPLACE INTO islands(island, checkpoint) VALUES (?, ?)");
    const auto g = static_cast<std::int64_t>(generation);
    for (const auto& island : islands) {
      const auto i = static_cast<std::int64_t>(island.island);
      auto joined =
          island.checkpoint.joined - static_cast<std::int64_t>(island.immigrants.size() + island.evaluated.size());
      for (const auto* joins : {&island.immigrants, &island.evaluated}) {
        for (const auto& r : *joins) {
          member.bind(1, i)
              .bind(2, joined++)
              .bind(3, hash_hex(r.hash))
              .bind_stable(4, text_of(r))
              .bind(5, r.score)
              .bind(6, costs.to_text(r.costs))
              .run();
        }
      }
      trim.bind(1, i).bind(2, joined - static_cast<std::int64_t>(population)).run();
      for (const auto& r : island.evaluated) {
        evaluation.bind(1, g)
            .bind(2, hash_hex(r.hash))
            .bind_stable(3, text_of(r))
            .bind(4, r.score)
            .bind(5, i)
            .bind(6, costs.to_text(r.costs))
            .run();
      }
      for (const auto& r : island.immigrants) migration.bind(1, g).bind(2, i).bind(3, hash_hex(r.hash)).run();
      for (std::uint64_t hash : island.archive_removed) archive_remove.bind(1, i).bind(2, hash_hex(hash)).run();
      auto position = island.checkpoint.archive_position - static_cast<std::int64_t>(island.archive_added.size());
      for (const auto& r : island.archive_added) {
        archive_insert.bind(1, i)
            .bind(2, position++)
            .bind(3, hash_hex(r.hash))
            .bind_stable(4, text_of(r))
            .bind(5, r.score)
            .bind(6, costs.to_text(r.costs))
            .run();
      }
      island_checkpoint.bind(1, i).bind(2, island.checkpoint.to_json(costs).dump()).run();
    }
  };
  commit(space, costs, generation, rows, global_archive, record, checkpoint);
}

std::vector<IslandRestart> RunStore::load_islands(std::size_t islands, const CostSet& costs) const {
  const ReadTransaction snapshot(db_, directory_);
  std::vector<IslandRestart> out(islands);
  std::vector<bool> seen(islands, false);
  Statement checkpoints(db_, "SELECT island, checkpoint FROM islands");
  while (checkpoints.step()) {
    const auto i = checkpoints.integer(0);
    ZEROLM_CHECK(i >= 0 && static_cast<std::size_t>(i) < islands,
                 "{}: the store holds island {}, but the run has {} islands", directory_, i, islands);
    const auto island = static_cast<std::size_t>(i);
    out[island].checkpoint = read_checkpoint(checkpoints.text(1), fmt::format("{}: island {}", directory_, i), costs);
    seen[island] = true;
  }
  const auto read_rows = [&](const char* table, const char* order, auto member) {
    Statement rows(
        db_, fmt::format("SELECT hash, architecture, score, costs, island FROM {} ORDER BY island, {}", table, order));
    while (rows.step()) {
      const auto i = rows.integer(4);
      ZEROLM_CHECK(i >= 0 && static_cast<std::size_t>(i) < islands,
                   "{}: the run store is damaged: table {} holds island {}, but the run has {} islands", directory_,
                   table, i, islands);
      const std::string where = fmt::format("{}: {} row of island {}", directory_, table, i);
      (out[static_cast<std::size_t>(i)].*member)
          .push_back({parse_hash_hex(rows.text(0)), rows.text(1), rows.real(2),
                      costs.from_json(parse_json(rows.text(3), where), where)});
    }
  };
  read_rows("island_members", "serial", &IslandRestart::population);
  read_rows("island_archive", "position", &IslandRestart::archive);
  for (std::size_t i = 0; i < islands; ++i) {
    ZEROLM_CHECK(seen[i], "{}: island {} has no checkpoint", directory_, i);
  }
  return out;
}

ParetoArchive RunStore::load_archive(const SearchSpace& space, const CostSet& costs) const {
  const ReadTransaction snapshot(db_, directory_);
  ParetoArchive archive(costs.objectives());
  Statement rows(db_, "SELECT architecture, score, costs FROM archive ORDER BY position");
  while (rows.step()) {
    const std::string where = directory_ + ": archive";
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
