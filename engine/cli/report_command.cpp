// zerolm report DIR --out report.html: a self-contained HTML page with inline SVG
// plots of a run (front, progress) or of a sweep (every point's front).
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/report/html_report.hpp"

namespace zerolm::cli {

namespace {
struct ReportOptions {
  std::string directory;
  std::string out = "report.html";
  std::size_t mark_top = 5;
};

int run_report_command(const ReportOptions& o) {
  namespace fs = std::filesystem;
  std::string html;
  if (fs::exists(fs::path(o.directory) / "sweep.json")) {
    ZEROLM_CHECK(fs::exists(fs::path(o.directory) / "summary.json"), "{}: the sweep has no finished point yet",
                 o.directory);
    html = report::sweep_report(o.directory);
  } else {
    ZEROLM_CHECK(fs::exists(fs::path(o.directory) / "run.sqlite"), "{}: neither a run (run.sqlite) nor a sweep (sweep.json)",
                 o.directory);
    html = report::run_report(o.directory, o.mark_top);
  }
  report::write_report(o.out, html);
  fmt::print(stderr, "zerolm: report in {} ({} KiB, self-contained)\n", o.out, html.size() / 1024);
  return 0;
}
}  // namespace

Command add_report_command(CLI::App& app) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* sub = app.add_subcommand("report", "Write a self-contained HTML report of a run or a sweep");
  sub->add_option("directory", o->directory, "Run folder or sweep folder")->required();
  sub->add_option("--out", o->out, "HTML file to write")->capture_default_str();
  sub->add_option("--mark-top", o->mark_top, "Ring the K best architectures on the front")->capture_default_str();
  return {sub, [o] { return run_report_command(*o); }};
}

}  // namespace zerolm::cli
