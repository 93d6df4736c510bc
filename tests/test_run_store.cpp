// The run store's schema versions: a store written by an older zerolm (rebuilt
// here, table by table, as those versions wrote it) opens read-write (migrated
// in place, in order) and read-only (migrated in memory, the file untouched),
// and loads exactly the state it holds.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/runs/stored_search.hpp"
#include "engine/store/run_store.hpp"
#include "kernels/weight_statistics.hpp"

using namespace zerolm;
namespace fs = std::filesystem;

namespace {

void sql(sqlite3* db, const std::string& statement) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error);
  const std::string why = error != nullptr ? error : "";
  sqlite3_free(error);
  INFO(statement << ": " << why);
  REQUIRE(rc == SQLITE_OK);
}

std::string meta(sqlite3* db, const std::string& key) {
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &s, nullptr) == SQLITE_OK);
  sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  std::string value;
  if (sqlite3_step(s) == SQLITE_ROW) value = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  return value;
}

void set_meta(sqlite3* db, const std::string& key, const std::string& value) {
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1, &s, nullptr) ==
          SQLITE_OK);
  sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(s, 2, value.c_str(), -1, SQLITE_TRANSIENT);
  REQUIRE(sqlite3_step(s) == SQLITE_DONE);
  sqlite3_finalize(s);
}

// A finished evolution run as schema version 5 wrote it (the golden store of
// tests/data/stores/v5, written by zerolm at that version), in `directory`.
void write_run(const std::string& directory) {
  fs::remove_all(directory);
  fs::create_directories(directory);
  fs::copy_file(fs::path(ZEROLM_SOURCE_DIR) / "tests/data/stores/v5/flexibert-trained/run.sqlite",
                fs::path(directory) / "run.sqlite");
}

// Rewrites a version-5 store as version 2 wrote it: no schema_version, no
// non-embedding counts, checkpoints

// with positional arrays and the best as a hash, every proxy's options in the config.
void downgrade_to_version_2(const std::string& directory) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((fs::path(directory) / "run.sqlite").c_str(), &db) == SQLITE_OK);
  const auto checkpoint = nlohmann::json::parse(meta(db, "checkpoint"));
  const auto& r = checkpoint["reference"];
  const nlohmann::json old{{"generation", checkpoint["generation"]},
                           {"evaluations", checkpoint["evaluations"]},
                           {"best", checkpoint["best"]["hash"]},
                           {"have_best", checkpoint["have_best"]},
                           {"reference", {r["proxy"], r["parameters"], r["latency"]}},
                           {"seconds", checkpoint["seconds"]}};
  set_meta(db, "checkpoint", old.dump());
  auto config = nlohmann::json::parse(meta(db, "config"));
  config["proxy"].update({{"include_embeddings", false},
                          {"include_norms", false},
                          {"count", "total"},
                          {"statistic", "log_det"},
                          {"aggregate", "linear"},
                          {"gain", 1.0}});
  set_meta(db, "config", config.dump());
  // Schema 4's column did not exist before it (the 3 -> 4 migration adds it).
  sql(db,
      "ALTER TABLE evaluations DROP COLUMN non_embedding_parameters; "
      "ALTER TABLE archive DROP COLUMN non_embedding_parameters;");
  sql(db, "DELETE FROM meta WHERE key = 'schema_version'");
  sqlite3_close(db);
}

// Version 1: also no island column or tables, no latencies table.
void downgrade_to_version_1(const std::string& directory) {
  downgrade_to_version_2(directory);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((fs::path(directory) / "run.sqlite").c_str(), &db) == SQLITE_OK);
  sql(db,
      "ALTER TABLE evaluations DROP COLUMN island; DROP TABLE islands; DROP TABLE island_members; "
      "DROP TABLE island_archive; DROP TABLE migrations; DROP TABLE latencies;");
  sqlite3_close(db);
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct Loaded {
  std::vector<std::uint64_t> population, archive;
  std::uint64_t best = 0;
  std::size_t evaluations = 0, generation = 0, history = 0;
};

Loaded load(const RunStore& store) {
  const SearchRunConfig c = SearchRunConfig::from_json(store.config());
  const auto space = c.make_space();
  const auto [state, cache] = store.load(*space, c.search.costs);
  Loaded out;
  for (const auto& e : state.population) out.population.push_back(e.architecture.hash());
  for (const auto& e : state.archive.entries()) out.archive.push_back(e.architecture.hash());
  out.best = state.best.architecture.hash();
  out.evaluations = state.evaluations;
  out.generation = state.generation;
  out.history = state.history.size();
  return out;
}

void check_same(const Loaded& a, const Loaded& b) {
  CHECK(a.population == b.population);
  CHECK(a.archive == b.archive);
  CHECK(a.best == b.best);
  CHECK(a.evaluations == b.evaluations);
  CHECK(a.generation == b.generation);
  CHECK(a.history == b.history);
}

}  // namespace

TEST_CASE("run stores of schema versions 1 and 2 open, migrate in order and load the same state", "[store]") {
  const std::string directory = (fs::temp_directory_path() / "zerolm-store-migration").string();
  write_run(directory);
  const Loaded current = load(RunStore::open_read_only(directory));
  REQUIRE(current.evaluations == 320);
  CHECK(RunStore::open_read_only(directory).schema_version() == RunStore::kSchemaVersion);

  for (int version : {2, 1}) {
    INFO("schema version " << version);
    write_run(directory);
    if (version == 2) downgrade_to_version_2(directory);
    if (version == 1) downgrade_to_version_1(directory);
    const std::string database = (fs::path(directory) / "run.sqlite").string();
    const std::string before = file_bytes(database);

    // Read-only: migrated in memory, the file untouched.
    {
      const RunStore store = RunStore::open_read_only(directory);
      CHECK(store.schema_version() == RunStore::kSchemaVersion);
      check_same(load(store), current);
      CHECK(store.checkpoint(SearchRunConfig::from_json(store.config()).search.costs).best.hash == current.best);
    }
    CHECK(file_bytes(database) == before);

    // Read-write: migrated in place, once.
    {
      const RunStore store = RunStore::open(directory);
      CHECK(store.schema_version() == RunStore::kSchemaVersion);
      check_same(load(store), current);
      const auto proxy = store.config()["proxy"];
      CHECK(!proxy.contains("statistic"));  // only zerolm's own options remain
      CHECK(proxy.contains("include_embeddings"));
    }
    const RunStore again = RunStore::open(directory);
    check_same(load(again), current);
  }
  fs::remove_all(directory);
}

TEST_CASE("a store newer than this zerolm is refused with one line", "[store]") {
  const std::string directory = (fs::temp_directory_path() / "zerolm-store-newer").string();
  write_run(directory);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((fs::path(directory) / "run.sqlite").c_str(), &db) == SQLITE_OK);
  set_meta(db, "schema_version", "99");
  sqlite3_close(db);
  for (bool read_only : {false, true}) {
    try {
      (void)(read_only ? RunStore::open_read_only(directory) : RunStore::open(directory));
      FAIL("a newer store was opened");
    } catch (const Error& e) {
      CHECK_THAT(e.message(), Catch::Matchers::Contains("schema version 99"));
    }
  }
  fs::remove_all(directory);
}
