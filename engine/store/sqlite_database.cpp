#include "engine/store/sqlite_database.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string_view>

#include <fmt/format.h>

namespace zerolm::store_sqlite {

namespace {}  // namespace

// The database file a connection reads, for error messages ("in memory" for a
// migrated read-only copy).
std::string database_name(sqlite3* db) {
  const char* name = sqlite3_db_filename(db, "main");
  return name != nullptr && *name != '\0' ? name : "(in memory)";
}

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

static int lock_or_fail(const std::string& path, const std::string& directory, int flags) {
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

// A run store that is not an SQLite file (a folder, a file of other bytes) is
// refused by name before SQLite sees it.
static void check_database_file(const std::string& path) {
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
sqlite3* open_database(const std::string& directory, int access) {
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

}  // namespace zerolm::store_sqlite
