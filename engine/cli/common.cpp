#include <cstdlib>

#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"

namespace zerolm::cli {

double AlphaOption::value() const {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  ZEROLM_CHECK(end != text.c_str() && *end == '\0' && v >= -100.0 && v <= 100.0,
               "--alpha: value '{}' is neither a number nor 'heuristic'", text);
  return v;
}

}  // namespace zerolm::cli
