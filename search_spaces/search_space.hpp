// A search space: its dimensions, uniform seeded sampling, its size where finite,
// (de)serialisation with validation, and lowering to a model spec.
#pragma once

#include "engine/core/registry.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/architecture.hpp"
#include "engine/core/model_spec.hpp"
#include "engine/core/random.hpp"

namespace zerolm {

struct Dimension {
  std::string name;                 // e.g. "layers[].token_mixer"
  std::vector<std::string> values;  // the choices, as text
  std::string description;
};

// Options every space accepts from the CLI or a config.
struct SpaceOptions {
  std::string protocol;  // empty: the space's default
  // Choice overrides: narrow or widen dimensions, e.g. {"hidden_size": [256],
  // "layers": [2, 4, 6]}; each space documents its keys (docs/SEARCH_SPACES.md).
  nlohmann::json choices = nlohmann::json::object();
};

// A family of architectures that share their global genes (widths, layer count)
// and choose each of `layers` layers independently from the same options: an
// architecture's genes are `prefix` followed by one option's genes per layer.
// What exact search (engine/search/exact_search.hpp) decomposes a space into.
struct LayeredFamily {
  std::vector<std::int64_t> prefix;
  std::int32_t layers = 0;
  std::vector<std::vector<std::int64_t>> options;
};

class SearchSpace {
 public:
  virtual ~SearchSpace() = default;

  virtual std::string_view name() const = 0;
  virtual std::string_view protocol() const = 0;
  virtual std::vector<Dimension> dimensions() const = 0;

  // Uniform over the space's points (each dimension uniform, as NAS papers sample).
  virtual Architecture sample(CounterRng& rng) const = 0;
  // Number of architectures when finite.
  virtual std::optional<std::uint64_t> size() const = 0;
  // Calls `visit` on every architecture of a finite space; throws otherwise.
  virtual void enumerate(const std::function<void(const Architecture&)>& visit) const;

  // A valid neighbour that differs from `parent` (one dimension re-sampled, or a
  // layer added or dropped where the space allows). Never invalid.
  virtual Architecture mutate(const Architecture& parent, CounterRng& rng) const = 0;

  // Canonical JSON; from_json validates and names the offending field and value.
  virtual nlohmann::json to_json(const Architecture& architecture) const = 0;
  virtual Architecture from_json(const nlohmann::json& value) const = 0;
  // A benchmark record of a format this space reads (the fields beside the
  // architecture, such as scores, are ignored).
  virtual Architecture from_record(const nlohmann::json& record) const = 0;

  // Writes every parameter tensor into `out` (cleared first). Allocation-free when
  // `out` already has capacity: this runs once per architecture in the hot loop.
  virtual void lower(const Architecture& architecture, ModelSpec& out) const = 0;

  // The space as a union of layered families, when it is one (finite, layers
  // independent); empty otherwise. Validated: every assembled architecture is valid.
  virtual std::vector<LayeredFamily> layered_families() const { return {}; }
  Architecture assemble(const LayeredFamily& family, std::span<const std::size_t> option_per_layer) const;
  // Every architecture of `families`, each layer taking each of its options (an
  // odometer over the layers): enumerate() of a space whose families cover it.
  void enumerate_families(const std::vector<LayeredFamily>& families,
                          const std::function<void(const Architecture&)>& visit) const;

  // One short line for people (tables, progress); JSON stays the exact form.
  virtual std::string summary(const Architecture& architecture) const;

  std::string to_yaml(const Architecture& architecture) const;
  Architecture from_yaml(const std::string& text) const;

 protected:
  void check_space(const Architecture& architecture) const;
};

// A protocol names the exact network a model spec describes (docs/SEARCH_SPACES.md).
struct ProtocolInfo {
  std::string name;
  std::string description;
};

// A space's own export format: one document per architecture (e.g. a Hugging
// Face config.json), written by engine/export/.
struct ArchitectureFormat {
  std::string name;         // --format NAME
  std::string description;  // one line for --help
  // Where each document goes: a file of this name in one folder per
  // architecture ("config.json"), or, when empty, all documents as one JSON list.
  std::string file_name;
  // The document, or an Error (one line) when the architecture cannot be
  // written in this format.
  // `index`: the architecture's place in the export.
  std::function<nlohmann::json(const SearchSpace& space, const Architecture& architecture, std::size_t index)> write;
  // Written as YAML (archai's model_config.yaml) instead of JSON.
  bool yaml = false;
  // Where zerolm's provenance (space, protocol, score, counts) goes: empty, a
  // `zerolm` block inside the document; else this file beside it, for documents
  // whose readers take every key as a setting (HF configs, archai's).
  std::string provenance_file{};
};

// A kind of document a space reads as one architecture, such as a Hugging Face
// config.json: `zerolm params --from`, `zerolm score --from` and a search's
// `search.seed_architectures` accept every kind of every space.
struct DocumentKind {
  std::string name;         // "hf-llama"
  std::string description;  // one line for help and errors
  std::string protocol;     // the network the document describes, under this space
  // Whether `document` is of this kind (its model_type, say): cheap, never throws.
  std::function<bool(const nlohmann::json& document)> recognises;
  // The architecture, in `space` made with `protocol`; an Error naming the field
  // and value when the document is of this kind but no architecture of the space.
  std::function<Architecture(const SearchSpace& space, const nlohmann::json& document)> read;
};

// One entry of the search-space registry (search_spaces/spaces.def): all that
// help texts, config validation, readers, exporters and tests learn of a space.
// Each space also has a LibTorch network (`NAME_torch_network`, built into the
// plugin; engine/reference/torch_networks.hpp).
struct SpaceDescriptor {
  std::string name;
  std::string description;
  std::vector<ProtocolInfo> protocols;  // the first is the default
  // Keys of the config's `choices` mapping, with what each narrows.
  std::vector<std::pair<std::string, std::string>> choice_keys;
  std::function<std::unique_ptr<SearchSpace>(const SpaceOptions&)> make;
  std::vector<ArchitectureFormat> formats;
  std::vector<DocumentKind> documents;  // what it reads as architectures
  // The protocol `zerolm bench` times (the network a benchmark's authors
  // trained); empty: the space is not in the benches.
  std::string bench_protocol;
  // The `pytorch` export's module family (engine/export/pytorch_export.hpp):
  // Python source defining `class Network(nn.Module)`, built as
  // Network(ARCHITECTURE, PROTOCOL) from the architecture's canonical JSON, with
  // the model spec's parameter names and shapes. Empty: no pytorch export.
  std::string pytorch_module{};

  // The protocol `text` names (empty: the default); an Error listing the
  // protocols otherwise.
  const ProtocolInfo& protocol(std::string_view text) const;
};

// The registry, in spaces.def order; entries are immutable.
const Registry<SpaceDescriptor>& search_spaces();
// An Error naming the known spaces when `name` is not one.
const SpaceDescriptor& search_space_descriptor(std::string_view name);
std::unique_ptr<SearchSpace> make_search_space(const std::string& name, const SpaceOptions& options = {});
std::vector<std::string> search_space_names();
// "flexibert paper|pytorch|trained; gpt2 lts|hwgpt|gpt2": for help texts.
std::string protocols_help();

// A document some space reads (DocumentKind): the space under the document's
// protocol, the kind, and the architecture.
struct ArchitectureDocument {
  std::unique_ptr<SearchSpace> space;
  const DocumentKind* kind = nullptr;
  Architecture architecture;
};
// The first kind (registry order) that recognises `document`; an Error naming
// the known kinds when none does. Errors do not name the file: callers add it.
ArchitectureDocument read_architecture_document(const nlohmann::json& document);
// "hf-llama, hf-nemotron-nas (llama); hf-gpt2 (gpt2)": for help texts.
std::string document_kinds_help();

}  // namespace zerolm
