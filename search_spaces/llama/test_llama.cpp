// The llama space: parameter accounting against Hugging Face's formulas on real
// published configs (GQA, tied and untied, biases, head_dim, skipped blocks),
// the HF state_dict names, the config readers' errors, sampling, mutation and
// enumeration (exact search on it: tests/test_llama_search.cpp).
#include <catch2/catch.hpp>
#include <set>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "search_spaces/llama/llama.hpp"

using namespace zerolm;
using Catch::Matchers::Contains;

namespace {

std::string data(const std::string& name) { return std::string(ZEROLM_SOURCE_DIR) + "/tests/data/hf/" + name; }
nlohmann::json config(const std::string& name) { return nlohmann::json::parse(read_text_file(data(name))); }

std::int64_t total_of(const SearchSpace& space, const Architecture& a) {
  ModelSpec spec;
  space.lower(a, spec);
  return spec.total_parameters();
}

std::int64_t document_total(const nlohmann::json& document) {
  const ArchitectureDocument d = read_architecture_document(document);
  return total_of(*d.space, d.architecture);
}

// Hugging Face's closed form for LlamaForCausalLM (SPEC.md 1.3), written
// independently of the lowering.
std::int64_t hf_llama_formula(const nlohmann::json& c) {
  const std::int64_t h = c["hidden_size"], V = c["vocab_size"], L = c["num_hidden_layers"];
  const std::int64_t nh = c["num_attention_heads"];
  const std::int64_t nkv = c.value("num_key_value_heads", nh);
  const std::int64_t d = c.contains("head_dim") ? c["head_dim"].get<std::int64_t>() : h / nh;
  const std::int64_t I = c["intermediate_size"];
  const bool ab = c.value("attention_bias", false), mb = c.value("mlp_bias", false);
  const bool tie = c.value("tie_word_embeddings", false);
  const std::int64_t attention = h * nh * d + 2 * h * nkv * d + nh * d * h + (ab ? nh * d + 2 * nkv * d + h : 0);
  const std::int64_t mlp = 3 * h * I + (mb ? 2 * I + h : 0);
  return V * h + L * (attention + mlp + 2 * h) + h + (tie ? 0 : V * h);
}

// DeciLM's per block (SPEC.md 3.5): a no-op has nothing, not even its norm.
std::int64_t hf_decilm_formula(const nlohmann::json& c) {
  const std::int64_t h = c["hidden_size"], V = c["vocab_size"], nh = c["num_attention_heads"];
  const std::int64_t d = h / nh;
  const bool ab = c.value("attention_bias", false), mb = c.value("mlp_bias", false);
  std::int64_t total = V * h + h + (c.value("tie_word_embeddings", false) ? 0 : V * h);
  for (const auto& block : c["block_configs"]) {
    const auto& a = block["attention"];
    if (!a.value("no_op", false)) {
      const std::int64_t nkv = nh / a["n_heads_in_group"].get<std::int64_t>();
      total += h + h * nh * d + 2 * h * nkv * d + nh * d * h + (ab ? nh * d + 2 * nkv * d + h : 0);
    }
    const auto& f = block["ffn"];
    if (!f.value("no_op", false)) {
      const std::int64_t I = decilm_intermediate_size(f["ffn_mult"].get<double>(), h);
      total += h + 3 * h * I + (mb ? 2 * I + h : 0);
    }
  }
  return total;
}

std::string error_of(const nlohmann::json& document) {
  try {
    (void)read_architecture_document(document);
  } catch (const Error& e) {
    return e.message();
  }
  return "no error";
}

}  // namespace

TEST_CASE("llama: published Hugging Face configs give their exact parameter counts", "[llama][params]") {
  CHECK(document_total(config("tinyllama-1.1b-chat-v1.0.json")) == 1'100'048'384);   // GQA 32/4, untied
  CHECK(document_total(config("smollm-135m.json")) == 134'515'008);                  // GQA 9/3, tied
  CHECK(document_total(config("tinyllama-as-nemotron-nas.json")) == 1'100'048'384);  // as 22 DeciLM blocks
  CHECK(document_total(config("nemotron-nas-skips.json")) == 205'793'280);           // no-op attention and FFN
  // GPT-2 under the gpt2 space's `gpt2` protocol: vocabulary 50257, 1024 positions, tied head.
  const ArchitectureDocument gpt2 = read_architecture_document(config("gpt2.json"));
  CHECK(gpt2.space->name() == "gpt2");
  CHECK(gpt2.space->protocol() == "gpt2");
  ModelSpec spec;
  gpt2.space->lower(gpt2.architecture, spec);
  CHECK(spec.total_parameters() == 124'439'808);
  bool positions = false;
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
    if (spec.full_name(i) == "wpe.weight") positions = spec.tensors()[i].rows() == 1024;
    CHECK(spec.full_name(i) != "lm_head.weight");
  }
  CHECK(positions);
  // The same llama network from either form.
  CHECK(read_architecture_document(config("tinyllama-1.1b-chat-v1.0.json")).architecture ==
        read_architecture_document(config("tinyllama-as-nemotron-nas.json")).architecture);
}

TEST_CASE("llama: lowering equals HF's formula on real configs and their variants", "[llama][params]") {
  for (const char* name : {"tinyllama-1.1b-chat-v1.0.json", "smollm-135m.json"}) {
    for (bool ab : {false, true})
      for (bool mb : {false, true})
        for (bool tie : {false, true})
          for (int head_dim : {0, 128}) {
            nlohmann::json c = config(name);
            c["attention_bias"] = ab;
            c["mlp_bias"] = mb;
            c["tie_word_embeddings"] = tie;
            if (head_dim > 0) c["head_dim"] = head_dim;
            INFO(name << " bias " << ab << "/" << mb << " tie " << tie << " head_dim " << head_dim);
            CHECK(document_total(c) == hf_llama_formula(c));
          }
    // MQA and MHA.
    for (int kv : {1, static_cast<int>(config(name)["num_attention_heads"])}) {
      nlohmann::json c = config(name);
      c["num_key_value_heads"] = kv;
      CHECK(document_total(c) == hf_llama_formula(c));
    }
  }
  // Published values of count.py for two variants.
  nlohmann::json wide = config("tinyllama-1.1b-chat-v1.0.json");
  wide["head_dim"] = 128;
  CHECK(document_total(wide) == 1'307'666'432);
  for (bool ab : {false, true})
    for (bool tie : {false, true}) {
      nlohmann::json c = config("nemotron-nas-skips.json");
      c["attention_bias"] = ab;
      c["mlp_bias"] = ab;
      c["tie_word_embeddings"] = tie;
      CHECK(document_total(c) == hf_decilm_formula(c));
    }
  nlohmann::json tied = config("nemotron-nas-skips.json");
  tied["attention_bias"] = tied["mlp_bias"] = tied["tie_word_embeddings"] = true;
  CHECK(document_total(tied) == 140'288'640);  // count.py
}

TEST_CASE("llama: DeciLM's ffn_mult rounding", "[llama][params]") {
  CHECK(decilm_intermediate_size(2.625, 8192) == 14336);
  CHECK(decilm_intermediate_size(5.25, 8192) == 28672);
  CHECK(decilm_intermediate_size(3.28125, 8192) == 17920);
  CHECK(decilm_intermediate_size(1.0, 8192) == 5632);
  CHECK(decilm_intermediate_size(1.3125, 8192) == 7168);
  CHECK(decilm_intermediate_size(4.125, 2048) == 5632);
  CHECK(decilm_intermediate_size(2.625, 2048) == 3584);
  // Every multiple of 256 is reached by ffn_mult = round(3 I / (2 h), 6).
  int failures = 0;
  for (std::int64_t h : {576, 768, 2048, 4096, 8192}) {
    for (std::int64_t I = 256; I <= 8 * h; I += 256) {
      const double mult = std::nearbyint(3.0 * static_cast<double>(I) / (2.0 * static_cast<double>(h)) * 1e6) / 1e6;
      failures += decilm_intermediate_size(mult, h) != I ? 1 : 0;
    }
  }
  CHECK(failures == 0);
}

TEST_CASE("llama: tensors carry Hugging Face's state_dict names", "[llama]") {
  const ArchitectureDocument smol = read_architecture_document(config("smollm-135m.json"));
  ModelSpec spec;
  smol.space->lower(smol.architecture, spec);
  std::set<std::string> names;
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) names.insert(spec.full_name(i));
  std::set<std::string> expected{"model.embed_tokens.weight", "model.norm.weight"};
  for (int i = 0; i < 30; ++i) {
    for (const char* t : {"self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                          "self_attn.o_proj.weight", "mlp.gate_proj.weight", "mlp.up_proj.weight",
                          "mlp.down_proj.weight", "input_layernorm.weight", "post_attention_layernorm.weight"}) {
      expected.insert(fmt::format("model.layers.{}.{}", i, t));
    }
  }
  CHECK(names == expected);  // tied: no lm_head.weight of its own
  // Shapes (in x out): q 576 -> 9 x 64, k and v 576 -> 3 x 64, gate 576 -> 1536.
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
    const auto& t = spec.tensors()[i];
    if (spec.full_name(i) == "model.layers.0.self_attn.k_proj.weight") CHECK((t.rows() == 576 && t.cols() == 192));
    if (spec.full_name(i) == "model.layers.0.mlp.down_proj.weight") CHECK((t.rows() == 1536 && t.cols() == 576));
    if (t.role == Role::norm) CHECK(t.init.kind == InitKind::ones);
    if (t.is_matrix()) CHECK(t.init.std == 0.02);
  }
  const ArchitectureDocument skips = read_architecture_document(config("nemotron-nas-skips.json"));
  skips.space->lower(skips.architecture, spec);
  names.clear();
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) names.insert(spec.full_name(i));
  CHECK(names.count("lm_head.weight") == 1);
  CHECK(names.count("model.layers.1.input_layernorm.weight") == 0);  // no-op attention: not even its norm
  CHECK(names.count("model.layers.1.mlp.up_proj.weight") == 1);
  CHECK(names.count("model.layers.2.post_attention_layernorm.weight") == 0);
  CHECK(names.count("model.layers.2.self_attn.k_proj.weight") == 1);
}

TEST_CASE("llama: documents a space cannot hold are refused naming the field and value", "[llama][errors]") {
  CHECK_THAT(error_of(config("nemotron-nas-tiny-example.json")),
             Contains("block_configs[2].attention.replace_with_linear") && Contains("true"));
  nlohmann::json c = config("tinyllama-1.1b-chat-v1.0.json");
  c["num_key_value_heads"] = 5;
  CHECK_THAT(error_of(c), Contains("num_key_value_heads") && Contains("5") && Contains("32"));
  c = config("tinyllama-1.1b-chat-v1.0.json");
  c["hidden_act"] = "gelu";
  CHECK_THAT(error_of(c), Contains("hidden_act") && Contains("gelu"));
  c = config("tinyllama-1.1b-chat-v1.0.json");
  c["architectures"] = {"LlamaForSequenceClassification"};
  CHECK_THAT(error_of(c), Contains("architectures") && Contains("LlamaForSequenceClassification"));
  c = config("tinyllama-1.1b-chat-v1.0.json");
  c["num_attention_heads"] = 30;
  CHECK_THAT(error_of(c), Contains("num_attention_heads") && Contains("30") && Contains("2048"));
  c = config("tinyllama-1.1b-chat-v1.0.json");
  c.erase("intermediate_size");
  CHECK_THAT(error_of(c), Contains("intermediate_size") && Contains("missing"));
  c = config("nemotron-nas-skips.json");
  c["num_hidden_layers"] = 4;
  CHECK_THAT(error_of(c), Contains("block_configs") && Contains("3 blocks for num_hidden_layers 4"));
  c = config("nemotron-nas-skips.json");
  c["block_configs"][0]["attention"]["n_heads_in_group"] = 3;
  CHECK_THAT(error_of(c), Contains("block_configs[0].attention.n_heads_in_group") && Contains("3"));
  c = config("gpt2.json");
  c["n_positions"] = 2048;
  CHECK_THAT(error_of(c), Contains("n_positions") && Contains("2048"));
  c = config("gpt2.json");
  c["n_head"] = {12, 6};
  CHECK_THAT(error_of(c), Contains("n_head") && Contains("per-layer"));
  c = config("gpt2.json");
  c["tie_word_embeddings"] = false;
  CHECK_THAT(error_of(c), Contains("tie_word_embeddings") && Contains("false"));
  c = config("gpt2.json");
  c["adaptive_embedding"] = {{"d_embed", 128}};
  CHECK_THAT(error_of(c), Contains("adaptive_embedding"));
  c = config("gpt2.json");
  c["model_type"] = "bert";
  CHECK_THAT(error_of(c), Contains("\"bert\"") && Contains("hf-llama"));
}

TEST_CASE("llama: sampling, JSON and YAML round trips, mutation", "[llama][architecture]") {
  const LlamaSpace space;
  std::set<std::uint64_t> hashes, children;
  for (std::uint64_t i = 0; i < 200; ++i) {
    CounterRng rng(11, i);
    const Architecture a = space.sample(rng);
    hashes.insert(a.hash());
    CHECK(space.from_json(space.to_json(a)) == a);
    CHECK(space.from_yaml(space.to_yaml(a)) == a);
    const Architecture child = space.mutate(a, rng);
    INFO(space.summary(a) << " -> " << space.summary(child));
    CHECK_FALSE(child == a);
    CHECK(space.from_json(space.to_json(child)) == child);
    children.insert(child.hash());
    const LlamaArchitecture typed = space.decode(a);
    for (const auto& l : typed.layers) {
      if (l.heads > 0) {
        CHECK(l.heads * typed.head_dim <= typed.hidden_size);
        CHECK(l.heads % l.kv_heads == 0);
      }
    }
  }
  CHECK(hashes.size() > 195);
  CHECK(children.size() > 195);
  // The canonical JSON, and a per-layer field given once for every layer.
  const Architecture a = space.from_json(nlohmann::json::parse(
      R"({"hidden_size": 256, "num_hidden_layers": 2, "vocab_size": 1000, "head_dim": 32,
          "num_attention_heads": [8, 0], "num_key_value_heads": [2, 0], "intermediate_size": 512})"));
  CHECK(space.to_json(a)["intermediate_size"] == nlohmann::json({512, 512}));
  CHECK(space.summary(a) == "h256 d32 V1000 untied | 1x q8/kv2 f512 | 1x q- f512");
  CHECK_THROWS_WITH(space.from_json(nlohmann::json::parse(
                        R"({"hidden_size": 256, "num_hidden_layers": 2, "vocab_size": 1000, "head_dim": 32,
                            "num_attention_heads": [8, 0], "num_key_value_heads": [3, 0], "intermediate_size": 512})")),
                    Contains("num_key_value_heads[0]") && Contains("3"));
  CHECK_THROWS_WITH(space.from_json(nlohmann::json::parse(
                        R"({"hidden_size": 256, "num_hidden_layers": 2, "vocab_size": 1000, "head_dim": 32,
                            "num_attention_heads": 8, "num_key_value_heads": 2, "intermediate_size": 512,
                            "rope_theta": 10000})")),
                    Contains("rope_theta"));
}

TEST_CASE("llama: choices are validated and the narrowed space enumerates its size", "[llama][architecture]") {
  const auto error = [](const char* choices) {
    try {
      SpaceOptions o;
      o.choices = nlohmann::json::parse(choices);
      (void)make_search_space("llama", o);
    } catch (const Error& e) {
      return e.message();
    }
    return std::string("no error");
  };
  CHECK_THAT(error(R"({"head_dim": [63]})"), Contains("head_dim[0]") && Contains("63"));
  CHECK_THAT(error(R"({"hidden_size": [128], "head_dim": [64], "num_attention_heads": [4]})"),
             Contains("hidden_size 128") && Contains("head_dim 64"));
  CHECK_THAT(error(R"({"intermediate_size": [512], "intermediate_ratio": [2]})"), Contains("not both"));
  CHECK_THAT(error(R"({"skip_ffn": ["no"]})"), Contains("choices.skip_ffn"));
  LlamaChoices c;
  c.hidden_sizes = {64, 128};
  c.layer_counts = {2, 3};
  c.vocab_sizes = {1000};
  c.head_dims = {16, 32};
  c.heads = {2, 4};
  c.kv_heads = {1, 2};
  c.intermediate_ratios = {2.0, 4.0};
  const LlamaSpace space(c);
  std::uint64_t seen = 0;
  space.enumerate([&](const Architecture& a) {
    ++seen;
    (void)space.to_json(a);
  });
  REQUIRE(space.size().has_value());
  CHECK(seen == *space.size());
  CHECK(!LlamaSpace().size().has_value());  // the default space has more than 2^64 architectures
}

TEST_CASE("llama: hf exports read back to the same architecture, or are refused naming --format pytorch",
          "[llama][export]") {
  // Per-layer widths that are multiples of 256 (DeciLM's ffn_mult reaches them) and
  // ones that are not; one head count (DeciLM's form) and several (refused).
  SpaceOptions options;
  options.choices = {{"hidden_size", {128, 192, 2048}},
                     {"num_hidden_layers", {2, 3}},
                     {"vocab_size", {1000}},
                     {"head_dim", {32, 64}},
                     {"num_attention_heads", {2, 3, 4}},
                     {"num_key_value_heads", {1, 2}},
                     {"intermediate_size", {256, 384, 768, 5632}}};
  const auto space = make_search_space("llama", options);
  const auto& llama = dynamic_cast<const LlamaSpace&>(*space);
  CounterRng rng(11, 0);
  int written = 0, decilm = 0, refused = 0;
  for (int i = 0; i < 400; ++i) {
    const Architecture a = space->sample(rng);
    nlohmann::json document;
    try {
      document = llama_to_hf_config(llama, a);
    } catch (const Error& e) {
      CHECK_THAT(e.message(), Contains("use --format pytorch"));
      ++refused;
      continue;
    }
    ++written;
    if (document["model_type"] == "nemotron-nas") ++decilm;
    INFO(document.dump());
    const LlamaArchitecture back = llama_from_hf_config(document);
    CHECK(back == llama.decode(a));
  }
  CHECK(written > 50);
  CHECK(decilm > 20);
  CHECK(refused > 20);
}
