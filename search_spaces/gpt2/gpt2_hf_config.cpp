// Hugging Face GPT2Config (model_type gpt2) as a gpt2 architecture under the
// `gpt2` protocol, the network GPT2LMHeadModel builds (transformers'
// configuration_gpt2.py/modeling_gpt2.py): learned positions, tied head,
// biases everywhere. Fields without parameters (dropouts, activation, epsilon, token ids, summary_*) are not read;
// fields that would change the network and that the protocol cannot hold are
// refused, naming the field and value, and so are the per-layer lists and
// extra blocks that older zerolm `hf` exports wrote (GPT2Config cannot build them).
#include "engine/core/error.hpp"
#include "search_spaces/gpt2/gpt2.hpp"
#include "search_spaces/json_fields.hpp"

namespace zerolm {

namespace {

bool present(const nlohmann::json& object, const char* key) { return object.contains(key) && !object[key].is_null(); }

Architecture gpt2_from_hf_config(const SearchSpace& space, const nlohmann::json& c) {
  const auto& gpt2 = dynamic_cast<const Gpt2Space&>(space);
  ZEROLM_ASSERT(space.protocol() == "gpt2", "GPT2Config read under protocol {}", space.protocol());
  if (present(c, "architectures")) {
    ZEROLM_CHECK(c["architectures"] == nlohmann::json::array({"GPT2LMHeadModel"}),
                 "field 'architectures': value {} is not [\"GPT2LMHeadModel\"] (the network zerolm counts)",
                 c["architectures"].dump());
  }
  for (const char* key : {"adaptive_embedding", "head_size", "position_embedding", "mlp", "bias"}) {
    ZEROLM_CHECK(!c.contains(key),
                 "field '{}' is not a GPT2Config field (Hugging Face would ignore it and build another network)", key);
  }
  for (const char* key : {"n_head", "n_inner"}) {
    ZEROLM_CHECK(!(c.contains(key) && c[key].is_array()),
                 "field '{}': value {} is a per-layer list; GPT2Config builds one value for every layer", key,
                 c[key].dump());
  }
  ZEROLM_CHECK(!present(c, "add_cross_attention") || c["add_cross_attention"] == false,
               "field 'add_cross_attention': value {}; the gpt2 protocol has no cross-attention",
               c.value("add_cross_attention", nlohmann::json()).dump());
  // PretrainedConfig ties by default; the gpt2 protocol always does.
  ZEROLM_CHECK(!present(c, "tie_word_embeddings") || c["tie_word_embeddings"] == true,
               "field 'tie_word_embeddings': value {}; the gpt2 protocol ties the head to wte",
               c.value("tie_word_embeddings", nlohmann::json()).dump());
  const std::int64_t positions = present(c, "n_positions") ? json_fields::integer(c, "n_positions", "") : 1024;
  ZEROLM_CHECK(positions == Gpt2Space::kGpt2Positions,
               "field 'n_positions': value {}; the gpt2 protocol builds {} learned positions", positions,
               Gpt2Space::kGpt2Positions);

  // GPT2Config's defaults: 12 layers of 768 with 12 heads, vocabulary 50257.
  const auto value = [&](const char* key, std::int64_t fallback, std::int64_t high) {
    const std::int64_t v = present(c, key) ? json_fields::integer(c, key, "") : fallback;
    ZEROLM_CHECK(v >= 1 && v <= high, "field '{}': value {} is not in 1..{}", key, v, high);
    return v;
  };
  Gpt2Architecture a;
  a.adaptive = false;
  a.bias = true;
  a.d_model = static_cast<int>(value("n_embd", 768, 1 << 16));
  a.vocab_size = value("vocab_size", 50257, 1 << 24);
  const auto layers = value("n_layer", 12, 4096);
  const auto heads = value("n_head", 12, 1024);
  const auto inner = present(c, "n_inner") ? value("n_inner", 0, 1 << 20) : 4 * static_cast<std::int64_t>(a.d_model);
  a.layers.assign(static_cast<std::size_t>(layers), Gpt2Layer{static_cast<int>(heads), static_cast<int>(inner)});
  return gpt2.encode(a);
}

}  // namespace

std::vector<DocumentKind> gpt2_documents() {
  return {
      {"hf-gpt2", "Hugging Face config.json of model_type gpt2 (GPT2LMHeadModel), under protocol gpt2", "gpt2",
       [](const nlohmann::json& d) { return d.is_object() && d.contains("model_type") && d["model_type"] == "gpt2"; },
       gpt2_from_hf_config}};
}

}  // namespace zerolm
