// The checked conversion of text from outside zerolm (folder names, run-store
// fields, labels in files, option values) into numbers: the whole text must be the number,
// digits only (a leading '-' for a negative), with no space, sign or suffix
// around it, and within [minimum, maximum]. std::nullopt otherwise, so the caller
// names where the text came from. The only place that turns text into integers:
// tests/checked_conversions.sh refuses std::sto*, atoi and strtol elsewhere.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace zerolm {

std::optional<std::int64_t> parse_integer(std::string_view text, std::int64_t minimum, std::int64_t maximum);
// A finite real number spelled in full ("0.5", "-3", "1e-3"; no leading '+' or
// space, no "nan" or "inf").
std::optional<double> parse_real(std::string_view text);
// Exactly 16 hex digits (an architecture hash or a layer signature).
std::optional<std::uint64_t> parse_hex64(std::string_view text);

}  // namespace zerolm
