// Reading YAML config fields with errors that name file, line and column.
// Shared by search configs and sweep files.
#pragma once

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"

namespace zerolm::yaml_fields {

// Nodes that came from the command line (`--set key=value`), with that
// argument: an error in one names the argument, not a position in the file.
class OverrideNodes {
 public:
  void add(const YAML::Node& value, const std::string& argument) {
    nodes_.emplace_back(value, argument);
    if (value.IsMap() || value.IsSequence()) {
      for (const auto& item : value) add(value.IsMap() ? item.second : item, argument);
    }
  }
  const std::string* argument_of(const YAML::Node& node) const {
    for (const auto& [n, argument] : nodes_) {
      if (n.is(node)) return &argument;
    }
    return nullptr;
  }
  // The overrides in effect while a config is parsed (one parse at a time per thread).
  static const OverrideNodes*& current() {
    thread_local const OverrideNodes* nodes = nullptr;
    return nodes;
  }

 private:
  std::vector<std::pair<YAML::Node, std::string>> nodes_;
};

// Where a node is, for error messages: "file:line:column", or "--set key=value".
inline std::string where(const std::string& file, const YAML::Node& node) {
  if (const OverrideNodes* overrides = OverrideNodes::current()) {
    if (const std::string* argument = overrides->argument_of(node)) return "--set " + *argument;
  }
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

// A finite number in [minimum, maximum] (NaN and infinities are refused).
inline double number(const std::string& file, const YAML::Node& node, const std::string& key, double minimum,
                     double maximum) {
  const double v = scalar<double>(file, node, key);
  ZEROLM_CHECK(std::isfinite(v) && v >= minimum && v <= maximum,
               "{}: '{}': value '{}' is not a number from {:g} to {:g}", where(file, node), key, node.Scalar(), minimum,
               maximum);
  return v;
}

// A whole number in [minimum, maximum]; written as an integer or as an integral
// number such as 1e6. Errors say the range.
inline std::size_t count(const std::string& file, const YAML::Node& node, const std::string& key, std::size_t minimum,
                         std::size_t maximum = std::size_t{1} << 50) {
  double v = 0.0;
  bool whole = false;
  try {
    v = node.as<double>();
    whole = std::isfinite(v) && v == std::floor(v);
  } catch (const YAML::Exception&) {
  }
  ZEROLM_CHECK(whole && v >= static_cast<double>(minimum) && v <= static_cast<double>(maximum),
               "{}: '{}': value '{}' is not a whole number from {} to {}", where(file, node), key,
               node.IsScalar() ? node.Scalar() : "(not a scalar)", minimum, maximum);
  return static_cast<std::size_t>(v);
}

// A YAML file of one mapping (load_yaml's checks); malformed YAML is an error at
// its file:line:column, an empty file or one that is not a mapping an error too.
// `text` read as the document `name` (a file's path, or "the config" for one
// given in memory).
inline YAML::Node load_mapping_text(const std::string& text, const std::string& path, const char* what) {
  const YAML::Node root = load_yaml(text, path);
  ZEROLM_CHECK(!root.IsNull(), "{}: the {} is empty", path, what);
  ZEROLM_CHECK(root.IsMap(), "{}: the {} must be a YAML mapping of keys, got a {}", where(path, root), what,
               root.IsSequence() ? "list" : "single value");
  return root;
}

inline YAML::Node load_mapping_file(const std::string& path, const char* what) {
  return load_mapping_text(read_text_file(path), path, what);
}

}  // namespace zerolm::yaml_fields
