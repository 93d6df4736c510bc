// zerolm export DIR: the Pareto archive, the top-k or the population of a run, as
// JSON or YAML that zerolm reads back.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "engine/cli/commands.hpp"
#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/reference/torch_plugin.hpp"
#include "engine/store/run_store.hpp"
#include "search_spaces/gpt2/gpt2.hpp"

namespace zerolm::cli {

namespace {
struct ExportOptions {
  std::string directory;
  bool pareto = false;
  std::size_t top = 0;
  bool population = false;
  int island = -1;  // a distributed run's island
  std::string format = "json";
  std::string out = "-";
  std::uint64_t seed = 0;  // torchscript: initialisation
};

void write_text(const std::string& path, const std::string& text) {
  if (path == "-") {
    fmt::print("{}", text);
    return;
  }
  std::ofstream file(path);
  ZEROLM_CHECK(file.good(), "{}: cannot write the export", path);
  file << text;
  ZEROLM_CHECK(file.good(), "{}: writing the export failed", path);
}

// A list when layers differ, else the common value (Hugging Face style).
nlohmann::json per_layer(const std::vector<int>& values) {
  for (int v : values) {
    if (v != values.front()) return values;
  }
  return values.front();
}

// What json export writes per architecture (torchscript stores it inside the module too).
nlohmann::json describe(const SearchSpace& space, const SearchRunConfig& c, const EvaluatedArchitecture& e) {
  return {{"space", c.space},         {"protocol", c.protocol},   {"score", e.score},
          {"parameters", e.parameters}, {"latency", e.latency},
          {"hash", fmt::format("{:016x}", e.architecture.hash())}, {"architecture", space.to_json(e.architecture)}};
}

std::filesystem::path numbered(const std::string& out, std::size_t i, const Architecture& a, const char* suffix) {
  return std::filesystem::path(out) / fmt::format("{:02}-{:016x}{}", i, a.hash(), suffix);
}

void create_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  ZEROLM_CHECK(!ec, "{}: cannot create the folder: {}", folder.string(), ec.message());
}

// One initialised TorchScript module per architecture: OUT/NN-HASH.pt.
int write_torchscript(const SearchSpace& space, const SearchRunConfig& c, const std::vector<EvaluatedArchitecture>& chosen,
                      const ExportOptions& o) {
  ZEROLM_CHECK(o.out != "-", "--format torchscript writes one file per architecture: pass --out DIR");
  std::string why;
  const reference::TorchReferenceApi* torch = reference::load_torch_plugin(&why);
  ZEROLM_CHECK(torch != nullptr, "--format torchscript needs LibTorch: {}", why);
  create_folder(o.out);
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const auto path = numbered(o.out, i, chosen[i].architecture, ".pt");
    auto metadata = describe(space, c, chosen[i]);
    metadata["initialisation_seed"] = o.seed;
    torch->export_torchscript(space, chosen[i].architecture, path.string(), o.seed, metadata.dump());
  }
  fmt::print(stderr, "zerolm: {} TorchScript modules under {} (input: token ids [batch, sequence]; "
                     "output: hidden states; the architecture in the extra file zerolm.json)\n",
             chosen.size(), o.out);
  return 0;
}

// One Hugging Face style config.json per GPT-2 architecture: OUT/NN-HASH/config.json.
int write_hf(const SearchSpace& space, const SearchRunConfig& c, const std::vector<EvaluatedArchitecture>& chosen,
             const std::string& out) {
  const auto* gpt2 = dynamic_cast<const Gpt2Space*>(&space);
  ZEROLM_CHECK(gpt2 != nullptr, "--format hf exports gpt2 architectures, not {}", space.name());
  ZEROLM_CHECK(out != "-", "--format hf writes one folder per architecture: pass --out DIR");
  const bool hwgpt = space.protocol() == "hwgpt";
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const Gpt2Architecture a = gpt2->decode(chosen[i].architecture);
    std::vector<int> heads, inner;
    for (const auto& l : a.layers) {
      heads.push_back(l.n_head);
      inner.push_back(l.d_inner);
    }
    nlohmann::json config{{"architectures", {"GPT2LMHeadModel"}},
                          {"model_type", "gpt2"},
                          {"n_layer", a.layers.size()},
                          {"n_embd", a.d_model},
                          {"n_head", per_layer(heads)},
                          {"n_inner", per_layer(inner)},
                          {"activation_function", hwgpt ? "silu" : "gelu_new"},
                          {"initializer_range", Gpt2Space::kInitStd},
                          {"layer_norm_epsilon", 1e-5},
                          {"bias", a.bias},
                          {"zerolm", {{"space", c.space}, {"protocol", c.protocol}, {"score", chosen[i].score},
                                      {"parameters", chosen[i].parameters}, {"architecture", space.to_json(chosen[i].architecture)}}}};
    if (a.adaptive) {
      const auto& e = a.adaptive_embedding;
      config["vocab_size"] = e.n_token;
      config["n_positions"] = e.tgt_len;
      config["tie_word_embeddings"] = true;
      config["adaptive_embedding"] = {{"d_embed", e.d_embed}, {"div_val", e.div_val}, {"cutoffs", e.cutoffs}};
    } else {
      config["vocab_size"] = a.vocab_size;
      config["n_positions"] = Gpt2Space::kGpt2Positions;
      config["tie_word_embeddings"] = !hwgpt;
      if (hwgpt) {
        config["head_size"] = Gpt2Space::kHwGptHeadSize;
        config["position_embedding"] = "rotary";
        config["mlp"] = "llama";
      }
    }
    const auto folder = numbered(out, i, chosen[i].architecture, "");
    create_folder(folder);
    write_text((folder / "config.json").string(), config.dump(2) + "\n");
  }
  fmt::print(stderr, "zerolm: {} config.json files under {}\n", chosen.size(), out);
  return 0;
}

int run_export(const ExportOptions& o) {
  ZEROLM_CHECK((o.pareto ? 1 : 0) + (o.top > 0 ? 1 : 0) + (o.population ? 1 : 0) == 1,
               "zerolm export needs exactly one of --pareto, --top K, --population");
  ZEROLM_CHECK(o.format == "json" || o.format == "yaml" || o.format == "nas-bench-bert" || o.format == "hf" ||
                   o.format == "torchscript",
               "--format: value '{}' is not json|yaml|nas-bench-bert|hf|torchscript", o.format);
  const RunStore store = RunStore::open(o.directory);
  const SearchRunConfig c = SearchRunConfig::from_json(store.config());
  const auto space = c.make_space();
  auto [state, cache] = store.load(*space, c.search.objectives);
  const std::size_t islands = store.islands();
  if (o.island >= 0) {
    // One island of a distributed run: its own archive and population.
    ZEROLM_CHECK(islands > 0, "--island: {} is a single-process run (no islands)", o.directory);
    ZEROLM_CHECK(static_cast<std::size_t>(o.island) < islands, "--island: value {} is not in 0..{}", o.island, islands - 1);
    ZEROLM_CHECK(o.top == 0, "--island takes --pareto or --population");
    const IslandRestart island = store.load_islands(islands).at(static_cast<std::size_t>(o.island));
    const auto evaluated = [&](const EvaluationRow& r) {
      return EvaluatedArchitecture{space->from_json(nlohmann::json::parse(r.architecture)), r.score, r.parameters, r.latency};
    };
    state.archive = ParetoArchive(c.search.objectives);
    for (const auto& r : island.archive) state.archive.offer(evaluated(r).architecture, {r.score, r.parameters, r.latency});
    state.population.clear();
    for (const auto& r : island.population) state.population.push_back(evaluated(r));
  } else {
    ZEROLM_CHECK(!o.population || islands == 0,
                 "--population: {} is a distributed run with one population per island; pass --island 0..{}",
                 o.directory, islands - 1);
  }
  std::vector<EvaluatedArchitecture> chosen;
  if (o.pareto) {
    for (const auto& e : state.archive.entries()) {
      chosen.push_back({e.architecture, e.objectives.proxy, e.objectives.parameters, e.objectives.latency});
    }
    std::sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) { return a.parameters < b.parameters; });
  } else if (o.population) {
    chosen.assign(state.population.begin(), state.population.end());
  } else {
    chosen = cache;
    std::stable_sort(chosen.begin(), chosen.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
    chosen.resize(std::min(o.top, chosen.size()));
  }
  if (o.format == "hf") return write_hf(*space, c, chosen, o.out);
  if (o.format == "torchscript") return write_torchscript(*space, c, chosen, o);
  if (o.format == "nas-bench-bert") {
    ZEROLM_CHECK(c.space == "flexibert", "--format nas-bench-bert exports flexibert architectures, not {}", c.space);
    nlohmann::json records = nlohmann::json::array();
    for (std::size_t i = 0; i < chosen.size(); ++i) {
      records.push_back({{"id", i}, {"model_hparam_overrides", space->to_json(chosen[i].architecture)}});
    }
    write_text(o.out, records.dump(2) + "\n");
    return 0;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : chosen) out.push_back(describe(*space, c, e));
  write_text(o.out, o.format == "json" ? out.dump(2) + "\n" : dump_yaml(out) + "\n");
  return 0;
}
}  // namespace

Command add_export_command(CLI::App& app) {
  auto o = std::make_shared<ExportOptions>();
  CLI::App* sub = app.add_subcommand("export", "Export a run's Pareto archive, top-k or population");
  sub->add_option("directory", o->directory, "Run folder")->required();
  sub->add_flag("--pareto", o->pareto, "The Pareto archive");
  sub->add_option("--top", o->top, "The K best distinct architectures evaluated");
  sub->add_flag("--population", o->population, "The current population, oldest first");
  sub->add_option("--island", o->island, "A distributed run's island: its own archive (--pareto) or population");
  sub->add_option("--format", o->format, "json|yaml (read back by zerolm), nas-bench-bert (model_hparam_overrides), hf (one GPT-2 config.json "
                  "per architecture), torchscript (one initialised module per architecture)")->capture_default_str();
  sub->add_option("--out", o->out, "Output file ('-': standard output); a folder for hf and torchscript")->capture_default_str();
  sub->add_option("--seed", o->seed, "torchscript: seed of the weight initialisation")->capture_default_str();
  return {sub, [o] { return run_export(*o); }};
}

}  // namespace zerolm::cli
