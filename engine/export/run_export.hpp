// A stored run's architectures out: which of them (its Pareto archive, its K best
// distinct evaluations or its current population, of the whole run or of one
// island) and their export in any format. What `zerolm export` and the Python
// package's Run both call.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/config/search_config.hpp"
#include "engine/search/evolution.hpp"

namespace zerolm {

struct RunSelection {
  enum class Kind { pareto, top, population };
  Kind kind = Kind::pareto;
  std::size_t top = 0;                 // Kind::top: how many
  std::optional<std::int64_t> island;  // a distributed run's island (pareto or population)
};

struct SelectedArchitectures {
  SearchRunConfig config;  // the run's stored config
  std::unique_ptr<SearchSpace> space;
  // pareto: by parameters, ascending; top: by score, descending (stable);
  // population: oldest first.
  std::vector<EvaluatedArchitecture> chosen;
};

// Reads the run store in `directory` (read-only) and selects.
SelectedArchitectures select_from_run(const std::string& directory, const RunSelection& selection);

struct RunExport {
  std::string format = "json";        // an export registry entry
  std::string out = "-";              // a file, "-" (standard output) or a folder
  std::optional<std::uint64_t> seed;  // initial weights (default: the run's own seed)
  bool weights = false;               // pytorch: also the initial weights
};

// Selects and writes. `out` is never one of the run's own store files.
void export_run(const std::string& directory, const RunSelection& selection, const RunExport& request);

}  // namespace zerolm
