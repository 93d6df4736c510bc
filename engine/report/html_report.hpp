// Self-contained HTML reports (inline CSS, inline SVG, one small inline script
// that checks every plot drew its points): no network, no external files.
#pragma once

#include <string>

#include "engine/rank/rank.hpp"

namespace zerolm::report {

// A run folder: the Pareto front over every evaluation (coloured by latency when
// the run has one; the `mark_top` best architectures, what `export --top` would
// write, ringed), and the search's progress (best score and hypervolume vs
// evaluations).
std::string run_report(const std::string& directory, std::size_t mark_top);

// A sweep folder: every point's front overlaid, and the summary table.
std::string sweep_report(const std::string& directory);

// `zerolm rank --report`: proxy score vs ground truth, with the correlations.
std::string rank_report(const RankReport& report);

// Writes `html` to `path` (atomically: a partial file is renamed into place).
void write_report(const std::string& path, const std::string& html);

}  // namespace zerolm::report
