// Export formats: how the architectures a run found reach training code. The
// registry holds the formats every space has (json, yaml, torchscript) and each
// space's own (its registry entry's `formats`, e.g. nas-bench-bert, hf), so
// `--format` help, validation and dispatch come from one list.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/search_config.hpp"
#include "engine/core/registry.hpp"
#include "engine/search/evolution.hpp"

namespace zerolm {

// What an export writes: the chosen architectures of a run, and where.
struct ExportRequest {
  const SearchSpace& space;
  const SearchRunConfig& config;
  std::span<const EvaluatedArchitecture> chosen;
  std::string out;         // a file, "-" (standard output) or, for folder formats, a folder
  std::uint64_t seed = 0;  // initial weights, for formats that hold them
  bool weights = false;    // pytorch: also write the initial weights (model.safetensors)
};

struct ExportFormat {
  std::string name;
  std::string description;
  // The spaces that have it, in the space registry's order (empty: every
  // space). A format several spaces have (hf) is one entry that writes each
  // space's own document.
  std::vector<std::string> spaces;
  bool needs_libtorch = false;      // runs the LibTorch plugin (torchscript)
  bool needs_module_family = false;  // a space without a PyTorch module family cannot write it (pytorch)
  std::function<void(const ExportRequest&)> write;

  bool supports(std::string_view space) const;
};

// Every format: the generic ones, then the spaces' own, in the space registry's order.
const Registry<ExportFormat>& export_format_registry();
// The format `name` for `space`; an Error naming the formats that space has.
const ExportFormat& export_format(const std::string& name, const SearchSpace& space);
// "json|yaml|torchscript (any space); nas-bench-bert (flexibert); ...": for --help.
std::string export_formats_help();

// One row per architecture with the json export's fields (rank first, the
// architecture as its JSON object, its one-line summary), every registry cost a
// column; a cost the run did not track is null. The csv export writes it and the
// Python package's frames hold it.
struct ExportTable {
  std::vector<std::string> columns;
  std::vector<std::vector<nlohmann::json>> rows;
};
ExportTable export_table(const SearchSpace& space, const SearchRunConfig& config,
                         std::span<const EvaluatedArchitecture> chosen);

// What json and yaml exports hold per architecture (torchscript stores it too).
nlohmann::json describe_export(const SearchSpace& space, const SearchRunConfig& config, const EvaluatedArchitecture& e);

}  // namespace zerolm
