// zerolm score: score a seeded random sample of a space, print the best.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <numeric>
#include <unordered_set>

#include "engine/calibration/calibrate.hpp"
#include "engine/cli/commands.hpp"
#include "engine/config/architecture_files.hpp"
#include "engine/core/error.hpp"
#include "engine/core/resources.hpp"
#include "engine/scoring/evaluate.hpp"

namespace zerolm::cli {

int run_score(const CliParams& o) {
  ZEROLM_CHECK(o.sample >= 1, "--sample: value {} must be at least 1", o.sample);
  ZEROLM_CHECK(o.from.empty() || !o.was_given("--sample"),
               "--sample {} and --from {} exclude each other: --from scores the file's architectures", o.sample,
               o.from);
  // Each sampled architecture is held with its genes and breakdown (about 1 KiB).
  if (o.from.empty()) check_fits_in_memory(static_cast<double>(o.sample) * 1024.0, fmt::format("--sample {}", o.sample));
  std::unique_ptr<SearchSpace> space = make_search_space(o.space.name, o.space.options());
  // A config document (a Hugging Face config.json) names its own space and
  // protocol; --space or --protocol, when given, must agree with it.
  std::vector<Architecture> given;
  if (!o.from.empty()) {
    ArchitectureFile file =
        read_architecture_file(o.from, space.get(), o.was_given("--space") || o.was_given("--protocol"));
    if (file.space) space = std::move(file.space);
    given = std::move(file.architectures);
  }
  const ProxySetting setting = o.proxy.setting(o.seed);
  ProxyOptions options = setting.options;
  options.backend = resolve_device(o, options.mode);
  const bool combines_modules = setting.descriptor->combines_modules;
  const std::string alpha_source = setting.alpha.kind == AlphaChoice::Kind::heuristic ? "heuristic" : "--alpha";
  apply_alpha(setting.alpha, *space, o.proxy.name, options);
  const auto proxy = make_proxy(o.proxy.name, options);

  const auto started = std::chrono::steady_clock::now();
  const auto sample = o.from.empty() ? sample_architectures(*space, o.sample, o.seed) : given;
  const auto breakdowns = evaluate(*space, *proxy, sample);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::vector<std::size_t> order(sample.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return breakdowns[a].score > breakdowns[b].score; });
  // The best distinct architectures (a random sample repeats some).
  std::vector<std::size_t> best;
  std::unordered_set<std::uint64_t> seen;
  for (std::size_t i : order) {
    if (best.size() == o.top) break;
    if (seen.insert(sample[i].hash()).second) best.push_back(i);
  }

  nlohmann::json top = nlohmann::json::array();
  ModelSpec spec;
  for (std::size_t rank = 0; rank < best.size(); ++rank) {
    const std::size_t i = best[rank];
    space->lower(sample[i], spec);
    const auto total = spec.total_parameters();
    top.push_back({{"rank", rank + 1},
                   {"score", breakdowns[i].score},
                   {"attention", breakdowns[i].module_total(Role::attention)},
                   {"ffn", breakdowns[i].module_total(Role::ffn)},
                   {"parameters", total},
                   {"non_embedding_parameters", total - spec.parameters_with_role(Role::embedding)},
                   {"hash", fmt::format("{:016x}", sample[i].hash())},
                   {"summary", space->summary(sample[i])},
                   {"architecture", space->to_json(sample[i])}});
  }
  if (o.json) {
    nlohmann::json out{{"space", space->name()}, {"protocol", space->protocol()},
                       {"proxy", o.proxy.name},  {"mode", o.proxy.mode},
                       {"alpha", options.alpha}, {"alpha_source", alpha_source},
                       {"sample", o.sample},     {"seed", o.seed},
                       {"seconds", seconds},     {"top", top}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("space {} (protocol {}), proxy {}", space->name(), space->protocol(), o.proxy.describe(options));
  if (combines_modules) fmt::print(", alpha {:.3f} from {}", options.alpha, alpha_source);
  if (o.from.empty()) {
    fmt::print(", {} sampled architectures (seed {}) in {:.2f} s\n", o.sample, o.seed, seconds);
  } else {
    fmt::print(", {} architectures of {} in {:.2f} s\n", sample.size(), o.from, seconds);
  }
  fmt::print("(--json prints each architecture's full JSON)\n\n");
  fmt::print("{:>4}  {:>14}  {:>12}  {:>14}  {}\n", "rank", "score", "parameters", "non-embedding", "architecture");
  for (const auto& row : top) {
    fmt::print("{:>4}  {:>14.6g}  {:>12}  {:>14}  {}\n", row["rank"].get<int>(), row["score"].get<double>(),
               row["parameters"].get<std::int64_t>(), row["non_embedding_parameters"].get<std::int64_t>(),
               row["summary"].get<std::string>());
  }
  return 0;
}

}  // namespace zerolm::cli
