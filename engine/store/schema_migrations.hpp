// The run store's schema versions and their migrations, one frozen step per
// version: each brings a store one version up with SQL and the stored JSON as
// that version wrote them (docs/ARCHITECTURE.md, "Stored formats").
#pragma once

#include <nlohmann/json.hpp>
#include <string>

struct sqlite3;

namespace zerolm::store_schema {

inline constexpr int kSchemaVersion = 6;

// The tables of a new store at kSchemaVersion (meta, evaluations, archive,
// population, history, measurements, the island tables).
extern const char* const kTables;

// The version a store holds (stores before 3 carry none; their tables tell).
int stored_schema_version(sqlite3* db);
// Every migration the store lacks, in order, in one transaction; a store newer
// than kSchemaVersion is an Error naming `where`.
void migrate_database(sqlite3* db, const std::string& where);

// The embedding parameters of a stored architecture (canonical JSON) of
// `space` and `protocol` as version 4 lowered it: what migrating a version-3
// store subtracts from its parameter counts (frozen; tests compare it with
// today's lowering of the spaces version 4 had).
double version_4_embedding_parameters(const std::string& space, const std::string& protocol,
                                      const nlohmann::json& architecture);

}  // namespace zerolm::store_schema
