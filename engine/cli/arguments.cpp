#include "engine/cli/arguments.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <type_traits>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/parse_number.hpp"
#include "engine/export/export_formats.hpp"
#include "engine/latency/latency_model.hpp"
#include "engine/latency/memory_model.hpp"
#include "engine/scoring/evaluate.hpp"
#include "kernels/weight_statistics.hpp"

namespace zerolm::cli {

namespace {

using C = Command;

// One option: how it attaches to a subcommand, and the subcommands it belongs to;
// a shared flag may say per subcommand what it means there and its default.
struct Argument {
  std::function<CLI::Option*(CLI::App&, CliParams&)> attach;
  std::vector<Command> commands;
  std::vector<Command> required_on;
  std::vector<std::pair<Command, std::string>> help_on{};
  std::vector<std::pair<Command, std::string>> default_on{};

  Argument required(std::vector<Command> on) && {
    required_on = std::move(on);
    return std::move(*this);
  }
  // The help `text` on `commands` instead of the shared one.
  Argument help(std::vector<Command> on, const std::string& text) && {
    for (Command c : on) help_on.emplace_back(c, text);
    return std::move(*this);
  }
  // Values outside [minimum, maximum] (and NaN) are refused when the command line
  // is parsed: every user-sized count is bounded where the option is defined.
  Argument range(double minimum, double maximum) && {
    auto attach_plain = std::move(attach);
    attach = [=](CLI::App& app, CliParams& p) {
      CLI::Option* o = attach_plain(app, p);
      o->check(CLI::Validator(
          [=](std::string& text) {
            const auto value = parse_real(text);
            return value && *value >= minimum && *value <= maximum
                       ? std::string()
                       : fmt::format("value {} is not in {}..{}", text, minimum, maximum);
          },
          fmt::format("{}..{}", minimum, maximum), "range"));
      return o;
    };
    return std::move(*this);
  }
  // Only whole numbers (a batch of 1.5 is no batch); with range() for the bounds.
  Argument whole() && {
    auto attach_plain = std::move(attach);
    attach = [=](CLI::App& app, CliParams& p) {
      CLI::Option* o = attach_plain(app, p);
      o->check(CLI::Validator(
          [](std::string& text) {
            const auto value = parse_real(text);
            return value && std::floor(*value) == *value ? std::string()
                                                         : fmt::format("value {} is not a whole number", text);
          },
          "", "whole"));
      return o;
    };
    return std::move(*this);
  }
  // The default shown (and applied by the command's runner) on `command`; empty: none.
  Argument default_value(Command command, std::string text) && {
    default_on.emplace_back(command, std::move(text));
    return std::move(*this);
  }
};

// An option whose value is `field(params)`, its default shown in --help.
template <typename T>
struct is_unsigned_option : std::is_unsigned<T> {};
template <typename T>
struct is_unsigned_option<std::vector<T>> : std::is_unsigned<T> {};

template <typename Field>
Argument option(std::string flag, Field field, std::string help, std::vector<Command> commands,
                bool show_default = true) {
  return {[=](CLI::App& app, CliParams& p) {
            auto& value = field(p);
            auto* o = app.add_option(flag, value, help);
            if (show_default) o->capture_default_str();
            // An empty value (`--out ''`, `--device ''`) is never what was meant.
            using Value = std::remove_reference_t<decltype(value)>;
            if constexpr (std::is_same_v<Value, std::string> || std::is_same_v<Value, std::vector<std::string>>) {
              o->check(CLI::Validator(
                  [](std::string& text) { return text.empty() ? std::string("the value is empty") : std::string(); },
                  "", "not empty"));
            }
            // CLI11 would wrap "-1" into a huge unsigned value.
            if constexpr (is_unsigned_option<std::remove_reference_t<decltype(value)>>::value) {
              o->check(CLI::Validator(
                  [](std::string& text) {
                    const auto first = text.find_first_not_of(" \t");
                    return first != std::string::npos && text[first] == '-'
                               ? "value " + text + " is negative; expected a whole number >= 0"
                               : std::string();
                  },
                  "", "not negative"));
            }
            return o;
          },
          std::move(commands),
          {}};
}

template <typename Field>
Argument flag(std::string name, Field field, std::string help, std::vector<Command> commands) {
  return {[=](CLI::App& app, CliParams& p) { return app.add_flag(name, field(p), help); }, std::move(commands), {}};
}

std::string join_names(const std::vector<std::string>& names, const char* separator = "|") {
  std::string text;
  for (const auto& n : names) text += (text.empty() ? "" : separator) + n;
  return text;
}

// Which proxies take an option, for its help text.
std::string proxies_taking(const std::string& key) {
  std::vector<std::string> names;
  for (const auto& d : proxies()) {
    if (d.option(key) != nullptr) names.push_back(d.name);
  }
  return join_names(names, ", ");
}

std::vector<Argument> arguments() {
  const std::vector<Command> proxy_commands{C::score, C::rank, C::enumerate, C::calibrate, C::modes};
  std::vector<Argument> all{
      // Space group.
      option("--space", [](CliParams & p) -> auto& { return p.space.name; },
             fmt::format("Search space ({})", join_names(search_space_names())),
             {C::score, C::calibrate, C::enumerate, C::latency_profile})
          .default_value(C::latency_profile, "gpt2"),
      option(
          "--protocol", [](CliParams & p) -> auto& { return p.space.protocol; },
          fmt::format("Network protocol: {} (default: the space's first, or the benchmark format's)", protocols_help()),
          {C::score, C::rank, C::params, C::calibrate, C::modes, C::enumerate, C::latency_fit, C::latency_eval,
           C::latency_profile, C::memory_fit, C::memory_eval},
          false),
      option(
          "--choices", [](CliParams & p) -> auto& { return p.space.choices; },
          "Choice overrides as a JSON object, e.g. '{\"layers\": [2, 3]}' (keys: zerolm info)",
          {C::score, C::enumerate}, false),
      // Proxy group; each proxy's own options are added below from the registry.
      option(
          "--proxy", [](CliParams & p) -> auto& { return p.proxy.name; }, fmt::format("Proxy ({})", proxy_names_help()),
          proxy_commands)
          .help({C::calibrate}, fmt::format("Proxy whose alpha is chosen ({})", module_combining_proxies_help())),
      option("--mode", [](CliParams & p) -> auto& { return p.proxy.mode; },
             "expected (closed form) or sampled (the drawn initial weights)", {C::score, C::rank, C::calibrate}),
      option(
          "--device", [](CliParams & p) -> auto& { return p.proxy.device; },
          "Where sampled weights are drawn: auto (GPU when present), cpu, cuda",
          {C::score, C::rank, C::calibrate, C::modes, C::search, C::sweep}, false)
          .help({C::search, C::sweep},
                "Where sampled weights are drawn: auto (GPU when present), cpu, cuda; overrides the config's"),
      option("--alpha", [](CliParams & p) -> auto& { return p.proxy.alpha; },
             fmt::format("Attention weight of {} in [-100, 100], or 'heuristic' (data-free)",
                         module_combining_proxies_help()),
             {C::score, C::rank, C::enumerate}),
      option("--alpha", [](CliParams & p) -> auto& { return p.alphas; }, "Alphas to compare the modes at", {C::modes}),
      option("--seed", [](CliParams & p) -> auto& { return p.seed; },
             "Seed of every random draw: samples, calibration subsets, sampled and exported initial weights",
             {C::score, C::rank, C::calibrate, C::modes, C::export_run, C::latency_profile}),
      // Calibration group.
      option(
          "--calibrate-on", [](CliParams & p) -> auto& { return p.calibration.file; },
          "Choose alpha by Kendall tau on --sample records of this file (left out of the evaluation when it is "
          "the benchmark itself)",
          {C::rank}, false),
      option("--sample", [](CliParams & p) -> auto& { return p.calibration.sample; },
             "Calibration records drawn per repeat (K)", {C::rank, C::calibrate})
          .range(1, 1e7),
      option("--repeats", [](CliParams & p) -> auto& { return p.calibration.repeats; },
             "Calibration repeats (mean and standard deviation)", {C::rank})
          .range(1, 10000),
      // Input and output.
      option(
          "--benchmark", [](CliParams & p) -> auto& { return p.benchmark; },
          "Benchmark file or folder (ground truth or measured latencies; its format is detected)",
          {C::rank, C::params, C::calibrate, C::modes, C::latency_fit, C::latency_eval, C::memory_fit, C::memory_eval},
          false)
          .required({C::rank, C::modes, C::latency_fit, C::latency_eval, C::memory_fit, C::memory_eval}),
      flag("--check", [](CliParams & p) -> auto& { return p.check_counts; },
           "Compare the benchmark's own parameter counts with every protocol of its space (exit 1 when the "
           "chosen protocol does not reproduce them all)",
           {C::params}),
      option(
          "--format", [](CliParams & p) -> auto& { return p.benchmark_format; },
          fmt::format("The benchmark's format, instead of detecting it ({})", benchmark_format_names()),
          {C::rank, C::params, C::calibrate, C::modes, C::latency_fit, C::latency_eval, C::memory_fit, C::memory_eval},
          false),
      option(
          "--baselines", [](CliParams & p) -> auto& { return p.baselines; },
          "Published proxies of the benchmark's records from this file (NAS-Bench-BERT: "
          "BERT_results_activation.csv, read from beside the benchmark when not given)",
          {C::rank, C::params}, false),
      flag("--json", [](CliParams & p) -> auto& { return p.json; }, "Print the result as JSON",
           {C::score, C::rank, C::params, C::calibrate, C::modes, C::enumerate, C::latency_eval, C::latency_profile,
            C::bench, C::memory_eval}),
      option(
          "--out", [](CliParams & p) -> auto& { return p.out; }, "Where results go",
          {C::search, C::sweep, C::export_run, C::report, C::latency_fit, C::latency_profile, C::memory_fit}, false)
          .required({C::latency_fit, C::latency_profile, C::memory_fit})
          .help({C::search}, "The run folder (default: the config's 'output')")
          .help({C::sweep}, "The sweep folder (default: the sweep file's 'output')")
          .help({C::export_run}, "A file ('-': standard output) or, for folder formats, a folder")
          .default_value(C::export_run, "-")
          .help({C::report}, "The HTML file")
          .default_value(C::report, "report.html")
          .help({C::latency_fit}, "MODEL.json: the fitted latency model")
          .help({C::latency_profile}, "MODEL.json: the profiled lut latency model")
          .help({C::memory_fit}, "MODEL.json: the fitted memory model"),
      // score and enumerate.
      option("--sample", [](CliParams & p) -> auto& { return p.sample; }, "Number of architectures to sample",
             {C::score})
          .range(1, 1e7),
      option(
          "--from", [](CliParams & p) -> auto& { return p.from; },
          fmt::format("Architectures from this file, instead of a sample: a zerolm export (JSON or YAML) or a "
                      "config document ({})",
                      document_kinds_help()),
          {C::score, C::params}, false)
          .help({C::params}, fmt::format("Architectures from this file, instead of --benchmark: a zerolm export "
                                         "(JSON or YAML) or a config document ({})",
                                         document_kinds_help())),
      option("--top", [](CliParams & p) -> auto& { return p.top; }, "How many of the best to print",
             {C::score, C::enumerate})
          .range(0, 1e8),
      option("--show-front", [](CliParams & p) -> auto& { return p.show_front; },
             "Front rows to print (evenly spaced; --json prints all)", {C::enumerate}),
      option("--max-architectures", [](CliParams & p) -> auto& { return p.max_architectures; },
             "Refuse a space of more architectures than this (enumeration visits every one)", {C::enumerate})
          .range(1, 1e15),
      option(
          "--reference-parameters", [](CliParams & p) -> auto& { return p.reference_parameters; },
          "Hypervolume reference in parameters (default: the largest architecture of the space)", {C::enumerate},
          false),
      option(
          "--report", [](CliParams & p) -> auto& { return p.report; },
          "Also write an HTML report: proxy score vs ground truth, with the correlations", {C::rank}, false),
      // search.
      option(
          "config", [](CliParams & p) -> auto& { return p.config; }, "Search config (YAML); see experiments/",
          {C::search}, false),
      option(
          "--set", [](CliParams & p) -> auto& { return p.overrides; },
          "Override a config key: key.path=value (repeatable)", {C::search}, false),
      option(
          "--resume", [](CliParams & p) -> auto& { return p.resume; },
          "Continue the run stored in this folder (with --set search.max_evaluations=N or search.max_seconds=S: "
          "extend a finished run to that budget)",
          {C::search}, false),
      flag("--overwrite", [](CliParams & p) -> auto& { return p.overwrite; },
           "Replace a finished or stopped run in the output folder (refused while another process runs it)",
           {C::search}),
      flag("--log-json", [](CliParams & p) -> auto& { return p.log_json; },
           "One JSON line per generation on stdout (default when not on a terminal)", {C::search}),
      flag("--distributed", [](CliParams & p) -> auto& { return p.distributed; },
           "Under mpirun/srun: an island model, one island per rank, rank 0 writing the run store", {C::search}),
      // export and report.
      option(
          "directory", [](CliParams & p) -> auto& { return p.directory; }, "Run folder", {C::export_run, C::report},
          false)
          .required({C::export_run, C::report})
          .help({C::report}, "Run folder or sweep folder"),
      flag("--pareto", [](CliParams & p) -> auto& { return p.pareto; }, "The Pareto archive", {C::export_run}),
      option(
          "--top", [](CliParams & p) -> auto& { return p.export_top; }, "The K best distinct architectures evaluated",
          {C::export_run}, false),
      flag("--population", [](CliParams & p) -> auto& { return p.population; }, "The current population, oldest first",
           {C::export_run}),
      option(
          "--island", [](CliParams & p) -> auto& { return p.island; },
          "A distributed run's island: its own archive (--pareto) or population", {C::export_run}, false),
      option("--format", [](CliParams & p) -> auto& { return p.format; }, export_formats_help(), {C::export_run}),
      flag("--weights", [](CliParams & p) -> auto& { return p.weights; },
           "pytorch: also model.safetensors, the initial weights the sampled mode draws (run seed unless --seed)",
           {C::export_run}),
      option("--mark-top", [](CliParams & p) -> auto& { return p.mark_top; },
             "Ring the K best architectures on the front", {C::report}),
      // sweep.
      option(
          "sweep", [](CliParams & p) -> auto& { return p.sweep; },
          "Sweep file (YAML): base config, axes; see experiments/sweeps/", {C::sweep}, false)
          .required({C::sweep}),
      flag("--force", [](CliParams & p) -> auto& { return p.force; },
           "Run a sweep of more than 10,000 points (refused otherwise: a typo in an axis should not start them)",
           {C::sweep}),
      flag("--restart-changed", [](CliParams & p) -> auto& { return p.restart_changed; },
           "Start again the points whose stored run was made with another config (refused otherwise)", {C::sweep}),
      // calibrate.
      option("--strategy", [](CliParams & p) -> auto& { return p.strategy; },
             "sample (Kendall tau on K trained records) or heuristic (data-free)", {C::calibrate}),
      option("--architectures", [](CliParams & p) -> auto& { return p.architectures; },
             "heuristic: random architectures", {C::calibrate})
          .range(1, 1e7),
      // modes.
      option("--limit", [](CliParams & p) -> auto& { return p.limit; }, "Use only the first N records (0: all)",
             {C::modes}),
      // latency.
      option("--subset", [](CliParams & p) -> auto& { return p.subset; },
             "Records used: even or odd record indices (half each), or all",
             {C::latency_fit, C::latency_eval, C::memory_fit, C::memory_eval}),
      option("--model", [](CliParams & p) -> auto& { return p.model; },
             fmt::format("The model kind to fit ({})", fitted_latency_model_names()), {C::latency_fit, C::latency_eval})
          .help({C::latency_eval}, "MODEL.json from zerolm latency fit")
          .default_value(C::latency_eval, "")
          .required({C::latency_eval}),
      option("--model", [](CliParams & p) -> auto& { return p.model; },
             fmt::format("The memory model kind to fit ({})", memory_model_names()), {C::memory_fit, C::memory_eval})
          .help({C::memory_eval}, "MODEL.json from zerolm memory fit")
          .default_value(C::memory_eval, "")
          .required({C::memory_eval}),
      option("--device", [](CliParams & p) -> auto& { return p.records_device; },
             "The device the records were measured on (names the model)",
             {C::latency_fit, C::latency_profile, C::memory_fit})
          .help({C::latency_profile}, "Where the layers are timed: cpu or cuda")
          .required({C::latency_profile}),
      option("--batch", [](CliParams & p) -> auto& { return p.batch; }, "Batch size of the forward pass",
             {C::latency_fit, C::latency_profile})
          .range(1, 1e6)
          .whole(),
      option("--sequence", [](CliParams & p) -> auto& { return p.sequence; }, "Sequence length of the forward pass",
             {C::latency_fit, C::latency_profile})
          .range(1, 1e7)
          .whole(),
      option("--samples", [](CliParams & p) -> auto& { return p.samples; }, "Architectures profiled layer by layer",
             {C::latency_profile})
          .range(1, 100000),
      option("--check", [](CliParams & p) -> auto& { return p.check; },
             "Further architectures timed whole, to check the table", {C::latency_profile})
          .range(0, 100000),
      option("--warmup", [](CliParams & p) -> auto& { return p.warmup; }, "Untimed passes per architecture",
             {C::latency_profile})
          .range(0, 10000),
      option("--repeats", [](CliParams & p) -> auto& { return p.repeats; }, "Timed passes per architecture (median)",
             {C::latency_profile})
          .range(1, 10000),
      option("--threads", [](CliParams & p) -> auto& { return p.threads; }, "LibTorch's CPU threads (0: its default)",
             {C::latency_profile, C::bench})
          .range(0, 4096)
          .help({C::bench}, "CPU threads of the parallel rows (0: all cores)"),
      // bench.
      option("--suite", [](CliParams & p) -> auto& { return p.suite; },
             "proxy: lower + score per space, mode and thread count; kernels: whole populations on every backend, "
             "LibTorch and the hardware limits",
             {C::bench}),
      option("--populations", [](CliParams & p) -> auto& { return p.populations; }, "kernels suite: population sizes",
             {C::bench})
          .range(1, 1e8),
      option("--seconds", [](CliParams & p) -> auto& { return p.seconds; },
             "Measuring time per row (kernels: per CPU or LibTorch row)", {C::bench})
          .range(0.001, 3600),
  };
  // Every proxy's own options, from the proxy registry.
  for (const ProxyOptionSpec* spec : all_proxy_options()) {
    const std::string key = spec->key;
    const std::string help =
        fmt::format("{} (proxies: {}; default {})", spec->help, proxies_taking(key), spec->get(ProxyOptions{}).dump());
    const std::string name = spec->cli_flag();
    if (spec->flag) {
      all.push_back({[=](CLI::App& app, CliParams& p) {
                       return app.add_flag_function(
                           name, [&p, key](std::int64_t) { p.proxy.values[key] = "true"; }, help);
                     },
                     proxy_commands,
                     {}});
    } else {
      all.push_back({[=](CLI::App& app, CliParams& p) {
                       return app.add_option_function<std::string>(
                           name, [&p, key](const std::string& v) { p.proxy.values[key] = v; }, help);
                     },
                     proxy_commands,
                     {}});
    }
  }
  return all;
}

bool contains(const std::vector<Command>& commands, Command c) {
  return std::find(commands.begin(), commands.end(), c) != commands.end();
}

}  // namespace

SpaceOptions SpaceArgs::options() const {
  SpaceOptions o;
  o.protocol = protocol;
  if (!choices.empty()) {
    o.choices = parse_json(choices, "--choices");
    ZEROLM_CHECK(o.choices.is_object(), "--choices: value '{}' is not a JSON object", choices);
  }
  return o;
}

ProxySetting ProxyArgs::setting(std::uint64_t seed) const {
  std::vector<ProxyValue> given{{"mode", mode, "--mode"}};
  // The heuristic is the default, so it is not an alpha the user gave.
  if (alpha != "heuristic") given.push_back({"alpha", alpha, "--alpha"});
  for (const auto& [key, text] : values) {
    const ProxyOptionSpec* spec = nullptr;
    for (const ProxyOptionSpec* o : all_proxy_options()) {
      if (o->key == key) spec = o;
    }
    ZEROLM_ASSERT(spec != nullptr, "flag for proxy option '{}' without a registry entry", key);
    given.push_back({key, text, spec->cli_flag()});
  }
  ProxySetting s = parse_proxy_setting(name, "--proxy", given);
  s.options.seed = seed;
  return s;
}

std::string ProxyArgs::describe(const ProxyOptions& options) const {
  const ProxyDescriptor& descriptor = proxy_descriptor(name);
  std::string text = fmt::format("{} ({} mode", name, proxy_mode_name(options.mode));
  for (const auto& spec : descriptor.options) {
    if (spec.flag) continue;
    const nlohmann::json value = spec.get(options);
    text += fmt::format(", {} {}", spec.key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  return text + ")";
}

void attach_arguments(Command command, CLI::App& sub, CliParams& params) {
  for (const Argument& a : arguments()) {
    if (!contains(a.commands, command)) continue;
    CLI::Option* o = a.attach(sub, params);
    if (contains(a.required_on, command)) o->required();
    for (const auto& [on, text] : a.help_on) {
      if (on == command) o->description(text);
    }
    for (const auto& [on, text] : a.default_on) {
      if (on == command) o->default_str(text);
    }
  }
}

void record_given(const CLI::App& sub, CliParams& params) {
  for (const CLI::Option* o : sub.get_options()) {
    if (o->count() > 0) params.given.insert(o->get_name());
  }
}

const kernels::WeightStatisticsBackend* resolve_device(const std::string& device, const std::string& proxy,
                                                       ProxyMode mode) {
  std::string picked;
  const kernels::WeightStatisticsBackend& backend =
      sampled_weights_backend(device.empty() ? "auto" : device, proxy, &picked);
  if (mode == ProxyMode::sampled && proxy_descriptor(proxy).sampled_kernels) fmt::print(stderr, "zerolm: {}\n", picked);
  return &backend;
}

const kernels::WeightStatisticsBackend* resolve_device(const CliParams& params, ProxyMode mode) {
  const ProxyDescriptor& d = proxy_descriptor(params.proxy.name);
  ZEROLM_CHECK(!params.was_given("--device") || (mode == ProxyMode::sampled && d.sampled_kernels),
               "--device {}: proxy {} {} draws no weights, so nothing runs where --device says (pass --mode sampled, "
               "or leave --device out)",
               params.proxy.device, d.name, d.sampled_kernels ? "in the expected mode" : "reads shapes only and");
  return resolve_device(params.proxy.device, params.proxy.name, mode);
}

}  // namespace zerolm::cli
