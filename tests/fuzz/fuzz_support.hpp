// Shared by the libFuzzer targets: the input as a file (the readers under test
// take paths, as users give them), and the rule that a reader may refuse input
// only with zerolm::Error; any other exception, a crash, a leak or a sanitizer
// report is a finding.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "engine/core/error.hpp"

namespace zerolm::fuzz {

// The input written to a file of this process with `suffix` ("config.yaml").
inline std::string as_file(const std::uint8_t* data, std::size_t size, const std::string& suffix) {
  static const std::string directory = [] {
    char pattern[] = "/tmp/zerolm-fuzz-XXXXXX";
    const char* made = mkdtemp(pattern);
    return std::string(made != nullptr ? made : "/tmp");
  }();
  const std::string path = directory + "/" + suffix;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) __builtin_trap();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) __builtin_trap();
  std::fclose(f);
  return path;
}

// Runs `body`; a zerolm::Error is a fine answer to bad input.
template <typename Body>
int accept_errors(Body body) {
  try {
    body();
  } catch (const zerolm::Error&) {
  }
  return 0;
}

}  // namespace zerolm::fuzz
