// The checked conversion of text from outside zerolm (folder names, run-store
// fields, labels in files) into integers: the whole text must be the number,
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
// Exactly 16 hex digits (an architecture hash or a layer signature).
std::optional<std::uint64_t> parse_hex64(std::string_view text);

}  // namespace zerolm
