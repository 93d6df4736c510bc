// Schema version 4: evaluations and archive members carry their non-embedding
// parameter count; a version-3 store (without the column) is migrated in place
// when opened for writing and in memory when opened read-only. Version 5: peak
// memory beside latency; a version-4 store (no memory anywhere) gains zeros and
// resumes. Version 6: costs by name; a run with a memory model keeps its
// memories. The older stores are the golden version-5 stores
// (tests/data/stores/v5) rewritten as the older versions wrote them.
#include <sqlite3.h>

#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>

#include "engine/config/search_config.hpp"
#include "engine/search/evolution.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/store/run_store.hpp"
#include "engine/store/schema_migrations.hpp"
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

// A golden version-5 store (tests/data/stores/v5/NAME), copied to `folder`.
void copy_golden(const std::string& name, const std::string& folder) {
  const auto from = std::filesystem::path(ZEROLM_SOURCE_DIR) / "tests/data/stores/v5" / name;
  std::filesystem::create_directories(folder);
  for (const auto& file : std::filesystem::directory_iterator(from))
    std::filesystem::copy_file(file.path(), std::filesystem::path(folder) / file.path().filename());
}
}  // namespace

TEST_CASE("run store: memories survive the store, and version 4 stores gain zeros and resume", "[store][memory]") {
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
    config.costs.term("memory").section = memory.to_json();
    config.costs.set_objectives({"parameters", "memory"});
    config.costs.instantiate(*space);
    const std::size_t slot = *config.costs.find("memory");
    {
      RunStore store = RunStore::create(folder, stored);
      SearchRun run(*space, proxy, config);
      while (!run.finished()) store.commit_generation(*space, config.costs, run.state(), run.step());
    }
    const RunStore store = RunStore::open_read_only(folder);
    const auto [state, cache] = store.load(*space, config.costs);
    REQUIRE(cache.size() >= 8);
    ModelSpec spec;
    for (const auto& e : cache) {
      space->lower(e.architecture, spec);
      CHECK(e.costs[slot] == memory.predict_mb(spec));
    }
    REQUIRE(state.archive.size() > 0);
    for (const auto& e : state.archive.entries()) {
      space->lower(e.architecture, spec);
      CHECK(e.objectives.costs[slot] == memory.predict_mb(spec));
    }
    CHECK(state.best.costs[slot] > 150.0);
    CHECK(store.checkpoint(config.costs).reference.costs[slot] > 0.0);
    std::filesystem::remove_all(folder);
  }
  SECTION("a version-4 store (no memory columns, no checkpoint memory) migrates and resumes") {
    const auto folder = temporary_folder("memory-migration");
    copy_golden("gpt2-lts-titanxp-memory-killed", folder);
    downgrade_to_4(folder);  // SQLite folds the killed run's WAL in first
    SearchRunConfig c;
    {
      const RunStore read_only = RunStore::open_read_only(folder);
      CHECK(read_only.schema_version() == RunStore::kSchemaVersion);
      c = SearchRunConfig::from_json(read_only.config());
      const std::size_t slot = *c.search.costs.find("memory");
      CHECK(read_only.checkpoint(c.search.costs).best.costs[slot] == 0.0);
    }
    RunStore store = RunStore::open(folder);
    CHECK(store.schema_version() == RunStore::kSchemaVersion);
    const auto run_space = c.make_space();
    auto [state, cache] = store.load(*run_space, c.search.costs);
    for (const auto& e : cache) CHECK(e.costs[*c.search.costs.find("memory")] == 0.0);
    c.search.costs.instantiate(*run_space);
    SearchRun run(*run_space, proxy, c.search);
    run.restore(std::move(state), cache);
    while (!run.finished()) store.commit_generation(*run_space, c.search.costs, run.state(), run.step());
    CHECK(store.checkpoint(c.search.costs).evaluations >= c.search.max_evaluations);
    std::filesystem::remove_all(folder);
  }
}

TEST_CASE("run store: version 3 stores gain their non-embedding counts", "[store]") {
  const auto folder = temporary_folder("migration-test");
  copy_golden("flexibert-trained", folder);
  const auto space = make_search_space("flexibert", {"trained"});
  const CostSet costs;
  std::vector<EvaluatedArchitecture> fresh;
  {
    const RunStore store = RunStore::open_read_only(folder);
    fresh = store.load(*space, costs).second;
  }
  REQUIRE(fresh.size() >= 8);
  ModelSpec spec;
  for (const auto& e : fresh) {
    space->lower(e.architecture, spec);
    CHECK(e.non_embedding_parameters() ==
          static_cast<double>(spec.total_parameters() - spec.parameters_with_role(Role::embedding)));
  }
  downgrade_to_3(folder);
  {
    const RunStore read_only = RunStore::open_read_only(folder);  // migrated in memory
    CHECK(read_only.schema_version() == RunStore::kSchemaVersion);
    const auto migrated = read_only.load(*space, costs).second;
    REQUIRE(migrated.size() == fresh.size());
    for (std::size_t i = 0; i < fresh.size(); ++i)
      CHECK(migrated[i].non_embedding_parameters() == fresh[i].non_embedding_parameters());
  }
  {
    const RunStore store = RunStore::open(folder);  // migrated in place
    CHECK(store.schema_version() == RunStore::kSchemaVersion);
  }
  const RunStore again = RunStore::open_read_only(folder);
  const auto migrated = again.load(*space, costs).second;
  for (std::size_t i = 0; i < fresh.size(); ++i)
    CHECK(migrated[i].non_embedding_parameters() == fresh[i].non_embedding_parameters());
  std::filesystem::remove_all(folder);
}

// Migrating a version-3 store subtracts embedding counts written out in the
// migration (frozen), not taken from today's spaces; they must still agree with
// today's lowering of every space and protocol version 4 had. A failure here
// means a space changed how it lowers its embeddings: stores migrated from
// version 3 then keep version 4's counts, which differ from a fresh run's.
TEST_CASE("run store: version 4's frozen embedding counts agree with today's spaces", "[store]") {
  const std::pair<const char*, const char*> version_4_protocols[] = {
      {"flexibert", "paper"}, {"flexibert", "pytorch"}, {"flexibert", "trained"},
      {"gpt2", "lts"},        {"gpt2", "hwgpt"},        {"gpt2", "gpt2"}};
  ModelSpec spec;
  for (const auto& [name, protocol] : version_4_protocols) {
    const auto space = make_search_space(name, {protocol});
    bool adaptive = false;
    for (const auto& a : sample_architectures(*space, 200, 11)) {
      space->lower(a, spec);
      const nlohmann::json stored = space->to_json(a);
      adaptive = adaptive || stored.dump().find("adaptive") != std::string::npos;
      INFO(name << " / " << protocol << ": " << stored.dump());
      CHECK(store_schema::version_4_embedding_parameters(name, protocol, stored) ==
            static_cast<double>(spec.parameters_with_role(Role::embedding)));
    }
    if (std::string(protocol) == "lts") CHECK(adaptive);  // archai's adaptive embedding and softmax are covered
  }
  CHECK_THROWS_AS(store_schema::version_4_embedding_parameters("llama", "", nlohmann::json::object()), Error);
  CHECK_THROWS_AS(store_schema::version_4_embedding_parameters("gpt2", "lts", nlohmann::json{{"d_model", 64}}), Error);
}
