// zerolm score: score a seeded random sample of a space, print the best.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <numeric>
#include <unordered_set>

#include "engine/calibration/calibrate.hpp"
#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/scoring/evaluate.hpp"

namespace zerolm::cli {

namespace {
struct ScoreOptions {
  std::string space = "flexibert";
  std::string protocol;
  std::string proxy = "zerolm";
  std::string mode = "expected";
  std::string device = "auto";
  AlphaOption alpha;
  std::size_t sample = 100000;
  std::string from;  // score the architectures of an export (JSON or YAML) instead of a sample
  std::uint64_t seed = 0;
  std::size_t top = 10;
  bool include_embeddings = false;
  bool include_norms = false;
  bool json = false;
  SpectralCliOptions spectral;
};

// The architectures of a `zerolm export` file (a list of objects with an
// `architecture` field, or bare architectures), validated by the space.
std::vector<Architecture> read_architectures(const SearchSpace& space, const std::string& path) {
  const std::string text = read_text_file(path);
  nlohmann::json list;
  try {
    list = path.ends_with(".json") ? nlohmann::json::parse(text) : parse_yaml(text);
  } catch (const nlohmann::json::parse_error& e) {
    ZEROLM_FAIL("{}: malformed JSON at byte {}: {}", path, e.byte, e.what());
  } catch (const Error& e) {
    throw e.with_context(path);
  }
  ZEROLM_CHECK(list.is_array(), "{}: expected a list of architectures", path);
  std::vector<Architecture> out;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& item = list[i];
    try {
      if (item.is_object() && item.contains("space")) {
        ZEROLM_CHECK(item["space"] == space.name(), "field 'space': value {} is not {}", item["space"].dump(), space.name());
      }
      out.push_back(space.from_json(item.is_object() && item.contains("architecture") ? item["architecture"] : item));
    } catch (const Error& e) {
      throw e.with_context(fmt::format("{}: entry {}", path, i));
    }
  }
  ZEROLM_CHECK(!out.empty(), "{}: no architectures", path);
  return out;
}

int run_score(const ScoreOptions& o) {
  ZEROLM_CHECK(o.sample >= 1, "--sample: value {} must be at least 1", o.sample);
  SpaceOptions space_options;
  space_options.protocol = o.protocol;
  const auto space = make_search_space(o.space, space_options);
  ProxyOptions options;
  options.mode = parse_proxy_mode(o.mode);
  options.backend = resolve_device(o.device, options.mode == ProxyMode::sampled);
  options.seed = o.seed;
  options.include_embeddings = o.include_embeddings;
  options.include_norms = o.include_norms;
  o.spectral.apply(options);
  std::string alpha_source = "--alpha";
  if (proxy_combines_modules(o.proxy)) {
    if (o.alpha.heuristic()) {
      options.alpha = default_heuristic_alpha(*space, options, o.proxy);
      alpha_source = "heuristic";
    } else {
      options.alpha = o.alpha.value();
    }
  }
  const auto proxy = make_proxy(o.proxy, options);

  const auto started = std::chrono::steady_clock::now();
  const auto sample = o.from.empty() ? sample_architectures(*space, o.sample, o.seed) : read_architectures(*space, o.from);
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
    nlohmann::json out{{"space", o.space},     {"protocol", space->protocol()}, {"proxy", o.proxy},
                       {"mode", o.mode},       {"alpha", options.alpha},        {"alpha_source", alpha_source},
                       {"sample", o.sample},   {"seed", o.seed},                {"seconds", seconds},
                       {"top", top}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("space {} (protocol {}), proxy {} ({} mode", o.space, space->protocol(), o.proxy, o.mode);
  if (proxy_combines_modules(o.proxy)) fmt::print(", alpha {:.3f} from {}", options.alpha, alpha_source);
  if (o.from.empty()) {
    fmt::print("), {} sampled architectures (seed {}) in {:.2f} s\n", o.sample, o.seed, seconds);
  } else {
    fmt::print("), {} architectures of {} in {:.2f} s\n", sample.size(), o.from, seconds);
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
}  // namespace

Command add_score_command(CLI::App& app) {
  auto o = std::make_shared<ScoreOptions>();
  CLI::App* sub = app.add_subcommand("score", "Score a seeded random sample of a search space and print the best");
  sub->add_option("--space", o->space, "Search space (flexibert|gpt2)")->capture_default_str();
  sub->add_option("--protocol", o->protocol,
                  "Network protocol: flexibert paper|pytorch|trained, gpt2 lts|hwgpt|gpt2 (default: the space's first)");
  sub->add_option("--proxy", o->proxy, "Proxy (zerolm|spectral|params)")->capture_default_str();
  o->spectral.add_to(sub);
  sub->add_option("--mode", o->mode, "expected (closed form) or sampled (Philox initial weights)")->capture_default_str();
  sub->add_option("--alpha", o->alpha.text, "ZeroLM attention weight, or 'heuristic' (data-free)")->capture_default_str();
  sub->add_option("--sample", o->sample, "Number of architectures to sample")->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed of the sample and of sampled weights")->capture_default_str();
  sub->add_option("--from", o->from, "Score the architectures of this file (a zerolm export, JSON or YAML) instead of a sample");
  sub->add_option("--top", o->top, "How many of the best to print")->capture_default_str();
  sub->add_flag("--include-embeddings", o->include_embeddings, "Add embedding matrices' capacity to the ZeroLM score");
  sub->add_flag("--include-norms", o->include_norms, "Add LayerNorm weights' capacity to the ZeroLM score");
  sub->add_option("--device", o->device, kDeviceHelp)->capture_default_str();
  sub->add_flag("--json", o->json, "Print one JSON object");
  return {sub, [o] { return run_score(*o); }};
}

}  // namespace zerolm::cli
