#include "engine/export/export_formats.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/export/pytorch_export.hpp"
#include "engine/reference/torch_plugin.hpp"

namespace zerolm {

namespace {

void write_text(const std::string& path, const std::string& text) {
  if (path == "-" || path.empty()) {
    fmt::print("{}", text);
    return;
  }
  std::ofstream file(path);
  ZEROLM_CHECK(file.good(), "{}: cannot write the export", path);
  file << text;
  ZEROLM_CHECK(file.good(), "{}: writing the export failed", path);
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
ExportFormat space_format(const SpaceDescriptor& space, const ArchitectureFormat& f) {
  return {f.name, f.description, space.name, [f](const ExportRequest& r) {
            if (f.file_name.empty()) {
              nlohmann::json records = nlohmann::json::array();
              for (std::size_t i = 0; i < r.chosen.size(); ++i) {
                records.push_back(f.write(r.space, r.chosen[i].architecture, i));
              }
              write_text(r.out, records.dump(2) + "\n");
              return;
            }
            require_folder(r, f.name, "one folder per architecture");
            std::vector<nlohmann::json> documents;
            for (std::size_t i = 0; i < r.chosen.size(); ++i) {
              documents.push_back(f.write(r.space, r.chosen[i].architecture, i));  // all or nothing is written
              if (f.provenance_file.empty())
                documents.back()["zerolm"] = describe_export(r.space, r.config, r.chosen[i]);
            }
            for (std::size_t i = 0; i < r.chosen.size(); ++i) {
              const auto folder = numbered(r.out, i, r.chosen[i].architecture, "");
              create_folder(folder);
              write_text((folder / f.file_name).string(),
                         f.yaml ? dump_yaml(documents[i]) + "\n" : documents[i].dump(2) + "\n");
              if (!f.provenance_file.empty()) {
                write_text((folder / f.provenance_file).string(),
                           describe_export(r.space, r.config, r.chosen[i]).dump(2) + "\n");
              }
            }
            fmt::print(stderr, "zerolm: {} {} files under {}\n", r.chosen.size(), f.file_name, r.out);
          }};
}

}  // namespace

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

std::vector<ExportFormat> export_formats() {
  std::vector<ExportFormat> all{
      {"json", "a JSON list of the architectures with their objectives (read back by zerolm)", "",
       [](const ExportRequest& r) { write_list(r, false); }},
      {"yaml", "the same list as YAML", "", [](const ExportRequest& r) { write_list(r, true); }},
      {"torchscript", "one initialised TorchScript module per architecture (needs LibTorch)", "", write_torchscript},
      {"pytorch",
       "one folder per architecture: config.json, model.py (a self-contained PyTorch module, build()), with "
       "--weights model.safetensors (the drawn initial weights)",
       "", write_pytorch},
  };
  for (const auto& space : search_spaces()) {
    for (const auto& f : space.formats) all.push_back(space_format(space, f));
  }
  return all;
}

ExportFormat export_format(const std::string& name, const SearchSpace& space) {
  std::string known;
  for (auto& f : export_formats()) {
    if (!f.space.empty() && f.space != space.name()) continue;
    if (f.name == name) return f;
    known += (known.empty() ? "" : "|") + f.name;
  }
  for (const auto& f : export_formats()) {
    ZEROLM_CHECK(f.name != name, "--format {} exports {} architectures, not {} (formats for {}: {})", name, f.space,
                 space.name(), space.name(), known);
  }
  ZEROLM_FAIL("--format: value '{}' is not one of {}", name, known);
}

std::string export_formats_help() {
  std::string generic, own;
  for (const auto& f : export_formats()) {
    if (f.space.empty()) {
      generic += (generic.empty() ? "" : "|") + f.name;
    } else {
      own += fmt::format("; {} ({}: {})", f.name, f.space, f.description);
    }
  }
  return fmt::format("{} (every space){}", generic, own);
}

}  // namespace zerolm
