#include "tests/test_support.hpp"

#include <filesystem>

#include "engine/benchmarks/benchmark_file.hpp"
#include "search_spaces/search_space.hpp"

namespace zerolm::testing {

std::optional<std::string> benchmark_file(const std::string& relative) {
  std::filesystem::path dir = benchmarks_directory();
  // Tests run from the build folder: resolve the default relative to the source tree too.
  if (!std::filesystem::exists(dir)) dir = std::filesystem::path(ZEROLM_SOURCE_DIR) / dir;
  const auto path = dir / relative;
  if (!std::filesystem::exists(path)) return std::nullopt;
  return path.string();
}

std::vector<std::pair<std::string, std::string>> space_protocols() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& space : search_spaces()) {
    for (const auto& protocol : space.protocols) out.emplace_back(space.name, protocol.name);
  }
  return out;
}

}  // namespace zerolm::testing
