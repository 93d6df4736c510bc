// The island tables of a distributed run: what rank 0 commits per generation
// and what a resumed run's islands restart from.
#include <fmt/format.h>
#include <sqlite3.h>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/store/run_store.hpp"
#include "engine/store/sqlite_database.hpp"

namespace zerolm {

using namespace store_sqlite;

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
      // island_members and island_archive rows: (island, serial or position, hash, text, score, costs).
      const auto insert = [&](Statement& statement, std::int64_t index, const EvaluationRow& r) {
        statement.bind(1, i)
            .bind(2, index)
            .bind(3, hash_hex(r.hash))
            .bind_stable(4, text_of(r))
            .bind(5, r.score)
            .bind(6, costs.to_text(r.costs))
            .run();
      };
      for (const auto* joins : {&island.immigrants, &island.evaluated}) {
        for (const auto& r : *joins) insert(member, joined++, r);
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
      for (const auto& r : island.archive_added) insert(archive_insert, position++, r);
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
    std::vector<std::string> wheres;  // per island, for errors; made once, not per row
    for (std::size_t i = 0; i < islands; ++i)
      wheres.push_back(fmt::format("{}: {} row of island {}", directory_, table, i));
    while (rows.step()) {
      const auto i = rows.integer(4);
      ZEROLM_CHECK(i >= 0 && static_cast<std::size_t>(i) < islands,
                   "{}: the run store is damaged: table {} holds island {}, but the run has {} islands", directory_,
                   table, i, islands);
      const std::string& where = wheres[static_cast<std::size_t>(i)];
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

}  // namespace zerolm
