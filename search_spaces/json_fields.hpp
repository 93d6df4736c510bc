// Reading typed fields of architecture JSON with errors that name the field and
// value; shared by the search spaces.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace zerolm::json_fields {

// object[key] as an integer (a float with an integral value is accepted);
// `where` prefixes the field name in errors, e.g. "config.".
std::int64_t integer(const nlohmann::json& object, const char* key, const std::string& where);
// One JSON value as an integer in -2^53..2^53; `field` names it in errors.
std::int64_t integer_value(const nlohmann::json& value, const std::string& field);
// object[key] as a size of a network: an integer in 0..kMaxDimension, checked
// before it is narrowed to int (a 2^32 + 128 must not become 128).
inline constexpr std::int64_t kMaxDimension = std::int64_t{1} << 24;
int dimension(const nlohmann::json& object, const char* key, const std::string& where);
// An integer of at most kMaxDimension in magnitude (sizes, and archai's -1 for
// "the default"), checked before it is narrowed to int; `field` names it.
int narrow(std::int64_t value, const std::string& field);
int small_integer(const nlohmann::json& object, const char* key, const std::string& where);

std::vector<std::int64_t> integer_list(const nlohmann::json& object, const char* key, const std::string& where);
bool boolean(const nlohmann::json& object, const char* key, bool fallback);

// "128|256"
std::string join(const std::vector<int>& values);

// A non-empty list of positive integers at choices[key] (field named in errors).
std::vector<int> positive_list(const nlohmann::json& choices, const char* key);

}  // namespace zerolm::json_fields
