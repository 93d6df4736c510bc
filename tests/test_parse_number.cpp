// The checked conversion layer: whole text, digits only, in range.
#include <catch2/catch.hpp>

#include "engine/core/parse_number.hpp"

using namespace zerolm;

TEST_CASE("parse_integer takes the whole text as a number in range and nothing else", "[parse_number]") {
  CHECK(parse_integer("5", 0, 10) == 5);
  CHECK(parse_integer("-3", -5, 5) == -3);
  CHECK(parse_integer("0", 0, 0) == 0);
  CHECK(parse_integer("9223372036854775807", 0, INT64_MAX) == INT64_MAX);
  for (const char* bad : {"", " 5", "5 ", "+5", "5abc", "abc", "0x10", "1e3", "1.5", "--1", "-"}) {
    INFO(bad);
    CHECK_FALSE(parse_integer(bad, -100, 100).has_value());
  }
  CHECK_FALSE(parse_integer("99999999999999999999", 0, INT64_MAX).has_value());  // overflow
  CHECK_FALSE(parse_integer("2147483648", 0, 2147483647).has_value());
  CHECK_FALSE(parse_integer("11", 0, 10).has_value());
  CHECK_FALSE(parse_integer("-1", 0, 10).has_value());
}

TEST_CASE("parse_hex64 takes exactly 16 hex digits", "[parse_number]") {
  CHECK(parse_hex64("00000000000000ff") == 255u);
  CHECK(parse_hex64("ffffffffffffffff") == UINT64_MAX);
  for (const char* bad : {"", "ff", "0000000000000000f", " 00000000000000f", "000000000000000g", "-00000000000000f"}) {
    INFO(bad);
    CHECK_FALSE(parse_hex64(bad).has_value());
  }
}
