// zerolm report DIR --out report.html: a self-contained HTML page with inline SVG
// plots of a run (front, progress) or of a sweep (every point's front).
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/core/output_file.hpp"
#include "engine/report/html_report.hpp"

namespace zerolm::cli {

int run_report(const CliParams& o) {
  namespace fs = std::filesystem;
  check_output_path(o.out.empty() ? "report.html" : o.out, "the report");
  std::string html;
  if (fs::exists(fs::path(o.directory) / "sweep.json")) {
    ZEROLM_CHECK(fs::exists(fs::path(o.directory) / "summary.json"), "{}: the sweep has no finished point yet",
                 o.directory);
    html = report::sweep_report(o.directory);
  } else {
    ZEROLM_CHECK(fs::exists(fs::path(o.directory) / "run.sqlite"),
                 "{}: neither a run (run.sqlite) nor a sweep (sweep.json)", o.directory);
    html = report::run_report(o.directory, o.mark_top);
  }
  const std::string out = o.out.empty() ? "report.html" : o.out;
  report::write_report(out, html);
  fmt::print(stderr, "zerolm: report in {} ({} KiB, self-contained)\n", out, html.size() / 1024);
  return 0;
}

}  // namespace zerolm::cli
