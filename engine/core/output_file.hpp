// Every file zerolm writes is complete or absent: the bytes go to a temporary
// file beside the target (the same folder, so the rename is atomic), every write
// is checked, the file is flushed to disk (fsync) and closed (checked), and only
// then renamed over the target. A target that exists and is not a regular file
// (a device such as /dev/full, a folder, a FIFO) is refused instead of being
// replaced; standard output is the caller's "-".
#pragma once

#include <string>
#include <string_view>

namespace zerolm {

class OutputFile {
 public:
  // `what` names the output in errors ("the export", "the model").
  OutputFile(std::string path, std::string what);
  ~OutputFile();  // removes the temporary file unless committed
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view bytes);
  // fsync, close and rename into place: after it returns, the file is on disk.
  void commit();

 private:
  std::string path_, what_, partial_;
  int fd_ = -1;
  bool committed_ = false;
};

// An Error when `path` could not take an output (empty, or an existing folder,
// device, FIFO): commands check their targets before any work.
void check_output_path(const std::string& path, const std::string& what);

// One CSV cell as RFC 4180 writes it: quoted when it holds a comma, quote or
// line break, with quotes doubled (the sweep summary and the csv export).
std::string csv_field(std::string_view text);

// `text` written to `path` through an OutputFile.
void write_file_atomic(const std::string& path, std::string_view text, const std::string& what = "the output");

}  // namespace zerolm
