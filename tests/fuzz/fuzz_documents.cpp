// The document readers every file goes through: YAML (one document, bounded
// aliases and nesting, unique keys) and JSON.
#include "engine/core/json_yaml.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  zerolm::fuzz::accept_errors([&] { (void)zerolm::dump_yaml(zerolm::parse_yaml(text, "input")); });
  zerolm::fuzz::accept_errors([&] { (void)zerolm::parse_json(text, "input").dump(); });
  return 0;
}
