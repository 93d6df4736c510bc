// zerolm params: exact parameter accounting of every record of a benchmark file.
#include <fmt/format.h>

#include <memory>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/cli/commands.hpp"

namespace zerolm::cli {

int run_params(const CliParams& o) {
  const Benchmark b = load_benchmark(o.benchmark, o.space.protocol);
  nlohmann::json rows = nlohmann::json::array();
  ModelSpec spec;
  for (const auto& r : b.records) {
    b.space->lower(r.architecture, spec);
    const auto total = spec.total_parameters();
    rows.push_back({{"id", r.raw.contains("id") ? r.raw["id"] : nlohmann::json(r.id)},
                    {"total", total},
                    {"non_embedding", total - spec.parameters_with_role(Role::embedding)},
                    {"attention", spec.parameters_with_role(Role::attention)},
                    {"ffn", spec.parameters_with_role(Role::ffn)}});
  }
  if (o.json) {
    fmt::print("{}\n", rows.dump(1));
    return 0;
  }
  fmt::print("{} ({} records, protocol {})\n", o.benchmark, rows.size(), b.space->protocol());
  fmt::print("{:>20} {:>12} {:>14} {:>12} {:>12}\n", "id", "total", "non-embedding", "attention", "ffn");
  for (const auto& row : rows) {
    const std::string id = row["id"].is_string() ? row["id"].get<std::string>() : row["id"].dump();
    fmt::print("{:>20} {:>12} {:>14} {:>12} {:>12}\n", id, row["total"].get<std::int64_t>(),
               row["non_embedding"].get<std::int64_t>(), row["attention"].get<std::int64_t>(),
               row["ffn"].get<std::int64_t>());
  }
  return 0;
}

}  // namespace zerolm::cli
