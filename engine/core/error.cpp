#include "engine/core/error.hpp"

#include <cstdlib>
#include <string_view>

namespace zerolm {

namespace detail {
// Keep the origin short and stable: the path below the project root.
std::string project_relative(const char* path) {
  std::string_view view(path);
  for (std::string_view top : {"/engine/", "/kernels/", "/search_spaces/", "/proxies/", "/tests/"}) {
    if (auto pos = view.rfind(top); pos != std::string_view::npos) return std::string(view.substr(pos + 1));
  }
  return std::string(view);
}

void throw_error(const char* source_file, int source_line, std::string message) {
  throw Error(std::move(message), source_file, source_line);
}

void throw_internal_error(const char* source_file, int source_line, const char* condition, std::string message) {
  throw InternalError(condition, message, source_file, source_line);
}
}  // namespace detail

Error::Error(std::string message, const char* source_file, int source_line)
    : std::runtime_error(message),
      message_(std::move(message)),
      origin_(fmt::format("{}:{}", detail::project_relative(source_file), source_line)) {}

std::string Error::user_line() const {
  const char* origin = std::getenv("ZEROLM_ERROR_ORIGIN");
  return origin != nullptr && std::string_view(origin) == "1" ? fmt::format("{} [{}]", message_, origin_) : message_;
}

Error Error::with_context(const std::string& prefix) const {
  Error copy(prefix + ": " + message_, "", 0);
  copy.origin_ = origin_;
  return copy;
}

InternalError::InternalError(const std::string& condition, const std::string& message, const char* source_file,
                             int source_line)
    : std::logic_error(fmt::format("{} ({} does not hold)", message, condition)),
      origin_(fmt::format("{}:{}", detail::project_relative(source_file), source_line)) {}

}  // namespace zerolm
