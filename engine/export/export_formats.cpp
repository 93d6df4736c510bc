#include "engine/export/export_formats.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/output_file.hpp"
#include "engine/export/pytorch_export.hpp"
#include "engine/reference/torch_plugin.hpp"

namespace zerolm {

namespace {

void write_text(const std::string& path, const std::string& text) {
  if (path == "-" || path.empty()) {
    fmt::print("{}", text);
    return;
  }
  write_file_atomic(path, text, "the export");
}

std::filesystem::path numbered(const std::string& out, std::size_t i, const Architecture& a, const char* suffix) {
  return std::filesystem::path(out) / fmt::format("{:02}-{:016x}{}", i, a.hash(), suffix);
}

void create_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  ZEROLM_CHECK(!ec, "{}: cannot create the folder: {}", folder.string(), ec.message());
}

void require_folder(const ExportRequest& r, const std::string& format, const char* what) {
  ZEROLM_CHECK(!r.out.empty() && r.out != "-", "--format {} writes {}: pass --out DIR", format, what);
}

void write_list(const ExportRequest& r, bool yaml) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : r.chosen) out.push_back(describe_export(r.space, r.config, e));
  write_text(r.out, yaml ? dump_yaml(out) + "\n" : out.dump(2) + "\n");
}

// The table as text pandas.read_csv reads: a null is an empty cell (NaN in
// pandas), never 0; the architecture is its canonical JSON in one cell.
void write_csv(const ExportRequest& r) {
  const ExportTable table = export_table(r.space, r.config, r.chosen);
  std::string text;
  for (std::size_t c = 0; c < table.columns.size(); ++c) text += (c ? "," : "") + table.columns[c];
  text += "\n";
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      const nlohmann::json& value = row[c];
      std::string cell;
      if (value.is_string()) {
        cell = value.get<std::string>();
      } else if (value.is_number_float()) {
        cell = fmt::format("{}", value.get<double>());  // shortest text that reads back exactly
      } else if (!value.is_null()) {
        cell = value.dump();
      }
      text += (c ? "," : "") + csv_field(cell);
    }
    text += "\n";
  }
  write_text(r.out, text);
}

// One initialised TorchScript module per architecture: OUT/NN-HASH.pt.
void write_torchscript(const ExportRequest& r) {
  require_folder(r, "torchscript", "one file per architecture");
  std::string why;
  const reference::TorchReferenceApi* torch = reference::load_torch_plugin(&why);
  ZEROLM_CHECK(torch != nullptr, "--format torchscript needs LibTorch: {}", why);
  create_folder(r.out);
  for (std::size_t i = 0; i < r.chosen.size(); ++i) {
    const auto path = numbered(r.out, i, r.chosen[i].architecture, ".pt");
    auto metadata = describe_export(r.space, r.config, r.chosen[i]);
    metadata["initialisation_seed"] = r.seed;
    torch->export_torchscript(r.space, r.chosen[i].architecture, path.string(), r.seed, metadata.dump());
  }
  fmt::print(stderr,
             "zerolm: {} TorchScript modules under {} (input: token ids [batch, sequence]; "
             "output: hidden states; the architecture in the extra file zerolm.json)\n",
             r.chosen.size(), r.out);
}

// A space's own format: one JSON list, or one folder per architecture holding
// the document as `file_name` (with the zerolm provenance beside its fields).
void write_space_format(const ArchitectureFormat& f, const ExportRequest& r) {
  if (f.file_name.empty()) {
    nlohmann::json records = nlohmann::json::array();
    for (std::size_t i = 0; i < r.chosen.size(); ++i) records.push_back(f.write(r.space, r.chosen[i].architecture, i));
    write_text(r.out, records.dump(2) + "\n");
    return;
  }
  require_folder(r, f.name, "one folder per architecture");
  std::vector<nlohmann::json> documents;
  for (std::size_t i = 0; i < r.chosen.size(); ++i) {
    documents.push_back(f.write(r.space, r.chosen[i].architecture, i));  // all or nothing is written
    if (f.provenance_file.empty()) documents.back()["zerolm"] = describe_export(r.space, r.config, r.chosen[i]);
  }
  for (std::size_t i = 0; i < r.chosen.size(); ++i) {
    const auto folder = numbered(r.out, i, r.chosen[i].architecture, "");
    create_folder(folder);
    write_text((folder / f.file_name).string(), f.yaml ? dump_yaml(documents[i]) + "\n" : documents[i].dump(2) + "\n");
    if (!f.provenance_file.empty()) {
      write_text((folder / f.provenance_file).string(), describe_export(r.space, r.config, r.chosen[i]).dump(2) + "\n");
    }
  }
  fmt::print(stderr, "zerolm: {} {} files under {}\n", r.chosen.size(), f.file_name, r.out);
}

// The spaces' own formats, one entry per name: the spaces that have it and,
// when they describe it differently, each space's words.
void add_space_formats(std::vector<ExportFormat>& formats) {
  for (const SpaceDescriptor& space : search_spaces()) {
    for (const ArchitectureFormat& f : space.formats) {
      auto same = std::find_if(formats.begin(), formats.end(), [&](const ExportFormat& e) { return e.name == f.name; });
      ZEROLM_ASSERT(same == formats.end() || !same->spaces.empty(), "space {}'s export format {} has a generic name",
                    space.name, f.name);
      if (same == formats.end()) {
        formats.push_back({f.name, f.description, {}, false, false, [name = f.name](const ExportRequest& r) {
                             const SpaceDescriptor& own = search_space_descriptor(r.space.name());
                             const auto at = std::find_if(own.formats.begin(), own.formats.end(),
                                                          [&](const ArchitectureFormat& g) { return g.name == name; });
                             ZEROLM_ASSERT(at != own.formats.end(), "space {} has no export format {}", own.name, name);
                             write_space_format(*at, r);
                           }});
        same = formats.end() - 1;
      } else if (same->description.find(f.description) == std::string::npos) {
        if (same->spaces.size() == 1) same->description = fmt::format("{}: {}", same->spaces[0], same->description);
        same->description += fmt::format("; {}: {}", space.name, f.description);
      }
      if (std::find(same->spaces.begin(), same->spaces.end(), space.name) == same->spaces.end())
        same->spaces.push_back(space.name);
    }
  }
}

}  // namespace

ExportTable export_table(const SearchSpace& space, const SearchRunConfig& config,
                         std::span<const EvaluatedArchitecture> chosen) {
  ExportTable table;
  table.columns = {"rank", "hash", "space", "protocol", "score", "parameters", "non_embedding_parameters"};
  for (const CostDescriptor& d : cost_registry()) {
    if (std::find(table.columns.begin(), table.columns.end(), d.name) == table.columns.end()) {
      table.columns.push_back(d.name);
    }
  }
  table.columns.insert(table.columns.end(), {"summary", "architecture"});
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const nlohmann::json described = describe_export(space, config, chosen[i]);
    std::vector<nlohmann::json> row;
    for (const std::string& column : table.columns) {
      if (column == "rank") {
        row.emplace_back(i + 1);
      } else if (column == "summary") {
        row.emplace_back(space.summary(chosen[i].architecture));
      } else {
        row.push_back(described.at(column));
      }
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

nlohmann::json describe_export(const SearchSpace& space, const SearchRunConfig& c, const EvaluatedArchitecture& e) {
  // Both counts from the network itself, whatever a store row holds.
  ModelSpec spec;
  space.lower(e.architecture, spec);
  const auto total = spec.total_parameters();
  nlohmann::json out{{"space", c.space},
                     {"protocol", c.protocol},
                     {"score", e.score},
                     {"parameters", total},
                     {"non_embedding_parameters", total - spec.parameters_with_role(Role::embedding)}};
  // Every other cost of the registry: the run's value, or null where the run
  // did not track it (no model: not a measured 0).
  const CostSet& costs = c.search.costs;
  for (const CostDescriptor& d : cost_registry()) {
    if (out.contains(d.name)) continue;
    const auto k = costs.find(d.name);
    out[d.name] = k ? nlohmann::json(e.costs[*k]) : nlohmann::json(nullptr);
  }
  out["hash"] = fmt::format("{:016x}", e.architecture.hash());
  out["architecture"] = space.to_json(e.architecture);
  return out;
}

bool ExportFormat::supports(std::string_view space) const {
  return spaces.empty() || std::find(spaces.begin(), spaces.end(), space) != spaces.end();
}

const Registry<ExportFormat>& export_format_registry() {
  static const Registry<ExportFormat> registry("export format", [] {
    std::vector<ExportFormat> all{
        {"json",
         "a JSON list of the architectures with their objectives (read back by zerolm)",
         {},
         false,
         false,
         [](const ExportRequest& r) { write_list(r, false); }},
        {"yaml", "the same list as YAML", {}, false, false, [](const ExportRequest& r) { write_list(r, true); }},
        {"csv",
         "one row per architecture with the json fields (pandas.read_csv reads it; a cost the run did not track is "
         "an empty cell, the architecture its JSON in one cell)",
         {},
         false,
         false,
         write_csv},
        {"torchscript",
         "one initialised TorchScript module per architecture (needs LibTorch)",
         {},
         true,
         false,
         write_torchscript},
        {"pytorch",
         "one folder per architecture: config.json, model.py (a self-contained PyTorch module, build()), with "
         "--weights model.safetensors (the drawn initial weights)",
         {},
         false,
         true,
         write_pytorch},
    };
    add_space_formats(all);
    return all;
  }());
  return registry;
}

const ExportFormat& export_format(const std::string& name, const SearchSpace& space) {
  std::string known;
  for (const ExportFormat& f : export_format_registry()) {
    if (f.supports(space.name())) known += (known.empty() ? "" : "|") + f.name;
  }
  const ExportFormat* format = export_format_registry().find(name);
  ZEROLM_CHECK(format != nullptr, "--format: value '{}' is not one of {}", name, known);
  ZEROLM_CHECK(format->supports(space.name()), "--format {} exports {} architectures, not {} (formats for {}: {})",
               name, fmt::join(format->spaces, "|"), space.name(), space.name(), known);
  return *format;
}

std::string export_formats_help() {
  std::string generic, own;
  for (const ExportFormat& f : export_format_registry()) {
    if (f.spaces.empty()) {
      generic += (generic.empty() ? "" : "|") + f.name;
    } else {
      // A format several spaces have names each space in its description.
      own += f.spaces.size() > 1 ? fmt::format("; {} ({})", f.name, f.description)
                                 : fmt::format("; {} ({}: {})", f.name, f.spaces[0], f.description);
    }
  }
  return fmt::format("{} (every space){}", generic, own);
}

}  // namespace zerolm
