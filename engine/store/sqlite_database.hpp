// The SQLite layer of the run store: one connection's statements, read
// transactions, the run folder's locks and the database file's checks. Knows
// nothing of runs, schemas or costs (engine/store/schema_migrations.hpp and
// run_store.hpp build on it).
#pragma once

#include <sqlite3.h>
#include <sys/types.h>

#include <cstdint>
#include <string>

#include "engine/core/error.hpp"

namespace zerolm::store_sqlite {

inline constexpr const char* kDatabase = "run.sqlite";
inline constexpr const char* kLock = "run.lock";

// The database file a connection reads, for error messages ("in memory" for a
// migrated read-only copy).
std::string database_name(sqlite3* db);

// Runs `sql` (several statements); an Error naming `where` when it fails.
void exec(sqlite3* db, const std::string& sql, const std::string& where);

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

// A descriptor above 2 (standard output may be closed).
int open_above_stdio(const char* path, int flags, mode_t mode);
// The run folder's lock file, and the database file itself, locked (flock) or an Error.
int take_lock(const std::string& directory);
int lock_database(const std::string& directory);
// `access`: SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, or SQLITE_OPEN_READONLY
// (then immutable when no writer has the store open).
sqlite3* open_database(const std::string& directory, int access = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
// Whether the store's tables were committed (creation is one transaction).
bool has_run_tables(sqlite3* db);
std::string meta_of(sqlite3* db, const std::string& key);
void set_meta_of(sqlite3* db, const std::string& key, const std::string& value);
// A copy of `db` in memory (for migrating a store opened read-only).
sqlite3* copy_to_memory(sqlite3* db, const std::string& where);

}  // namespace zerolm::store_sqlite
