#include "search_spaces/json_fields.hpp"

#include <algorithm>
#include <cmath>

#include "engine/core/error.hpp"

namespace zerolm::json_fields {

std::int64_t integer(const nlohmann::json& object, const char* key, const std::string& where) {
  ZEROLM_CHECK(object.is_object() && object.contains(key), "field '{}{}' is missing", where, key);
  const auto& v = object[key];
  return integer_value(v, fmt::format("{}{}", where, key));
}

std::int64_t integer_value(const nlohmann::json& v, const std::string& field) {
  // Integral and within +-2^53 (where a double is exact): larger values are no
  // size of anything, and converting them would wrap (found by fuzzing).
  constexpr double kLimit = 9007199254740992.0;
  const bool integral =
      v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
  ZEROLM_CHECK(integral, "field '{}': value {} is not an integer", field, v.dump());
  const double as_double = v.is_number_unsigned() ? static_cast<double>(v.get<std::uint64_t>()) : v.get<double>();
  ZEROLM_CHECK(std::abs(as_double) <= kLimit, "field '{}': value {} is not in -2^53..2^53", field, v.dump());
  return v.is_number_float() ? static_cast<std::int64_t>(as_double) : v.get<std::int64_t>();
}

int dimension(const nlohmann::json& object, const char* key, const std::string& where) {
  const std::int64_t v = integer(object, key, where);
  ZEROLM_CHECK(v >= 0 && v <= kMaxDimension, "field '{}{}': value {} is not a size in 0..{}", where, key, v,
               kMaxDimension);
  return static_cast<int>(v);
}

int narrow(std::int64_t value, const std::string& field) {
  ZEROLM_CHECK(value >= -kMaxDimension && value <= kMaxDimension, "field '{}': value {} is not in -{}..{}", field,
               value, kMaxDimension, kMaxDimension);
  return static_cast<int>(value);
}

int small_integer(const nlohmann::json& object, const char* key, const std::string& where) {
  return narrow(integer(object, key, where), where + key);
}

std::vector<std::int64_t> integer_list(

    const nlohmann::json& object, const char* key, const std::string& where) {
  ZEROLM_CHECK(object.is_object() && object.contains(key) && object[key].is_array(),
               "field '{}{}' is missing or not a list", where, key);
  std::vector<std::int64_t> values;
  const auto& list = object[key];
  for (std::size_t i = 0; i < list.size(); ++i) {
    ZEROLM_CHECK(list[i].is_number_integer(), "field '{}{}[{}]': value {} is not an integer", where, key, i,
                 list[i].dump());
    values.push_back(integer_value(list[i], fmt::format("{}{}[{}]", where, key, i)));
  }
  return values;
}

bool boolean(const nlohmann::json& object, const char* key, bool fallback) {
  if (!object.contains(key)) return fallback;
  ZEROLM_CHECK(object[key].is_boolean(), "field '{}': value {} is not true|false", key, object[key].dump());
  return object[key].get<bool>();
}

std::string join(const std::vector<int>& values) {
  std::string text;
  for (int v : values) text += (text.empty() ? "" : "|") + std::to_string(v);
  return text;
}

std::vector<int> positive_list(const nlohmann::json& choices, const char* key) {
  const auto values = integer_list(choices, key, "choices.");
  ZEROLM_CHECK(!values.empty(), "field 'choices.{}': the list is empty", key);
  std::vector<int> out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    ZEROLM_CHECK(values[i] >= 1 && values[i] <= (1 << 24), "field 'choices.{}[{}]': value {} is not a positive size",
                 key, i, values[i]);
    out.push_back(static_cast<int>(values[i]));
  }
  return out;
}

}  // namespace zerolm::json_fields
