#include "engine/core/resources.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>

#include "engine/core/error.hpp"

namespace zerolm {

std::uint64_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    if (line.rfind("MemAvailable:", 0) == 0) {
      std::istringstream fields(line.substr(13));
      std::uint64_t kib = 0;
      if (fields >> kib) return kib * 1024;
    }
  }
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::size_t u = 0;
  while (bytes >= 1024.0 && u + 1 < std::size(units)) {
    bytes /= 1024.0;
    ++u;
  }
  return fmt::format("{:.1f} {}", bytes, units[u]);
}

void check_fits_in_memory(double bytes, const std::string& what) {
  const auto available = static_cast<double>(available_memory_bytes());
  ZEROLM_CHECK(available == 0.0 || bytes <= 0.8 * available, "{} needs about {}, more than the {} available", what,
               format_bytes(bytes), format_bytes(available));
}

}  // namespace zerolm
