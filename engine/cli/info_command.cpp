// zerolm info: version, backends and devices, spaces and proxies.
#include <fmt/format.h>
#include <tbb/info.h>

#include "engine/cli/commands.hpp"
#include "engine/distributed/communicator.hpp"
#include "kernels/weight_statistics.hpp"
#include "proxies/proxy.hpp"
#include "search_spaces/search_space.hpp"

namespace zerolm::cli {

Command add_info_command(CLI::App& app) {
  CLI::App* sub = app.add_subcommand("info", "Print the version, the backends and devices, the spaces and proxies");
  return {sub, [] {
            fmt::print("zerolm 0.1.0\n");
            fmt::print("cpu backend: {} threads (TBB)\n", tbb::info::default_concurrency());
            fmt::print("cuda backend: {}\n", kernels::cuda_built() ? kernels::cuda_device_summary() : "not built");
            fmt::print("MPI: {}\n", mpi_built() ? "yes (search --distributed; sweeps over ranks)" : "no (built without libopenmpi-dev)");
            for (const auto& name : search_space_names()) {
              const auto space = make_search_space(name);
              fmt::print("space {} (default protocol {}):\n", name, space->protocol());
              for (const auto& d : space->dimensions()) {
                std::string values;
                for (const auto& v : d.values) values += (values.empty() ? "" : "|") + v;
                fmt::print("  {:<22} {:<40} {}\n", d.name, values, d.description);
              }
            }
            std::string proxies;
            for (const auto& p : proxy_names()) proxies += (proxies.empty() ? "" : ", ") + p;
            fmt::print("proxies: {}\n", proxies);
            return 0;
          }};
}

}  // namespace zerolm::cli
