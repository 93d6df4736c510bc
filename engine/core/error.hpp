// Errors in the faiss style, in two tiers:
//  - ZEROLM_CHECK / ZEROLM_FAIL: the user's input is wrong. They throw
//    zerolm::Error with a readable message (and the source location, for bug
//    reports); the CLI prints one line "zerolm: error: ..." and exits with 2.
//  - ZEROLM_ASSERT: an invariant of zerolm itself does not hold. It throws
//    zerolm::InternalError naming the failed condition; the CLI says "internal
//    error" and exits with 70, so a bug is never reported as the user's fault.
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
  // The line a user reads: the message, without a source path (that is for
  // internal errors), unless ZEROLM_ERROR_ORIGIN=1 asks for it (developers).
  std::string user_line() const;

  // The same error with "prefix: " in front, e.g. the input file and record that
  // a validation error came from.
  Error with_context(const std::string& prefix) const;

 private:
  std::string message_;
  std::string origin_;
};

// A broken invariant: a bug in zerolm, not a user mistake. Deliberately not an
// Error, so no `catch (const Error&)` turns it into a user-facing message.
class InternalError : public std::logic_error {
 public:
  InternalError(const std::string& condition, const std::string& message, const char* source_file, int source_line);
  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
};

namespace detail {
[[noreturn]] void throw_error(const char* source_file, int source_line, std::string message);
[[noreturn]] void throw_internal_error(const char* source_file, int source_line, const char* condition,
                                       std::string message);
// "engine/core/error.cpp" from a compiler's full path.
std::string project_relative(const char* path);
}  // namespace detail

}  // namespace zerolm

// Throws zerolm::Error with an fmt-formatted message when `condition` is false.
#define ZEROLM_CHECK(condition, ...)                                                 \
  do {                                                                               \
    if (!(condition)) {                                                              \
      ::zerolm::detail::throw_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__)); \
    }                                                                                \
  } while (false)

#define ZEROLM_FAIL(...) ::zerolm::detail::throw_error(__FILE__, __LINE__, ::fmt::format(__VA_ARGS__))

// Throws zerolm::InternalError (condition, message, location) when an internal
// invariant is false. Always on: these guard indices into kernel tables.
#define ZEROLM_ASSERT(condition, ...)                                                                     \
  do {                                                                                                    \
    if (!(condition)) {                                                                                   \
      ::zerolm::detail::throw_internal_error(__FILE__, __LINE__, #condition, ::fmt::format(__VA_ARGS__)); \
    }                                                                                                     \
  } while (false)
