// The command line, in the style of llama.cpp's common/arg.cpp: every value any
// subcommand reads lives in CliParams, and every option is defined once (in
// arguments.cpp: its flag, help and default) together with the subcommands it is
// attached to. Help texts that list spaces, protocols, proxies, formats and latency
// models are generated from their registries.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "proxies/proxy.hpp"
#include "search_spaces/search_space.hpp"

namespace zerolm::kernels {
class WeightStatisticsBackend;
}

namespace zerolm::cli {

// The subcommands (main.cpp's command table gives their names and help).
enum class Command {
  search,
  export_run,
  sweep,
  report,
  score,
  rank,
  params,
  calibrate,
  modes,
  enumerate,
  latency_fit,
  latency_eval,
  latency_profile,
  memory_fit,
  memory_eval,
  bench,
  info,
};

// --space, --protocol, --choices.
struct SpaceArgs {
  std::string name = "flexibert";
  std::string protocol;  // empty: the space's (or the benchmark format's) default
  std::string choices;   // JSON object of choice overrides
  SpaceOptions options() const;
};

// --proxy, --mode, --device, --alpha and each proxy's own options (from the
// proxy registry).
struct ProxyArgs {
  std::string name = "zerolm";
  std::string mode = "expected";
  std::string device = "auto";
  std::string alpha = "heuristic";
  std::map<std::string, std::string> values;  // option key -> text, as given

  // Mode, alpha, seed and the proxy's own options, read by the one proxy parser
  // (parse_proxy_setting: an option or an alpha the proxy does not take is an
  // error). The device is the caller's.
  ProxySetting setting(std::uint64_t seed) const;
  // One line for people: "spectral (expected mode, log_det, log over layers)".
  std::string describe(const ProxyOptions& options) const;
};

// --calibrate-on, --sample, --repeats (choosing alpha on K trained records).
struct CalibrationArgs {
  std::string file;
  std::size_t sample = 50;
  std::size_t repeats = 1;
};

struct CliParams {
  SpaceArgs space;
  ProxyArgs proxy;
  CalibrationArgs calibration;
  std::uint64_t seed = 0;
  bool json = false;
  bool check_counts = false;  // params --check: the file's counts under every protocol
  std::string benchmark;      // ground truth or measured records

  std::string benchmark_format;  // --format on commands that read --benchmark: a reader's name (empty: detected)
  std::string baselines;         // --baselines: a file of published proxies for the benchmark
  std::string report;            // rank: also an HTML report

  // score
  std::size_t sample = 100000;
  std::string from;
  std::size_t top = 10;
  double max_architectures = 1e9;  // enumerate: the largest space it visits
  // enumerate
  std::size_t show_front = 20;
  double reference_parameters = 0.0;
  // search
  std::string config;
  std::vector<std::string> overrides;
  std::string resume;
  bool overwrite = false;
  bool log_json = false;
  bool distributed = false;
  // search, sweep, export, report, latency: where results go
  std::string out;
  // export
  std::string directory;
  bool pareto = false;
  bool weights = false;  // export: also the initial weights (formats that hold them)
  std::size_t export_top = 0;
  bool population = false;
  int island = -1;
  std::string format = "json";
  // sweep
  std::string sweep;
  bool force = false;
  bool restart_changed = false;
  // report
  std::size_t mark_top = 5;
  // calibrate
  std::string strategy = "heuristic";
  std::size_t architectures = 1000;
  // modes
  std::vector<double> alphas{0.5};
  std::size_t limit = 0;
  // latency
  std::string subset = "all";
  std::string model = "analytic";  // fit: the kind; eval: a model file
  std::string records_device;      // latency|memory fit: names the fitted model; profile: cpu|cuda
  double batch = 8, sequence = 1024;
  std::int64_t samples = 64, check = 0;
  int warmup = 2, repeats = 5, threads = 0;
  // bench
  std::string suite = "proxy";
  std::vector<std::size_t> populations{256, 4096, 65536};
  double seconds = 2.0;

  // The flags the user gave (after parsing), e.g. "--sample".
  std::set<std::string> given;
  bool was_given(const std::string& flag) const { return given.count(flag) > 0; }
};

// Attaches every option that `command` takes to `sub`, bound to `params`.
void attach_arguments(Command command, CLI::App& sub, CliParams& params);
// Records which options were given (CliParams::given), after parsing.
void record_given(const CLI::App& sub, CliParams& params);

// "--device auto|cpu|cuda": the backend for `proxy`'s sampled work. Prints
// where it runs to stderr when the mode draws weights; `cuda` without a GPU is
// an Error.
const kernels::WeightStatisticsBackend* resolve_device(const std::string& device, const std::string& proxy,
                                                       ProxyMode mode);
// The same for the commands that score with --proxy and --mode (score, rank,
// calibrate): a --device given where no weights are drawn (the expected mode,
// or a proxy without a sampled mode) is an Error, not ignored.
const kernels::WeightStatisticsBackend* resolve_device(const CliParams& params, ProxyMode mode);

}  // namespace zerolm::cli
