// zerolm sweep SWEEP.yaml [--out DIR]: a grid (or zip) of full searches, each
// with its own run store; resumable; summary.csv and summary.json.
#include <fmt/format.h>

#include <memory>
#include <optional>

#include <tbb/global_control.h>

#include "engine/cli/commands.hpp"
#include "engine/config/sweep_config.hpp"
#include "engine/core/error.hpp"
#include "engine/distributed/communicator.hpp"
#include "engine/runs/sweep.hpp"
#include "kernels/weight_statistics.hpp"

namespace zerolm::cli {

int run_sweep(const CliParams& o) {
  // Under mpirun/srun the points are spread over the ranks.
  std::unique_ptr<Communicator> communicator;
  std::optional<tbb::global_control> threads;
  if (launched_with_several_ranks()) {
    communicator = make_mpi_communicator();
    threads.emplace(tbb::global_control::max_allowed_parallelism, threads_per_rank(*communicator));
    kernels::use_cuda_device_of_local_rank(communicator->local_rank());
  }
  const int rank = communicator ? communicator->rank() : 0;
  SweepConfig sweep;
  std::exception_ptr bad_sweep;
  try {
    sweep = load_sweep_config(o.sweep);
  } catch (const Error&) {
    if (!communicator) throw;
    bad_sweep = std::current_exception();
  }
  try {
    if (communicator && !communicator->all(bad_sweep == nullptr)) {
      stop_after_rank_zero_reports(*communicator, bad_sweep, o.sweep + ": another rank could not read the sweep");
    }
  } catch (const ErrorAlreadyReported&) {
    return 2;
  }
  SweepRunOptions options;
  options.communicator = communicator.get();
  options.directory = o.out.empty() ? sweep.output : o.out;
  options.device = o.proxy.device;
  options.force = o.force;
  options.restart_changed = o.restart_changed;
  options.backend = [](const SearchRunConfig& c) { return resolve_device(c.device, c.proxy, c.proxy_options.mode); };
  const std::size_t total = sweep.points().size();
  options.on_point = [&](const SweepPointResult& r) {
    std::string values;
    for (const auto& [key, value] : r.point.values)
      values += fmt::format("{}{}={}", values.empty() ? "" : " ", key, value);
    fmt::print(stderr,
               "zerolm: {}point {}/{} [{}] {}: best {:.6g}, archive {}, hypervolume {:.6g}, {} evaluations, {:.2f} s\n",
               communicator ? fmt::format("rank {}: ", rank) : "", r.point.index + 1, total, values, r.status,
               r.summary.best_score, r.summary.archive_size, r.summary.hypervolume, r.summary.evaluations,
               r.summary.seconds);
  };
  options.on_start = [&](std::size_t points) {
    if (rank != 0) return;
    fmt::print(stderr, "zerolm: sweep {}: {} points, {} at a time{}, in {}\n", o.sweep, points, sweep.parallel,
               communicator ? fmt::format(" on each of {} ranks", communicator->size()) : "", options.directory);
  };
  try {
    run_sweep(sweep, options);
  } catch (const ErrorAlreadyReported&) {
    return 2;  // rank 0 prints the error
  }
  if (rank == 0) fmt::print(stderr, "zerolm: sweep done; {}/summary.csv and summary.json\n", options.directory);
  return 0;
}

}  // namespace zerolm::cli
