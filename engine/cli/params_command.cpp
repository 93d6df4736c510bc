// zerolm params: exact parameter accounting of every record of a benchmark file,
// or of the architectures of a file (a zerolm export or a Hugging Face config).
#include <fmt/format.h>

#include <memory>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/benchmarks/published_counts.hpp"
#include "engine/cli/commands.hpp"
#include "engine/config/architecture_files.hpp"
#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"

namespace zerolm::cli {

namespace {

nlohmann::json counts(const ModelSpec& spec) {
  const ParameterBreakdown b = parameter_breakdown(spec);
  return {{"total", b.total},
          {"non_embedding", b.non_embedding()},
          {"embedding", b.embedding},
          {"attention", b.attention},
          {"ffn", b.ffn},
          {"norm", b.norm}};
}

int params_from_file(const CliParams& o) {
  ZEROLM_CHECK(!o.was_given("--protocol"), "--protocol: params --from takes the space and protocol from {}", o.from);
  const ArchitectureFile file = read_architecture_file(o.from, nullptr, false);
  const SearchSpace& space = *file.space;
  nlohmann::json rows = nlohmann::json::array();
  ModelSpec spec;
  for (const auto& a : file.architectures) {
    space.lower(a, spec);
    nlohmann::json row = counts(spec);
    row["layers"] = spec.num_layers;
    row["hash"] = fmt::format("{:016x}", a.hash());
    row["summary"] = space.summary(a);
    row["architecture"] = space.to_json(a);
    rows.push_back(std::move(row));
  }
  if (o.json) {
    const nlohmann::json out{{"file", o.from},
                             {"kind", file.kind},
                             {"space", space.name()},
                             {"protocol", space.protocol()},
                             {"architectures", rows}};
    fmt::print("{}\n", out.dump(1));
    return 0;
  }
  fmt::print("{} ({}: space {}, protocol {})\n", o.from, file.kind, space.name(), space.protocol());
  fmt::print("{:>15} {:>15} {:>15} {:>15} {:>12}  {}\n", "total", "non-embedding", "attention", "ffn", "norm",
             "architecture");
  for (const auto& row : rows) {
    fmt::print("{:>15} {:>15} {:>15} {:>15} {:>12}  {}\n", row["total"].get<std::int64_t>(),
               row["non_embedding"].get<std::int64_t>(), row["attention"].get<std::int64_t>(),
               row["ffn"].get<std::int64_t>(), row["norm"].get<std::int64_t>(), row["summary"].get<std::string>());
  }
  return 0;
}

// --check: the file's own counts against every protocol of its space; exit 1 when
// the chosen protocol does not reproduce every record.
int check_counts(const CliParams& o, const Benchmark& b) {
  ZEROLM_CHECK(has_published_counts(b), "{}: --check: the records publish no parameter counts to compare", o.benchmark);
  const auto checks = check_published_counts_all(b);
  const std::string chosen(b.space->protocol());
  bool chosen_ok = false;
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& c : checks) {
    if (c.protocol == chosen) chosen_ok = c.all();
    rows.push_back({{"protocol", c.protocol},
                    {"records", c.checked},
                    {"reproduced", c.reproduced},
                    {"first_mismatch", c.first_mismatch}});
  }
  if (o.json) {
    fmt::print(
        "{}\n",
        nlohmann::json{{"benchmark", o.benchmark}, {"protocol", chosen}, {"reproduces", chosen_ok}, {"protocols", rows}}
            .dump(1));
  } else {
    fmt::print("{}: published parameter counts (attention, FFN, non-embedding, total where given) reproduced\n",
               o.benchmark);
    for (const auto& c : checks) {
      fmt::print("  {:<10} {:>5} of {:<5} records{}{}\n", c.protocol, c.reproduced, c.checked,
                 c.protocol == chosen ? "  (chosen)" : "",
                 c.first_mismatch.empty() ? "" : "; first: " + c.first_mismatch);
    }
    if (!chosen_ok) fmt::print("protocol {} does not reproduce every record's counts\n", chosen);
  }
  return chosen_ok ? 0 : 1;
}

}  // namespace

int run_params(const CliParams& o) {
  ZEROLM_CHECK(o.benchmark.empty() != o.from.empty(), "zerolm params needs exactly one of --benchmark, --from");
  if (!o.from.empty()) return params_from_file(o);
  const Benchmark b = load_benchmark(o.benchmark, BenchmarkOptions{o.space.protocol, o.benchmark_format, o.baselines});
  if (o.check_counts) return check_counts(o, b);

  nlohmann::json rows = nlohmann::json::array();
  ModelSpec spec;
  for (const auto& r : b.records) {
    b.space->lower(r.architecture, spec);
    const auto total = spec.total_parameters();
    // The architecture as read (hash and canonical JSON): what an exported record reads back to.
    rows.push_back({{"id", r.raw.contains("id") ? r.raw["id"] : nlohmann::json(r.id)},
                    {"total", total},
                    {"non_embedding", total - spec.parameters_with_role(Role::embedding)},
                    {"attention", spec.parameters_with_role(Role::attention)},
                    {"ffn", spec.parameters_with_role(Role::ffn)},
                    {"hash", fmt::format("{:016x}", r.architecture.hash())},
                    {"architecture", b.space->to_json(r.architecture)}});
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
