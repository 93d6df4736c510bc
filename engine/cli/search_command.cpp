// zerolm search CONFIG.yaml | --resume DIR: a whole architecture search from one
// config, checkpointed every generation, resumable after a crash.
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <memory>
#include <optional>

#include "engine/calibration/calibrate.hpp"
#include "engine/cli/commands.hpp"
#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/store/run_store.hpp"

namespace zerolm::cli {

namespace {
struct SearchOptions {
  std::string config;
  std::vector<std::string> overrides;
  std::string out;
  std::string resume;
  std::string device;
  bool log_json = false;
};

void progress(const SearchRunConfig& c, const GenerationRecord& r, bool json, double rate) {
  const double total = static_cast<double>(c.search.max_evaluations);
  const double eta = rate > 0 ? (total - static_cast<double>(r.evaluations)) / rate : 0.0;
  if (json) {
    fmt::print("{}\n", nlohmann::json{{"generation", r.generation}, {"evaluations", r.evaluations},
                                       {"evaluations_per_second", rate}, {"best_score", r.best_score},
                                       {"archive_size", r.archive_size}, {"hypervolume", r.hypervolume},
                                       {"seconds", r.seconds}, {"eta_seconds", eta}}
                                .dump());
    std::fflush(stdout);
    return;
  }
  const double fraction = std::min(1.0, static_cast<double>(r.evaluations) / total);
  const int filled = static_cast<int>(fraction * 30);
  fmt::print(stderr, "\r[{}{}] gen {} | {} evals | {:.0f} evals/s | best {:.6g} | archive {} | ETA {:.0f} s   ",
             std::string(static_cast<std::size_t>(filled), '#'), std::string(static_cast<std::size_t>(30 - filled), '.'),
             r.generation, r.evaluations, rate, r.best_score, r.archive_size, eta);
}

int run_search_command(const SearchOptions& o) {
  ZEROLM_CHECK(o.config.empty() != o.resume.empty(), "zerolm search takes a CONFIG.yaml or --resume DIR (one of them)");
  SearchRunConfig c;
  std::optional<RunStore> store;
  if (!o.resume.empty()) {
    store.emplace(RunStore::open(o.resume));
    ZEROLM_CHECK(!store->finished(), "{}: the run has finished; nothing to resume", o.resume);
    c = SearchRunConfig::from_json(store->config());
  } else {
    c = load_search_config(o.config, o.overrides);
    if (!o.out.empty()) c.output = o.out;
    ZEROLM_CHECK(!c.output.empty(), "{}: no output folder: set 'output' in the config or pass --out DIR", o.config);
  }
  if (!o.device.empty()) c.device = o.device;
  const auto space = c.make_space();
  c.protocol = std::string(space->protocol());
  ProxyOptions options = c.proxy_options;
  options.backend = resolve_device(c.device, options.mode == ProxyMode::sampled);
  if (!store) {
    if (c.proxy == "zerolm" && c.heuristic_alpha) {
      options.alpha = default_heuristic_alpha(*space, options);
      // Stored resolved, so a resumed run scores with the very same alpha.
      c.proxy_options.alpha = options.alpha;
      c.heuristic_alpha = false;
    }
    store.emplace(RunStore::create(c.output, c.to_json()));
  }
  const auto proxy = make_proxy(c.proxy, options);
  const auto latency = c.make_latency_model(*space);
  SearchConfig search = c.search;
  search.latency = latency.get();
  SearchRun run(*space, *proxy, search);
  if (store->has_checkpoint()) {
    const auto measured = store->measured_latencies();
    if (latency) {
      for (const auto& [hash, ms] : measured) latency->remember(hash, ms);
    }
    auto [state, cache] = store->load(*space, c.search.objectives);
    run.restore(std::move(state), cache);
    fmt::print(stderr, "zerolm: resuming {} at generation {} ({} evaluations, {} latencies measured earlier)\n",
               store->directory(), run.state().generation, run.state().evaluations, measured.size());
  }
  const bool json = o.log_json || isatty(STDERR_FILENO) == 0;
  std::size_t last_evaluations = run.state().evaluations;
  double last_seconds = run.state().history.empty() ? 0.0 : run.state().history.back().seconds;
  while (!run.finished()) {
    const auto evaluated = run.step();
    store->commit_generation(*space, run.state(), evaluated,
                             latency ? latency->take_new_measurements() : std::vector<std::pair<std::uint64_t, double>>{});
    const auto& r = run.state().history.back();
    if (r.generation % c.log_every == 0 || run.finished()) {
      const double rate = static_cast<double>(r.evaluations - last_evaluations) / std::max(r.seconds - last_seconds, 1e-9);
      progress(c, r, json, rate);
      last_evaluations = r.evaluations;
      last_seconds = r.seconds;
    }
  }
  store->mark_finished();
  const auto& s = run.state();
  if (!json) fmt::print(stderr, "\n");
  fmt::print(stderr, "zerolm: {} evaluations in {:.2f} s ({:.0f}/s); best score {:.6g} ({}); archive {} architectures, "
                     "hypervolume {:.6g}; run stored in {}\n",
             s.evaluations, s.history.back().seconds, static_cast<double>(s.evaluations) / std::max(s.history.back().seconds, 1e-9),
             s.best.score, space->summary(s.best.architecture), s.archive.size(), s.history.back().hypervolume,
             store->directory());
  return 0;
}
}  // namespace

Command add_search_command(CLI::App& app) {
  auto o = std::make_shared<SearchOptions>();
  CLI::App* sub = app.add_subcommand("search", "Run an architecture search from a YAML config (resumable)");
  sub->add_option("config", o->config, "Search config (YAML); see experiments/");
  sub->add_option("--set", o->overrides, "Override a config key: key.path=value (repeatable)");
  sub->add_option("--out", o->out, "Run folder (default: the config's 'output')");
  sub->add_option("--resume", o->resume, "Continue the run stored in this folder");
  sub->add_option("--device", o->device, kDeviceHelp);
  sub->add_flag("--log-json", o->log_json, "One JSON line per generation on stdout (default when not on a terminal)");
  return {sub, [o] { return run_search_command(*o); }};
}

}  // namespace zerolm::cli
