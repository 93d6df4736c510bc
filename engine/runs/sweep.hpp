// Sweeps: every point of a sweep file is a full search with its own run store
// (DIR/point-NNN). Resumable: finished points are read back, interrupted ones
// continue. CPU points run `parallel` at a time (TBB); points whose weights are
// drawn on a GPU share the device one after another. DIR/summary.csv and
// DIR/summary.json are rewritten as points finish.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/config/sweep_config.hpp"
#include "engine/runs/stored_search.hpp"

namespace zerolm {

class Communicator;

struct SweepPointResult {
  SweepPoint point;
  SearchSummary summary;
  std::string status;  // "finished", "resumed", "done earlier", or "failed: why"
};

struct SweepRunOptions {
  std::string directory;
  std::string device;  // overrides every point's 'device' when set
  // The backend a point's config resolves to (the CLI's --device logic).
  std::function<const kernels::WeightStatisticsBackend*(const SearchRunConfig&)> backend;
  std::function<void(std::size_t points)> on_start;       // after every point's config checked out
  std::function<void(const SweepPointResult&)> on_point;  // called as each point ends (serialised)
  // Under mpirun: point i runs on rank i % size; rank 0 checks the folder and
  // writes the summaries of every rank's points.
  Communicator* communicator = nullptr;
  // Run a sweep of more than kMaxSweepPoints points.
  bool force = false;
  // A point whose stored run was made with another effective config (the base
  // config or the sweep changed since) is refused, or, with this, started again.
  bool restart_changed = false;
};

// Runs (or resumes) every point; throws after writing the summaries when a point
// failed, naming it. With a communicator, every rank calls it; the other ranks
// return their own points; a bad sweep or folder is printed by rank 0 and
// every rank throws ErrorAlreadyReported.
std::vector<SweepPointResult> run_sweep(const SweepConfig& sweep, const SweepRunOptions& options);

}  // namespace zerolm
