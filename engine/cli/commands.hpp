// Subcommands of the single `zerolm` binary. Each adds itself to the CLI11 app and
// returns the function that runs it after parsing.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace zerolm::kernels {
class WeightStatisticsBackend;
}
namespace zerolm {
struct ProxyOptions;
}

namespace zerolm::cli {

using Runner = std::function<int()>;
struct Command {
  CLI::App* app;
  Runner run;
};

Command add_score_command(CLI::App& app);
Command add_rank_command(CLI::App& app);
Command add_params_command(CLI::App& app);
Command add_calibrate_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_info_command(CLI::App& app);
Command add_modes_command(CLI::App& app);
Command add_enumerate_command(CLI::App& app);
Command add_search_command(CLI::App& app);
Command add_export_command(CLI::App& app);
Command add_latency_command(CLI::App& app);
Command add_sweep_command(CLI::App& app);
Command add_report_command(CLI::App& app);

// --statistic, --aggregate, --gain of the spectral proxies.
struct SpectralCliOptions {
  std::string statistic = "log_det";
  std::string aggregate = "linear";
  double gain = 1.0;
  void add_to(CLI::App* sub);
  void apply(ProxyOptions& options) const;  // validates
};

// "--alpha": a number, or "heuristic" for the data-free choice.
struct AlphaOption {
  std::string text = "heuristic";
  bool heuristic() const { return text == "heuristic"; }
  double value() const;
};

// "--device auto|cpu|cuda": the backend for sampled weights. Prints which device
// was picked to stderr when the mode uses one; `cuda` without a GPU is an Error.
const kernels::WeightStatisticsBackend* resolve_device(const std::string& device, bool uses_device);
inline constexpr const char* kDeviceHelp = "Where sampled weights are drawn: auto (GPU when present), cpu, cuda";

}  // namespace zerolm::cli
