#include "search_spaces/search_space.hpp"

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"

namespace zerolm {

void SearchSpace::enumerate(const std::function<void(const Architecture&)>&) const {
  ZEROLM_FAIL("search space '{}' is not finite and cannot be enumerated", name());
}

std::string SearchSpace::summary(const Architecture& architecture) const { return to_json(architecture).dump(); }

Architecture SearchSpace::assemble(const LayeredFamily& family, std::span<const std::size_t> option_per_layer) const {
  ZEROLM_CHECK(option_per_layer.size() == static_cast<std::size_t>(family.layers),
               "assemble: {} layer options for {} layers", option_per_layer.size(), family.layers);
  std::vector<std::int64_t> genes = family.prefix;
  for (std::size_t option : option_per_layer) {
    ZEROLM_CHECK(option < family.options.size(), "assemble: option {} of {}", option, family.options.size());
    genes.insert(genes.end(), family.options[option].begin(), family.options[option].end());
  }
  return Architecture(name(), std::move(genes));
}

void SearchSpace::enumerate_families(const std::vector<LayeredFamily>& families,
                                     const std::function<void(const Architecture&)>& visit) const {
  for (const LayeredFamily& family : families) {
    std::vector<std::size_t> digits(static_cast<std::size_t>(family.layers), 0);
    for (;;) {
      visit(assemble(family, digits));
      std::size_t l = 0;
      while (l < digits.size() && ++digits[l] == family.options.size()) digits[l++] = 0;
      if (l == digits.size()) break;
    }
  }
}

std::string SearchSpace::to_yaml(const Architecture& architecture) const { return dump_yaml(to_json(architecture)); }

Architecture SearchSpace::from_yaml(const std::string& text) const {
  return from_json(parse_yaml(text, "architecture"));
}

void SearchSpace::check_space(const Architecture& architecture) const {
  ZEROLM_CHECK(architecture.space() == name(), "architecture of space '{}' given to space '{}'", architecture.space(),
               name());
}

// The registry: every space's descriptor, declared and listed from spaces.def.
#define ZEROLM_SEARCH_SPACE(name) SpaceDescriptor name##_space_descriptor();
#include "search_spaces/spaces.def"
#undef ZEROLM_SEARCH_SPACE

const Registry<SpaceDescriptor>& search_spaces() {
  static const Registry<SpaceDescriptor> all("search space", {
#define ZEROLM_SEARCH_SPACE(name) name##_space_descriptor(),
#include "search_spaces/spaces.def"
#undef ZEROLM_SEARCH_SPACE
                                                             });
  return all;
}

const ProtocolInfo& SpaceDescriptor::protocol(std::string_view text) const {
  ZEROLM_ASSERT(!protocols.empty(), "space {} has no protocol", name);
  if (text.empty()) return protocols.front();
  std::string known;
  for (const auto& p : protocols) {
    if (p.name == text) return p;
    known += (known.empty() ? "" : "|") + p.name;
  }
  ZEROLM_FAIL("unknown protocol '{}' for space {} (expected {})", text, name, known);
}

const SpaceDescriptor& search_space_descriptor(std::string_view name) {
  if (const SpaceDescriptor* d = search_spaces().find(name)) return *d;
  ZEROLM_FAIL("unknown search space '{}' (known: {})", name, search_spaces().names_text());
}

std::vector<std::string> search_space_names() { return search_spaces().names(); }

std::string protocols_help() {
  std::string text;
  for (const auto& d : search_spaces()) {
    std::string names;
    for (const auto& p : d.protocols) names += (names.empty() ? "" : "|") + p.name;
    text += (text.empty() ? "" : "; ") + d.name + " " + names;
  }
  return text;
}

std::unique_ptr<SearchSpace> make_search_space(const std::string& name, const SpaceOptions& options) {
  const SpaceDescriptor& descriptor = search_space_descriptor(name);
  SpaceOptions checked = options;
  checked.protocol = descriptor.protocol(options.protocol).name;
  ZEROLM_CHECK(options.choices.is_object(), "field 'choices': expected a mapping of dimension: [values], got {}",
               options.choices.dump());
  for (const auto& [key, value] : options.choices.items()) {
    std::string known;
    bool found = false;
    for (const auto& [choice, what] : descriptor.choice_keys) {
      found = found || choice == key;
      known += (known.empty() ? "" : ", ") + choice;
    }
    ZEROLM_CHECK(found, "field 'choices.{}' is not a choice of this space (known: {})", key, known);
  }
  return descriptor.make(checked);
}

ArchitectureDocument read_architecture_document(const nlohmann::json& document) {
  for (const auto& d : search_spaces()) {
    for (const DocumentKind& kind : d.documents) {
      if (!kind.recognises(document)) continue;
      SpaceOptions options;
      options.protocol = kind.protocol;
      ArchitectureDocument out{make_search_space(d.name, options), &kind, {}};
      out.architecture = kind.read(*out.space, document);
      return out;
    }
  }
  const std::string type =
      document.is_object() && document.contains("model_type") ? document["model_type"].dump() : std::string("(none)");
  ZEROLM_FAIL("not an architecture document zerolm reads (model_type {}; known: {})", type, document_kinds_help());
}

std::string document_kinds_help() {
  std::string text;
  for (const auto& d : search_spaces()) {
    std::string kinds;
    for (const auto& k : d.documents) kinds += (kinds.empty() ? "" : ", ") + k.name;
    if (!kinds.empty()) text += (text.empty() ? "" : "; ") + kinds + " (" + d.name + ")";
  }
  return text;
}

}  // namespace zerolm
