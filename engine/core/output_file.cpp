#include "engine/core/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "engine/core/error.hpp"

namespace zerolm {

void check_output_path(const std::string& path, const std::string& what) {
  ZEROLM_CHECK(!path.empty(), "an empty path for {}: give a file name", what);
  struct stat target {};
  if (::stat(path.c_str(), &target) == 0) {
    ZEROLM_CHECK(S_ISREG(target.st_mode), "{}: not a regular file ({}); write {} to a file", path,
                 S_ISDIR(target.st_mode) ? "a folder" : "a device, FIFO or socket", what);
  }
}

OutputFile::OutputFile(std::string path, std::string what) : path_(std::move(path)), what_(std::move(what)) {
  check_output_path(path_, what_);
  const std::filesystem::path target_path(path_);
  const std::filesystem::path folder = target_path.has_parent_path() ? target_path.parent_path() : ".";
  std::string name = (folder / ("." + target_path.filename().string() + ".XXXXXX")).string();
  std::vector<char> buffer(name.begin(), name.end());
  buffer.push_back('\0');
  fd_ = ::mkostemp(buffer.data(), O_CLOEXEC);
  ZEROLM_CHECK(fd_ >= 0, "{}: cannot write {}: {}", path_, what_, std::strerror(errno));
  partial_ = buffer.data();
  // mkostemp makes the file 0600; outputs are ordinary files (0644 less the umask).
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd_, 0666 & ~mask);
}

OutputFile::~OutputFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !partial_.empty()) ::unlink(partial_.c_str());
}

void OutputFile::write(std::string_view bytes) {
  ZEROLM_ASSERT(fd_ >= 0 && !committed_, "write to {} after it was committed", path_);
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    ZEROLM_CHECK(n > 0, "{}: writing {} failed: {}", path_, what_, n < 0 ? std::strerror(errno) : "no progress");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void OutputFile::commit() {
  ZEROLM_ASSERT(fd_ >= 0 && !committed_, "{} committed twice", path_);
  ZEROLM_CHECK(::fsync(fd_) == 0, "{}: writing {} failed: {}", path_, what_, std::strerror(errno));
  const int fd = fd_;
  fd_ = -1;
  ZEROLM_CHECK(::close(fd) == 0, "{}: writing {} failed: {}", path_, what_, std::strerror(errno));
  ZEROLM_CHECK(::rename(partial_.c_str(), path_.c_str()) == 0, "{}: cannot write {}: {}", path_, what_,
               std::strerror(errno));
  committed_ = true;
}

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void write_file_atomic(const std::string& path, std::string_view text, const std::string& what) {
  OutputFile out(path, what);
  out.write(text);
  out.commit();
}

}  // namespace zerolm
