// Schema version 4: evaluations and archive members carry their non-embedding
// parameter count; a version-3 store (without the column) is migrated in place
// when opened for writing and in memory when opened read-only. Version 5: peak
// memory beside latency; a run with a memory model keeps its memories, and a
// version-4 store (no memory anywhere) gains zeros and resumes.
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>

#include "engine/search/evolution.hpp"
#include "engine/store/run_store.hpp"
#include "proxies/zerolm_proxy.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;

namespace {
// Rewrites a store as an older version wrote it.
void run_sql(const std::string& folder, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((std::filesystem::path(folder) / "run.sqlite").c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}
void downgrade_to_3(const std::string& folder) {
  run_sql(folder,
          "ALTER TABLE evaluations DROP COLUMN non_embedding_parameters;"
          "ALTER TABLE archive DROP COLUMN non_embedding_parameters;"
          "UPDATE meta SET value = '3' WHERE key = 'schema_version';");
}
void downgrade_to_4(const std::string& folder) {
  run_sql(folder,
          "ALTER TABLE evaluations DROP COLUMN memory; ALTER TABLE archive DROP COLUMN memory;"
          "ALTER TABLE island_members DROP COLUMN memory; ALTER TABLE island_archive DROP COLUMN memory;"
          "UPDATE meta SET value = json_remove(value, '$.best.memory', '$.reference.memory') WHERE key = 'checkpoint';"
          "UPDATE meta SET value = '4' WHERE key = 'schema_version';");
}

std::string temporary_folder(const char* name) {
  const auto folder =
      (std::filesystem::temp_directory_path() / (std::string("zerolm-") + name + "-" + std::to_string(::getpid())))
          .string();
  std::filesystem::remove_all(folder);
  return folder;
}
}  // namespace

TEST_CASE("run store: memories survive the store; version 4 stores gain zeros and resume", "[store][memory]") {
  const auto space = make_search_space("gpt2", {"lts"});
  const ZeroLmProxy proxy({});
  const auto memory = zerolm::testing::test_memory_model();
  SearchConfig config;
  config.population = 8;
  config.tournament = 2;
  config.children = 4;
  config.max_evaluations = 24;
  const nlohmann::json stored{{"space", "gpt2"}, {"protocol", "lts"}, {"choices", nlohmann::json::object()}};
  SECTION("a memory objective: every stored memory is the model's") {
    const auto folder = temporary_folder("memory-store");
    config.memory = &memory;
    config.objectives = ObjectiveSet::proxy_parameters_memory;
    {
      RunStore store = RunStore::create(folder, stored);
      SearchRun run(*space, proxy, config);
      while (!run.finished()) store.commit_generation(*space, run.state(), run.step());
    }
    const RunStore store = RunStore::open_read_only(folder);
    const auto [state, cache] = store.load(*space, config.objectives);
    REQUIRE(cache.size() >= 8);
    ModelSpec spec;
    for (const auto& e : cache) {
      space->lower(e.architecture, spec);
      CHECK(e.memory == memory.predict_mb(spec));
    }
    REQUIRE(state.archive.size() > 0);
    for (const auto& e : state.archive.entries()) {
      space->lower(e.architecture, spec);
      CHECK(e.objectives.memory == memory.predict_mb(spec));
    }
    CHECK(state.best.memory > 150.0);
    CHECK(store.checkpoint().reference.memory > 0.0);
    std::filesystem::remove_all(folder);
  }
  SECTION("a version-4 store (no memory columns, no checkpoint memory) migrates and resumes") {
    const auto folder = temporary_folder("memory-migration");
    config.max_evaluations = 12;
    {
      RunStore store = RunStore::create(folder, stored);
      SearchRun run(*space, proxy, config);
      while (!run.finished()) store.commit_generation(*space, run.state(), run.step());
    }
    downgrade_to_4(folder);
    {
      const RunStore read_only = RunStore::open_read_only(folder);
      CHECK(read_only.schema_version() == RunStore::kSchemaVersion);
      CHECK(read_only.checkpoint().best.memory == 0.0);
    }
    RunStore store = RunStore::open(folder);
    CHECK(store.schema_version() == RunStore::kSchemaVersion);
    auto [state, cache] = store.load(*space, config.objectives);
    for (const auto& e : cache) CHECK(e.memory == 0.0);
    config.max_evaluations = 24;
    SearchRun run(*space, proxy, config);
    run.restore(std::move(state), cache);
    while (!run.finished()) store.commit_generation(*space, run.state(), run.step());
    CHECK(store.checkpoint().evaluations >= 24);
    std::filesystem::remove_all(folder);
  }
}

TEST_CASE("run store: version 3 stores gain their non-embedding counts", "[store]") {
  const auto folder =
      (std::filesystem::temp_directory_path() / ("zerolm-migration-test-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(folder);
  const auto space = make_search_space("flexibert", {"trained"});
  const ZeroLmProxy proxy({});
  SearchConfig config;
  config.population = 8;
  config.tournament = 2;
  config.children = 4;
  config.max_evaluations = 16;
  const nlohmann::json stored{{"space", "flexibert"}, {"protocol", "trained"}, {"choices", nlohmann::json::object()}};
  {
    RunStore store = RunStore::create(folder, stored);
    SearchRun run(*space, proxy, config);
    while (!run.finished()) store.commit_generation(*space, run.state(), run.step());
  }
  std::vector<EvaluatedArchitecture> fresh;
  {
    const RunStore store = RunStore::open_read_only(folder);
    fresh = store.load(*space, ObjectiveSet::proxy_parameters).second;
  }
  REQUIRE(fresh.size() >= 8);
  ModelSpec spec;
  for (const auto& e : fresh) {
    space->lower(e.architecture, spec);
    CHECK(e.non_embedding_parameters ==
          static_cast<double>(spec.total_parameters() - spec.parameters_with_role(Role::embedding)));
  }
  downgrade_to_3(folder);
  {
    const RunStore read_only = RunStore::open_read_only(folder);  // migrated in memory
    CHECK(read_only.schema_version() == RunStore::kSchemaVersion);
    const auto migrated = read_only.load(*space, ObjectiveSet::proxy_parameters).second;
    REQUIRE(migrated.size() == fresh.size());
    for (std::size_t i = 0; i < fresh.size(); ++i)
      CHECK(migrated[i].non_embedding_parameters == fresh[i].non_embedding_parameters);
  }
  {
    const RunStore store = RunStore::open(folder);  // migrated in place
    CHECK(store.schema_version() == RunStore::kSchemaVersion);
  }
  const RunStore again = RunStore::open_read_only(folder);
  const auto migrated = again.load(*space, ObjectiveSet::proxy_parameters).second;
  for (std::size_t i = 0; i < fresh.size(); ++i)
    CHECK(migrated[i].non_embedding_parameters == fresh[i].non_embedding_parameters);
  std::filesystem::remove_all(folder);
}
