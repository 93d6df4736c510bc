// Reading YAML config fields with errors that name file, line and column.
// Shared by search configs and sweep files.
#pragma once

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"

namespace zerolm::yaml_fields {

// Where a node is, for error messages: "file:line:column".
inline std::string where(const std::string& file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return file;
  return fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

inline void check_keys(const std::string& file, const YAML::Node& map, const std::string& section,
                       const std::vector<std::string>& allowed) {
  ZEROLM_CHECK(map.IsMap(), "{}: '{}' must be a mapping", where(file, map), section);
  for (const auto& item : map) {
    const std::string key = item.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string known;
    for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
    ZEROLM_FAIL("{}: unknown key '{}{}' (known: {})", where(file, item.first), section.empty() ? "" : section + ".",
                key, known);
  }
}

template <typename T>
T scalar(const std::string& file, const YAML::Node& node, const std::string& key) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    ZEROLM_FAIL("{}: '{}': value '{}' is not {}", where(file, node), key,
                node.IsScalar() ? node.Scalar() : "(not a scalar)",
                std::is_same_v<T, std::string> ? "text"
                : std::is_same_v<T, bool>      ? "true|false"
                : std::is_integral_v<T>        ? "a whole number"
                                               : "a number");
  }
}

inline std::size_t count(const std::string& file, const YAML::Node& node, const std::string& key, std::size_t minimum) {
  const auto v = scalar<long long>(file, node, key);
  ZEROLM_CHECK(v >= static_cast<long long>(minimum), "{}: '{}': value {} must be at least {}", where(file, node), key,
               v, minimum);
  return static_cast<std::size_t>(v);
}

// A YAML file; malformed YAML is an error at its file:line:column.
inline YAML::Node load_file(const std::string& path) {
  const std::string text = read_text_file(path);
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    ZEROLM_FAIL("{}:{}:{}: malformed YAML: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg);
  }
}

}  // namespace zerolm::yaml_fields
