// Schema version 4: evaluations and archive members carry their non-embedding
// parameter count; a version-3 store (without the column) is migrated in place
// when opened for writing and in memory when opened read-only.
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>

#include "engine/search/evolution.hpp"
#include "engine/store/run_store.hpp"
#include "proxies/zerolm_proxy.hpp"

using namespace zerolm;

namespace {
void downgrade_to_3(const std::string& folder) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open((std::filesystem::path(folder) / "run.sqlite").c_str(), &db) == SQLITE_OK);
  const char* sql =
      "ALTER TABLE evaluations DROP COLUMN non_embedding_parameters;"
      "ALTER TABLE archive DROP COLUMN non_embedding_parameters;"
      "UPDATE meta SET value = '3' WHERE key = 'schema_version';";
  REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
}
}  // namespace

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
