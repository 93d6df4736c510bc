// zerolm: data-free NAS for transformer language models. One binary, subcommands.
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <new>
#include <optional>
#include <system_error>
#include <string>
#include <string_view>
#include <vector>

#include "engine/cli/arguments.hpp"
#include "engine/cli/commands.hpp"
#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/costs/cost.hpp"

namespace {

using zerolm::cli::Command;

// The command table: every subcommand, its help line, its runner. Options are
// attached from engine/cli/arguments.cpp by the Command they list.
struct CommandEntry {
  const char* parent;  // nullptr: a top-level subcommand
  const char* name;
  const char* help;
  Command command;
  int (*run)(const zerolm::cli::CliParams&);
  bool reads_search_configs = false;  // --help lists the config keys (search_config_help)
};

constexpr CommandEntry kCommands[] = {
    {nullptr, "search", "Run an architecture search from a YAML config (resumable)", Command::search,
     zerolm::cli::run_search, true},
    {nullptr, "export", "Export a run's Pareto archive, top-k or population", Command::export_run,
     zerolm::cli::run_export},
    {"latency", "fit", "Fit a latency model's constants to measured records", Command::latency_fit,
     zerolm::cli::run_latency_fit},
    {"latency", "eval", "Check a fitted model: Spearman and mean absolute percentage error", Command::latency_eval,
     zerolm::cli::run_latency_eval},
    {"latency", "profile", "Profile a per-layer lookup table (lut) with LibTorch on this machine",
     Command::latency_profile, zerolm::cli::run_latency_profile},
    {"memory", "fit", "Fit a peak-memory model's constants to measured records", Command::memory_fit,
     zerolm::cli::run_memory_fit},
    {"memory", "eval", "Check a fitted memory model: Spearman and mean absolute percentage error",
     Command::memory_eval, zerolm::cli::run_memory_eval},
    {nullptr, "sweep", "Run a grid of searches from a sweep file (resumable; summary.csv/json)", Command::sweep,
     zerolm::cli::run_sweep, true},
    {nullptr, "report", "Write a self-contained HTML report of a run or a sweep", Command::report,
     zerolm::cli::run_report},
    {nullptr, "score", "Score a seeded random sample of a search space and print the best", Command::score,
     zerolm::cli::run_score},
    {nullptr, "rank", "Correlate a proxy with a benchmark's ground truth", Command::rank, zerolm::cli::run_rank},
    {nullptr, "params",
     "Count the parameters of every record of a benchmark file, or of a file's architectures (a Hugging Face "
     "config.json)",
     Command::params, zerolm::cli::run_params},
    {nullptr, "calibrate", "Choose a proxy's alpha (benchmark sample or data-free heuristic)", Command::calibrate,
     zerolm::cli::run_calibrate},
    {nullptr, "modes", "Rank agreement of a proxy's sampled and expected modes on a benchmark file", Command::modes,
     zerolm::cli::run_modes},
    {nullptr, "enumerate", "Score every architecture of a finite space: exact top-k and Pareto front",
     Command::enumerate, zerolm::cli::run_enumerate},
    {nullptr, "bench", "Measure proxy throughput (architectures/s, weights/s) per mode and thread count",
     Command::bench, zerolm::cli::run_bench},
    {nullptr, "info", "Print the version, the backends and devices, the registries (spaces, proxies, formats)",
     Command::info, zerolm::cli::run_info},
};

constexpr const char* kGroupHelp[][2] = {{"latency", "Fit and check latency models on measured records"},
                                          {"memory", "Fit and check peak-memory models on measured records"}};

// The costs `zerolm cost fit|eval --cost NAME` fits and checks, from the cost registry.
std::string fitted_costs() {
  std::string names;
  for (const auto& d : zerolm::cost_registry()) {
    if (d.fitted) names += (names.empty() ? "" : "|") + d.name;
  }
  return names;
}

// `zerolm cost fit|eval --cost NAME ARGS` is `zerolm NAME fit|eval ARGS`: one
// spelling for every fitted cost, with exactly the options of that cost's own
// subcommand (a flag it does not take is refused by it). Rewrites `args`;
// returns an exit code when the line is answered here.
std::optional<int> rewrite_cost_command(std::vector<std::string>& args) {
  if (args.size() < 2 || args[1] != "cost") return std::nullopt;
  const std::string usage = fmt::format(
      "zerolm cost fit|eval --cost NAME [options]: fit or check a cost model on measured records; the same as "
      "zerolm NAME fit|eval, whose --help lists the options (fitted costs: {})",
      fitted_costs());
  if (args.size() < 3 || args[2] == "--help" || args[2] == "-h") {
    fmt::print("{}\n", usage);
    return 0;
  }
  if (args[2] != "fit" && args[2] != "eval") {
    fmt::print(stderr, "zerolm: error: unknown subcommand 'cost {}'; {}\n", args[2], usage);
    return 2;
  }
  std::string name;
  std::vector<std::string> rest;
  for (std::size_t i = 3; i < args.size(); ++i) {
    if (args[i] == "--cost" && i + 1 < args.size()) {
      name = args[++i];
    } else if (args[i].rfind("--cost=", 0) == 0) {
      name = args[i].substr(7);
    } else {
      rest.push_back(args[i]);
    }
  }
  const zerolm::CostDescriptor* cost = zerolm::cost_registry().find(name);
  if (name.empty() || cost == nullptr || !cost->fitted) {
    fmt::print(stderr, "zerolm: error: --cost: value '{}' is not a fitted cost ({}); {}\n", name, fitted_costs(),
               usage);
    return 2;
  }
  std::vector<std::string> out{args[0], name, args[2]};
  out.insert(out.end(), rest.begin(), rest.end());
  args = std::move(out);
  return std::nullopt;
}

// A missing or unknown subcommand, named with the ones there are (CLI11 says
// only "A subcommand is required"); empty when the words name a command.
std::string unknown_subcommand(const std::vector<std::string>& args) {
  std::vector<std::string> top;
  for (const CommandEntry& e : kCommands) {
    const std::string name = e.parent != nullptr ? e.parent : e.name;
    if (std::find(top.begin(), top.end(), name) == top.end()) top.push_back(name);
  }
  const auto listed = [](const std::vector<std::string>& names) {
    std::string text;
    for (const auto& n : names) text += (text.empty() ? "" : "|") + n;
    return text;
  };
  if (args.size() < 2) return fmt::format("no subcommand: zerolm {} ... (zerolm --help)", listed(top));
  const std::string& first = args[1];
  if (first.starts_with("-")) return "";  // --help, --version
  if (std::find(top.begin(), top.end(), first) == top.end()) {
    return fmt::format("unknown subcommand '{}' (subcommands: {}; zerolm --help)", first, listed(top));
  }
  std::vector<std::string> under;
  for (const CommandEntry& e : kCommands) {
    if (e.parent != nullptr && first == e.parent) under.push_back(e.name);
  }
  if (under.empty()) return "";
  if (args.size() < 3) return fmt::format("no subcommand: zerolm {} {} ...", first, listed(under));
  if (args[2].starts_with("-") || std::find(under.begin(), under.end(), args[2]) != under.end()) return "";
  return fmt::format("unknown subcommand '{} {}' (zerolm {} {})", first, args[2], first, listed(under));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  if (const auto answered = rewrite_cost_command(args)) return *answered;
  if (const std::string unknown = unknown_subcommand(args); !unknown.empty()) {
    fmt::print(stderr, "zerolm: error: {}\n", unknown);
    return 2;
  }
  std::vector<char*> rewritten;
  for (auto& a : args) rewritten.push_back(a.data());
  argc = static_cast<int>(rewritten.size());
  argv = rewritten.data();
  CLI::App app{"zerolm: data-free neural architecture search for transformer language models"};
  app.footer(fmt::format("zerolm cost fit|eval --cost NAME: the same as zerolm NAME fit|eval, for every fitted cost "
                         "({})",
                         fitted_costs()));
  app.set_version_flag("--version", "zerolm 0.1.0");
  app.require_subcommand(1);
  zerolm::cli::CliParams params;
  std::vector<std::pair<CLI::App*, const CommandEntry*>> subcommands;
  std::map<std::string, CLI::App*> groups;
  for (const CommandEntry& entry : kCommands) {
    CLI::App* parent = &app;
    if (entry.parent != nullptr) {
      CLI::App*& group = groups[entry.parent];
      if (group == nullptr) {
        const char* help = "";
        for (const auto& g : kGroupHelp) {
          if (std::string_view(g[0]) == entry.parent) help = g[1];
        }
        group = app.add_subcommand(entry.parent, help);
        group->require_subcommand(1);
      }
      parent = group;
    }
    CLI::App* sub = parent->add_subcommand(entry.name, entry.help);
    if (entry.reads_search_configs) sub->footer(zerolm::search_config_help());
    zerolm::cli::attach_arguments(entry.command, *sub, params);
    subcommands.emplace_back(sub, &entry);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Bad command lines are bad input: one line, exit 2.
    fmt::print(stderr, "zerolm: error: {}\n", e.what());
    return 2;
  }
  int code = 2;
  try {
    const auto ran = std::find_if(subcommands.begin(), subcommands.end(), [](const auto& s) { return s.first->parsed(); });
    ZEROLM_CHECK(ran != subcommands.end(), "no subcommand given (zerolm --help lists them)");
    zerolm::cli::record_given(*ran->first, params);
    code = ran->second->run(params);
  } catch (const zerolm::Error& e) {
    fmt::print(stderr, "zerolm: error: {}\n", e.user_line());
    return 2;
  } catch (const zerolm::InternalError& e) {
    fmt::print(stderr, "zerolm: internal error: {} [{}]; this is a bug in zerolm, not in the input\n", e.what(),
               e.origin());
    return 70;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "zerolm: error: out of memory (see docs/RELIABILITY.md for the bounds on inputs)\n");
    return 2;
  } catch (const std::system_error& e) {
    // fmt::print on a closed or full standard output.
    fmt::print(stderr, "zerolm: error: cannot write the result: {}\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    // Every user error is a zerolm::Error by the time it reaches here; anything else is a bug.
    fmt::print(stderr, "zerolm: internal error: {}; this is a bug in zerolm, not in the input\n", e.what());
    return 70;
  }
  // The result went to standard output: a closed or failed one loses it, so say so.
  if (std::fflush(stdout) != 0 || std::ferror(stdout) != 0) {
    fmt::print(stderr, "zerolm: error: cannot write the result to standard output ({})\n", std::strerror(errno));
    return 2;
  }
  return code;
}
