// What a run store keeps to continue a search exactly: the checkpoint of a
// single-process run, of a distributed run (global), and of each island, as one
// struct with one JSON form (the store's schema version says which form a
// stored one has; older forms are migrated in order, run_store.cpp).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/search/evolution.hpp"
#include "engine/search/pareto_archive.hpp"

namespace zerolm {

// Hashes as the store writes them: 16 hex digits.
std::string hash_hex(std::uint64_t hash);
std::uint64_t parse_hash_hex(const std::string& text);  // an Error when not 16 hex digits

// An evaluated architecture as islands send it and the store keeps it:
// canonical hash, canonical JSON text (empty when the reader has it already)
// and objectives.
struct EvaluationRow {
  std::uint64_t hash = 0;
  std::string architecture;
  double score = 0.0;
  CostValues costs{};  // in the run's CostSet order

  Objectives objectives() const { return {score, costs}; }
};

// The architecture and objectives a row holds, read by `space` (the row's text must be set).
EvaluatedArchitecture evaluated_of(const SearchSpace& space, const EvaluationRow& row);

struct Checkpoint {
  std::size_t generation = 0;  // the next generation to run
  std::size_t evaluations = 0;
  bool have_best = false;
  // The best architecture: its hash always; its text and objectives too where
  // the reader has no evaluations table to find them in (an island's).
  EvaluationRow best;
  Objectives reference;               // of the hypervolume
  double seconds = 0.0;               // spent so far
  std::size_t islands = 0;            // a distributed run's global checkpoint: how many
  std::int64_t joined = 0;            // an island's: architectures that joined its population so far
  std::int64_t archive_position = 0;  // an island's: the next free archive position

  // Costs by name, as `costs` (the run's) names them.
  nlohmann::json to_json(const CostSet& costs) const;
  // An Error naming the field when `value` is not a checkpoint of this form.
  static Checkpoint from_json(const nlohmann::json& value, const CostSet& costs);
};

// A stored checkpoint's text read by `costs` (the run's); errors name `where`.
Checkpoint read_checkpoint(const std::string& text, const std::string& where, const CostSet& costs);

}  // namespace zerolm
