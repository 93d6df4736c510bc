// zerolm info: version, backends and devices, and every registry: spaces (with
// their protocols, dimensions and choice keys), proxies (with their options),
// export formats, latency models, benchmark formats.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <tbb/info.h>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/cli/commands.hpp"
#include "engine/distributed/communicator.hpp"
#include "engine/export/export_formats.hpp"
#include "engine/latency/latency_model.hpp"
#include "kernels/weight_statistics.hpp"

namespace zerolm::cli {

int run_info(const CliParams&) {
  fmt::print("zerolm 0.1.0\n");
  fmt::print("cpu backend: {} threads (TBB)\n", tbb::info::default_concurrency());
  fmt::print("cuda backend: {}\n", kernels::cuda_built() ? kernels::cuda_device_summary() : "not built");
  fmt::print("MPI: {}\n",
             mpi_built() ? "yes (search --distributed; sweeps over ranks)" : "no (built without libopenmpi-dev)");
  for (const auto& d : search_spaces()) {
    const auto space = d.make({});
    fmt::print("space {}: {}\n", d.name, d.description);
    for (const auto& p : d.protocols) fmt::print("  protocol {:<10} {}\n", p.name, p.description);
    for (const auto& dim : space->dimensions()) {
      std::string values;
      for (const auto& v : dim.values) values += (values.empty() ? "" : "|") + v;
      fmt::print("  {:<22} {:<40} {}\n", dim.name, values, dim.description);
    }
    std::string keys;
    for (const auto& [key, what] : d.choice_keys) keys += (keys.empty() ? "" : ", ") + key;
    fmt::print("  choices: {}\n", keys);
    for (const auto& k : d.documents) {
      fmt::print("  reads {} ({} protocol): {}\n", k.name, k.protocol, k.description);
    }
  }
  for (const auto& p : proxies()) {
    fmt::print("proxy {}: {} (options: {}{})\n", p.name, p.description, p.combines_modules ? "alpha, " : "",
               p.option_keys());
  }
  for (const auto& f : export_format_registry()) {
    fmt::print("export format {}: {} ({})\n", f.name, f.description,
               f.spaces.empty() ? std::string("every space") : fmt::format("{}", fmt::join(f.spaces, ", ")));
  }
  for (const auto& k : latency_models()) fmt::print("latency model {}: {}\n", k.name, k.description);
  for (const auto& r : benchmark_readers()) fmt::print("benchmark format {}: {}\n", r.name, r.description);
  return 0;
}

}  // namespace zerolm::cli
