// Conversions between nlohmann::json and YAML, so every serialisable object has
// one JSON form and YAML follows from it.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "engine/core/error.hpp"

namespace zerolm {

nlohmann::json yaml_to_json(const YAML::Node& node);
YAML::Node json_to_yaml(const nlohmann::json& value);
std::string dump_yaml(const nlohmann::json& value);

// Bounds on what a document may hold before it is built, so no input can make
// a reader expand without limit (docs/RELIABILITY.md).
inline constexpr std::size_t kMaxDocumentBytes = std::size_t{1} << 30;  // 1 GiB
inline constexpr std::size_t kMaxYamlNodes = 5'000'000;                 // after alias expansion
inline constexpr std::size_t kMaxNesting = 128;

// One YAML document, checked before and after it is built: UTF-8 text, exactly
// one document, at most kMaxYamlNodes nodes once aliases are expanded, at most
// kMaxNesting levels, no key twice in a mapping. Errors are one line starting
// with `source` (and line:column where there is one).
YAML::Node load_yaml(const std::string& text, const std::string& source);
nlohmann::json parse_yaml(const std::string& text, const std::string& source);

// One JSON document: UTF-8, at most kMaxNesting levels, no key twice in an object.
nlohmann::json parse_json(const std::string& text, const std::string& source);

// Reads a whole regular file (not a folder, at most kMaxDocumentBytes); errors
// name the path.
std::string read_text_file(const std::string& path);
nlohmann::json read_json_file(const std::string& path);  // parse_json of the file

// An Error naming `source` and the byte when `text` is not UTF-8 (or holds a NUL).
void check_utf8(std::string_view text, const std::string& source);

// A whole number stored as a JSON integer and representable as T; an Error
// naming `field` otherwise (nlohmann's own get<> converts 2e118 to an integer
// with undefined behaviour).
template <typename T>
T json_whole(const nlohmann::json& value, const char* field) {
  static_assert(std::is_integral_v<T>);
  if (value.is_number_unsigned()) {
    const auto v = value.get<std::uint64_t>();
    ZEROLM_CHECK(v <= static_cast<std::uint64_t>(std::numeric_limits<T>::max()), "'{}': {} is out of range", field, v);
    return static_cast<T>(v);
  }
  ZEROLM_CHECK(value.is_number_integer(), "'{}': value {} is not a whole number", field, value.dump());
  const auto v = value.get<std::int64_t>();
  ZEROLM_CHECK(
      std::cmp_greater_equal(v, std::numeric_limits<T>::min()) && std::cmp_less_equal(v, std::numeric_limits<T>::max()),
      "'{}': {} is out of range", field, v);
  return static_cast<T>(v);
}

}  // namespace zerolm
