// The subcommands' runners; main.cpp's command table names and describes them,
// engine/cli/arguments.cpp attaches their options.
#pragma once

#include "engine/cli/arguments.hpp"

namespace zerolm::cli {

int run_search(const CliParams& p);
int run_export(const CliParams& p);
int run_latency_fit(const CliParams& p);
int run_latency_eval(const CliParams& p);
int run_latency_profile(const CliParams& p);
int run_memory_fit(const CliParams& p);
int run_memory_eval(const CliParams& p);
int run_sweep(const CliParams& p);
int run_report(const CliParams& p);
int run_score(const CliParams& p);
int run_rank(const CliParams& p);
int run_params(const CliParams& p);
int run_calibrate(const CliParams& p);
int run_modes(const CliParams& p);
int run_enumerate(const CliParams& p);
int run_bench(const CliParams& p);
int run_info(const CliParams& p);

}  // namespace zerolm::cli
