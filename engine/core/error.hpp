// Errors in the faiss style: user mistakes throw zerolm::Error carrying a readable
// message plus the source location; the CLI prints one line and exits with 2.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace zerolm {

class Error : public std::runtime_error {
 public:
  Error(std::string message, const char* source_file, int source_line);

  // The message alone, as a user should read it.
  const std::string& message() const { return message_; }
  // "path/to/file.cpp:123": where the check fired, for bug reports.
  const std::string& origin() const { return origin_; }

  // The same error with "prefix: " in front, e.g. the input file and record that
  // a validation error came from.
  Error with_context(const std::string& prefix) const;

 private:
  std::string message_;
  std::string origin_;
};

namespace detail {
[[noreturn]] void throw_error(const char* source_file, int source_line, std::string message);
}  // namespace detail

}  // namespace zerolm

// Throws zerolm::Error with an fmt-formatted message when `condition` is false.
#define ZEROLM_CHECK(condition, ...)                                              \
  do {                                                                            \
    if (!(condition)) {                                                           \
      ::zerolm::detail::throw_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__)); \
    }                                                                             \
  } while (false)

#define ZEROLM_FAIL(...) ::zerolm::detail::throw_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__))
