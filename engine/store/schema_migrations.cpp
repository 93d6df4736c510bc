#include "engine/store/schema_migrations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/parse_number.hpp"
#include "engine/store/checkpoint.hpp"
#include "engine/store/sqlite_database.hpp"

namespace zerolm::store_schema {

using namespace store_sqlite;

// Schema 6. Distributed runs: each island's checkpoint, the architectures that
// joined its population (the last `population` of them are the population),
// its archive, and the migrations it received.
const char* const kTables =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE TABLE evaluations(id INTEGER PRIMARY KEY, generation INTEGER, hash TEXT, architecture TEXT,"
    "  score REAL, island INTEGER NOT NULL DEFAULT 0, costs TEXT);"
    "CREATE TABLE archive(position INTEGER PRIMARY KEY, hash TEXT UNIQUE, architecture TEXT, score REAL,"
    "  costs TEXT);"
    "CREATE TABLE population(position INTEGER PRIMARY KEY, hash TEXT);"
    "CREATE TABLE history(generation INTEGER PRIMARY KEY, evaluations INTEGER, best_score REAL, archive_size INTEGER,"
    "  hypervolume REAL, seconds REAL);"
    "CREATE TABLE measurements(cost TEXT, hash TEXT, value REAL, PRIMARY KEY(cost, hash));"
    "CREATE TABLE islands(island INTEGER PRIMARY KEY, checkpoint TEXT);"
    "CREATE TABLE island_members(island INTEGER, serial INTEGER, hash TEXT, architecture TEXT, score REAL,"
    "  costs TEXT, PRIMARY KEY(island, serial));"
    "CREATE TABLE island_archive(island INTEGER, position INTEGER, hash TEXT, architecture TEXT, score REAL,"
    "  costs TEXT, PRIMARY KEY(island, position));"
    "CREATE INDEX island_archive_hash ON island_archive(island, hash);"
    "CREATE TABLE migrations(generation INTEGER, to_island INTEGER, hash TEXT);";

namespace {

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
// Version 6: costs by name (migrate_to_6).
// Stores before version 3 carry no `schema_version`; their tables tell 1 from 2.

}  // namespace

int stored_schema_version(sqlite3* db) {
  const std::string text = meta_of(db, "schema_version");
  if (!text.empty()) {
    const auto version = parse_integer(text, 1, 1000000);
    ZEROLM_CHECK(version.has_value(), "{}: the run store is damaged: its schema_version '{}' is not a version number",
                 database_name(db), text);
    return static_cast<int>(*version);
  }
  Statement island_column(db, "SELECT count(*) FROM pragma_table_info('evaluations') WHERE name = 'island'");
  return island_column.step() && island_column.integer(0) == 1 ? 2 : 1;
}

namespace {

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

// A stored config as version 3's parser read it: the chosen proxy's own
// options only (version 2 stored every proxy's). Frozen: the proxies and their
// options as version 3 knew them, not today's registry.
nlohmann::json config_from_version_2(nlohmann::json config) {
  if (!config.contains("proxy") || !config["proxy"].is_object()) return config;
  struct Version3Proxy {
    std::string_view name;
    bool takes_alpha;
    std::vector<std::string_view> options;
  };
  static const Version3Proxy kVersion3Proxies[] = {
      {"params", false, {"count"}},
      {"zerolm", true, {"include_embeddings", "include_norms"}},
      {"spectral", true, {"statistic", "aggregate", "gain", "include_embeddings"}}};
  auto& proxy = config["proxy"];
  const std::string name = proxy.value("name", std::string("zerolm"));
  const auto* known = std::find_if(std::begin(kVersion3Proxies), std::end(kVersion3Proxies),
                                   [&](const Version3Proxy& p) { return p.name == name; });
  ZEROLM_CHECK(known != std::end(kVersion3Proxies), "field 'proxy.name': value '{}' is not zerolm|spectral|params",
               name);
  nlohmann::json kept = nlohmann::json::object();
  for (const auto& [key, value] : proxy.items()) {
    const bool own = key == "name" || key == "mode" || (key == "alpha" && known->takes_alpha) ||
                     std::find(known->options.begin(), known->options.end(), key) != known->options.end();
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
  } catch (const std::exception& e) {
    ZEROLM_FAIL("{}: cannot migrate the run store to schema version 3: {}", where, e.what());
  }
}

void migrate_to_4(sqlite3* db, const std::string& where) {
  std::string space, protocol;
  try {
    const auto config = nlohmann::json::parse(meta_of(db, "config"));
    space = config.value("space", std::string("flexibert"));
    protocol = config.value("protocol", std::string());
  } catch (const std::exception& e) {
    ZEROLM_FAIL("{}: cannot migrate the run store to schema version 4: {}", where, e.what());
  }
  for (const char* table : {"evaluations", "archive"}) {
    exec(db, fmt::format("ALTER TABLE {} ADD COLUMN non_embedding_parameters REAL", table), where);
    std::vector<std::tuple<std::string, std::string, double>> rows;  // hash, architecture, parameters
    Statement read(db, fmt::format("SELECT DISTINCT hash, architecture, parameters FROM {}", table));
    while (read.step()) rows.emplace_back(read.text(0), read.text(1), read.real(2));
    Statement update(db, fmt::format("UPDATE {} SET non_embedding_parameters = ? WHERE hash = ?", table));
    for (const auto& [hash, architecture, parameters] : rows) {
      double embedding = 0.0;
      try {
        embedding = version_4_embedding_parameters(space, protocol, nlohmann::json::parse(architecture));
      } catch (const std::exception& e) {
        ZEROLM_FAIL("{}: cannot migrate the run store to schema version 4: table {}, hash {}: {}", where, table, hash,
                    e.what());
      }
      update.bind(1, parameters - embedding).bind(2, hash).run();
    }
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

}  // namespace

// Every migration the store lacks, in order, in one transaction.
void migrate_database(sqlite3* db, const std::string& where) {
  const int version = stored_schema_version(db);
  ZEROLM_CHECK(version <= kSchemaVersion,
               "{}: the run store has schema version {}, newer than this zerolm's {}; use a newer zerolm", where,
               version, kSchemaVersion);
  if (version == kSchemaVersion) return;
  exec(db, "BEGIN IMMEDIATE", where);
  try {
    for (const Migration& m : kMigrations) {
      if (m.version > version) m.apply(db, where);
    }
    set_meta_of(db, "schema_version", std::to_string(kSchemaVersion));
    exec(db, "COMMIT", where);
  } catch (...) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

// The embedding parameters of an architecture stored as canonical JSON, as
// version 4 lowered it (its spaces were flexibert and gpt2; llama came with
// version 4 and wrote the column itself). Frozen: the count is written out
// here, not taken from today's space, so this step's result never changes.
// Version 4's tensors of role embedding were, for flexibert, the word,
// position and token-type tables (width 128) and, for a hidden size other than
// 128, the projection to it with its bias; for gpt2, wte, wpe (protocol gpt2)
// and the untied head (hwgpt), or archai's adaptive embedding and softmax.
double version_4_embedding_parameters(const std::string& space, const std::string& protocol, const nlohmann::json& a) {
  const auto whole = [&](const nlohmann::json& object, const char* key) {
    ZEROLM_CHECK(object.is_object() && object.contains(key), "architecture {}: no field '{}'", a.dump(), key);
    return static_cast<double>(json_whole<std::int64_t>(object.at(key), key));
  };
  if (space == "flexibert") {
    constexpr double kVocabulary = 30522, kPositions = 512, kTokenTypes = 2, kWidth = 128, kPaperHidden = 256;
    const double hidden = protocol == "paper" || protocol.empty() ? kPaperHidden : whole(a, "hidden_size");
    const double projection = hidden != kWidth ? kWidth * hidden + hidden : 0.0;
    return (kVocabulary + kPositions + kTokenTypes) * kWidth + projection;
  }
  ZEROLM_CHECK(space == "gpt2", "space '{}' did not exist before schema version 4", space);
  const double d_model = whole(a, "d_model");
  ZEROLM_CHECK(a.contains("embedding") && a["embedding"].is_object(), "architecture {}: no field 'embedding'",
               a.dump());
  const auto& e = a["embedding"];
  if (e.value("kind", std::string()) != "adaptive") {
    const double vocabulary = whole(e, "vocab_size");
    constexpr double kGpt2Positions = 1024;
    return vocabulary * d_model + (protocol == "gpt2" ? kGpt2Positions * d_model : 0.0) +
           (protocol == "hwgpt" ? d_model * vocabulary : 0.0);
  }
  const double d_embed = whole(e, "d_embed"), div_val = whole(e, "div_val"), n_token = whole(e, "n_token");
  const double tgt_len = whole(e, "tgt_len");
  ZEROLM_CHECK(e.contains("cutoffs") && e["cutoffs"].is_array() && !e["cutoffs"].empty() && div_val >= 1,
               "architecture {}: field 'embedding.cutoffs' or 'embedding.div_val' is not as version 4 wrote it",
               a.dump());
  const auto& cutoffs = e["cutoffs"];
  double total = 0.0, first_projection_cols = 0.0;
  if (div_val == 1) {
    total += n_token * d_embed;
    if (d_embed != d_model) {
      total += d_model * d_embed;
      first_projection_cols = d_embed;
    }
  } else {
    double start = 0.0;
    std::int64_t width = static_cast<std::int64_t>(d_embed);  // integer division, as version 4's lowering
    for (std::size_t i = 0; i < cutoffs.size(); ++i) {
      const double cutoff = static_cast<double>(json_whole<std::int64_t>(cutoffs[i], "embedding.cutoffs"));
      total += (cutoff - start) * static_cast<double>(width) + d_model * static_cast<double>(width);
      if (i == 0) first_projection_cols = static_cast<double>(width);
      start = cutoff;
      width /= static_cast<std::int64_t>(div_val);
    }
  }
  total += tgt_len * d_model + n_token;  // positions; the adaptive softmax's output biases
  const double tail_clusters = static_cast<double>(cutoffs.size()) - 1.0;
  if (tail_clusters > 0) total += tail_clusters * d_embed + tail_clusters;
  return total + d_model * first_projection_cols;
}

}  // namespace zerolm::store_schema
