// Export formats: how the architectures a run found reach training code. The
// registry holds the formats every space has (json, yaml, torchscript) and each
// space's own (its registry entry's `formats`, e.g. nas-bench-bert, hf), so
// `--format` help, validation and dispatch come from one list.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "engine/config/search_config.hpp"
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
  std::string space;  // empty: every space
  std::function<void(const ExportRequest&)> write;
};

// Every format: the generic ones, then each space's, in registry order.
std::vector<ExportFormat> export_formats();
// The format `name` for `space`; an Error naming the formats that space has.
ExportFormat export_format(const std::string& name, const SearchSpace& space);
// "json|yaml|torchscript (any space); nas-bench-bert (flexibert); ...": for --help.
std::string export_formats_help();

// What json and yaml exports hold per architecture (torchscript stores it too).
nlohmann::json describe_export(const SearchSpace& space, const SearchRunConfig& config, const EvaluatedArchitecture& e);

}  // namespace zerolm
