// zerolm: data-free NAS for transformer language models. One binary, subcommands.
#include <fmt/format.h>

#include <cstdio>
#include <map>

#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"zerolm: data-free neural architecture search for transformer language models"};
  app.set_version_flag("--version", "zerolm 0.1.0");
  app.require_subcommand(1);
  std::map<CLI::App*, zerolm::cli::Runner> runners;
  auto add = [&](zerolm::cli::Command command) { runners[command.app] = std::move(command.run); };
  add(zerolm::cli::add_search_command(app));
  add(zerolm::cli::add_export_command(app));
  add(zerolm::cli::add_latency_command(app));
  add(zerolm::cli::add_sweep_command(app));
  add(zerolm::cli::add_report_command(app));
  add(zerolm::cli::add_score_command(app));
  add(zerolm::cli::add_rank_command(app));
  add(zerolm::cli::add_params_command(app));
  add(zerolm::cli::add_calibrate_command(app));
  add(zerolm::cli::add_modes_command(app));
  add(zerolm::cli::add_enumerate_command(app));
  add(zerolm::cli::add_bench_command(app));
  add(zerolm::cli::add_info_command(app));
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
  try {
    for (auto* sub : app.get_subcommands()) return runners.at(sub)();
    return 2;
  } catch (const zerolm::Error& e) {
    fmt::print(stderr, "zerolm: error: {} [{}]\n", e.message(), e.origin());
    return 2;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "zerolm: error: out of memory\n");
    return 1;
  }
}
