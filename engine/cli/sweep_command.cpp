// zerolm sweep SWEEP.yaml [--out DIR]: a grid (or zip) of full searches, each
// with its own run store; resumable; summary.csv and summary.json.
#include <fmt/format.h>

#include <memory>

#include "engine/cli/commands.hpp"
#include "engine/config/sweep_config.hpp"
#include "engine/core/error.hpp"
#include "engine/runs/sweep.hpp"

namespace zerolm::cli {

namespace {
struct SweepOptions {
  std::string file;
  std::string out;
  std::string device;
};

int run_sweep_command(const SweepOptions& o) {
  const SweepConfig sweep = load_sweep_config(o.file);
  SweepRunOptions options;
  options.directory = o.out.empty() ? sweep.output : o.out;
  options.device = o.device;
  options.backend = [](const SearchRunConfig& c) {
    return resolve_device(c.device, c.proxy_options.mode == ProxyMode::sampled);
  };
  const std::size_t total = sweep.points().size();
  options.on_point = [&](const SweepPointResult& r) {
    std::string values;
    for (const auto& [key, value] : r.point.values) values += fmt::format("{}{}={}", values.empty() ? "" : " ", key, value);
    fmt::print(stderr, "zerolm: point {}/{} [{}] {}: best {:.6g}, archive {}, hypervolume {:.6g}, {} evaluations, {:.2f} s\n",
               r.point.index + 1, total, values, r.status, r.summary.best_score, r.summary.archive_size,
               r.summary.hypervolume, r.summary.evaluations, r.summary.seconds);
  };
  options.on_start = [&](std::size_t points) {
    fmt::print(stderr, "zerolm: sweep {}: {} points, {} at a time, in {}\n", o.file, points, sweep.parallel,
               options.directory);
  };
  run_sweep(sweep, options);
  fmt::print(stderr, "zerolm: sweep done; {}/summary.csv and summary.json\n", options.directory);
  return 0;
}
}  // namespace

Command add_sweep_command(CLI::App& app) {
  auto o = std::make_shared<SweepOptions>();
  CLI::App* sub = app.add_subcommand("sweep", "Run a grid of searches from a sweep file (resumable; summary.csv/json)");
  sub->add_option("sweep", o->file, "Sweep file (YAML): base config, axes; see experiments/sweeps/")->required();
  sub->add_option("--out", o->out, "Sweep folder (default: the sweep's 'output')");
  sub->add_option("--device", o->device, kDeviceHelp);
  return {sub, [o] { return run_sweep_command(*o); }};
}

}  // namespace zerolm::cli
