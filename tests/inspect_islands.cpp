// inspect_islands RUN_DIR: checks a finished distributed run's store, reading its
// tables directly (not through the code that wrote them). Prints one line per
// check; exit 0 when every check holds, 1 otherwise.
//  - the global archive is exactly the non-dominated union of the islands'
//    archives (pairwise dominance, by hash);
//  - every island received `migrants` architectures at every migration
//    generation, each evaluated in an earlier generation;
//  - every island spent its share of the evaluation budget.
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace {

struct Point {
  std::string hash;
  double proxy = 0.0, parameters = 0.0, third = 0.0;  // third: the latency or memory column, per the objectives
};

bool dominates(const Point& a, const Point& b, bool three) {
  const bool no_worse = a.proxy >= b.proxy && a.parameters <= b.parameters && (!three || a.third <= b.third);
  const bool better = a.proxy > b.proxy || a.parameters < b.parameters || (three && a.third < b.third);
  return no_worse && better;
}

class Database {
 public:
  explicit Database(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "inspect_islands: cannot open %s\n", path.c_str());
      std::exit(1);
    }
  }
  ~Database() { sqlite3_close(db_); }
  static double real(const std::string& text) { return std::strtod(text.c_str(), nullptr); }
  // Every row of `sql`, columns as text.
  std::vector<std::vector<std::string>> rows(const std::string& sql) const {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "inspect_islands: %s (%s)\n", sqlite3_errmsg(db_), sql.c_str());
      std::exit(1);
    }
    std::vector<std::vector<std::string>> out;
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        if (sqlite3_column_type(s, c) == SQLITE_FLOAT) {  // exact: SQLite's text of a REAL keeps 15 digits
          char exact[64];
          std::snprintf(exact, sizeof exact, "%a", sqlite3_column_double(s, c));
          row.emplace_back(exact);
          continue;
        }
        const auto* text = sqlite3_column_text(s, c);
        row.emplace_back(text == nullptr ? "" : reinterpret_cast<const char*>(text));
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(s);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::vector<Point> points(const Database& db, const std::string& sql) {
  std::vector<Point> out;
  for (const auto& r : db.rows(sql)) out.push_back({r[0], db.real(r[1]), db.real(r[2]), db.real(r[3])});
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: inspect_islands RUN_DIR\n");
    return 1;
  }
  const Database db(std::string(argv[1]) + "/run.sqlite");
  bool ok = true;
  const auto check = [&](bool holds, const std::string& what) {
    std::printf("%s: %s\n", holds ? "ok" : "FAIL", what.c_str());
    ok = ok && holds;
  };
  const auto meta = [&](const std::string& key) {
    const auto r = db.rows("SELECT value FROM meta WHERE key = '" + key + "'");
    return r.empty() ? std::string() : r[0][0];
  };
  const auto config = nlohmann::json::parse(meta("config"));
  const std::size_t islands = std::stoul(meta("islands"));
  const auto& objectives = config.at("objectives");
  const bool three = objectives.size() == 3;
  const std::string third = three ? objectives.at(2).get<std::string>() : "latency";  // latency | memory

  // The global archive against the non-dominated union of the islands' archives.
  std::map<std::string, Point> island_union;
  // Costs are stored by name (one JSON object per row).
  const std::string columns =
      "SELECT hash, score, json_extract(costs, '$.parameters'), json_extract(costs, '$." + third + "') FROM ";
  for (const auto& p : points(db, columns + "island_archive")) island_union[p.hash] = p;
  std::set<std::string> expected;
  for (const auto& [hash, p] : island_union) {
    bool dominated = false;
    for (const auto& [other_hash, q] : island_union) dominated = dominated || dominates(q, p, three);
    if (!dominated) expected.insert(hash);
  }
  std::set<std::string> global;
  for (const auto& p : points(db, columns + "archive")) global.insert(p.hash);
  check(global == expected && !global.empty(), "global archive (" + std::to_string(global.size()) +
                                                   ") == non-dominated union of the " + std::to_string(islands) +
                                                   " island archives (" + std::to_string(expected.size()) + " of " +
                                                   std::to_string(island_union.size()) + ")");

  // Migrations: `migrants` arrivals per island at every migration generation.
  const std::size_t generations = std::stoul(db.rows("SELECT count(*) FROM history")[0][0]);
  const std::size_t every = config.at("islands").at("migrate_every").get<std::size_t>();
  const std::size_t migrants = config.at("islands").at("migrants").get<std::size_t>();
  const std::size_t migration_generations = generations == 0 ? 0 : (generations - 1) / every;
  const std::size_t migrations = std::stoul(db.rows("SELECT count(*) FROM migrations")[0][0]);
  check(migrations == islands * migrants * migration_generations && migrations > 0,
        std::to_string(migrations) + " migrations == " + std::to_string(islands) + " islands x " +
            std::to_string(migrants) + " migrants x " + std::to_string(migration_generations) +
            " migration generations");
  const auto late = db.rows(
      "SELECT count(*) FROM migrations m WHERE NOT EXISTS (SELECT 1 FROM evaluations e WHERE e.hash = m.hash AND "
      "e.generation < m.generation)");
  const auto wrong_generation =
      db.rows("SELECT count(*) FROM migrations WHERE generation % " + std::to_string(every) + " != 0");
  check(late[0][0] == "0" && wrong_generation[0][0] == "0",
        "every migrant was evaluated in an earlier generation and arrived at a migration generation");

  // Budget shares.
  const std::size_t budget = config.at("search").at("max_evaluations").get<std::size_t>();
  bool shares = true;
  std::string counts;
  for (const auto& r : db.rows("SELECT island, count(*) FROM evaluations GROUP BY island ORDER BY island")) {
    const std::size_t island = std::stoul(r[0]), n = std::stoul(r[1]);
    shares = shares && n == budget / islands + (island < budget % islands ? 1 : 0);
    counts += (counts.empty() ? "" : ", ") + r[1];
  }
  check(shares, "evaluations per island (" + counts + ") are the shares of " + std::to_string(budget));
  return ok ? 0 : 1;
}
