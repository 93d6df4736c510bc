#include "engine/config/architecture_files.hpp"

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"

namespace zerolm {

namespace {

// The strict readers: one document, a key once, bounded (docs/RELIABILITY.md).
nlohmann::json parse_file(const std::string& path) {
  const std::string text = read_text_file(path);
  return path.ends_with(".yaml") || path.ends_with(".yml") ? parse_yaml(text, path) : parse_json(text, path);
}

// A zerolm export: a list of objects with an `architecture` field (and the
// space's name), or bare architectures.
std::vector<Architecture> read_list(const SearchSpace& space, const std::string& path, const nlohmann::json& list) {
  std::vector<Architecture> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& item = list[i];
    try {
      if (item.is_object() && item.contains("space")) {
        ZEROLM_CHECK(item["space"] == space.name(), "field 'space': value {} is not {}", item["space"].dump(),
                     space.name());
      }
      out.push_back(space.from_json(item.is_object() && item.contains("architecture") ? item["architecture"] : item));
    } catch (const Error& e) {
      throw e.with_context(fmt::format("{}: entry {}", path, i));
    }
  }
  ZEROLM_CHECK(!out.empty(), "{}: no architectures", path);
  return out;
}

}  // namespace

ArchitectureFile read_architecture_file(const std::string& path, const SearchSpace* space, bool must_match) {
  const nlohmann::json value = parse_file(path);
  ArchitectureFile out;
  if (value.is_array()) {
    out.kind = "zerolm export";
    if (space == nullptr) {
      const auto& first = value.empty() ? nlohmann::json() : value[0];
      ZEROLM_CHECK(first.is_object() && first.contains("space") && first["space"].is_string(),
                   "{}: entry 0 names no space (field 'space'); pass --space", path);
      SpaceOptions options;
      if (first.contains("protocol") && first["protocol"].is_string()) options.protocol = first["protocol"];
      try {
        out.space = make_search_space(first["space"].get<std::string>(), options);
      } catch (const Error& e) {
        throw e.with_context(path + ": entry 0");
      }
      space = out.space.get();
    }
    out.architectures = read_list(*space, path, value);
    return out;
  }
  ArchitectureDocument document;
  try {
    ZEROLM_CHECK(value.is_object(), "expected a list of architectures or a config document, got {}", value.type_name());
    document = read_architecture_document(value);
  } catch (const Error& e) {
    throw e.with_context(path);
  }
  if (space != nullptr && must_match) {
    ZEROLM_CHECK(document.space->name() == space->name() && document.space->protocol() == space->protocol(),
                 "{}: a {} document describes a {} architecture under protocol {}, not {} under {}", path,
                 document.kind->name, document.space->name(), document.space->protocol(), space->name(),
                 space->protocol());
    // The architecture as `space` holds it (its choices bound a search, not validity).
    out.architectures.push_back(space->from_json(document.space->to_json(document.architecture)));
    out.kind = document.kind->name;
    return out;
  }
  out.architectures.push_back(document.architecture);
  out.kind = document.kind->name;
  out.space = std::move(document.space);
  return out;
}

}  // namespace zerolm
