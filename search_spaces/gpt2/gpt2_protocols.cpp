#include "search_spaces/gpt2/gpt2_protocols.hpp"

#include <array>

#include "engine/core/error.hpp"

namespace zerolm {

namespace {

Gpt2Choices lts_choices() { return {}; }  // LiteTransformerSearch's space

Gpt2Choices transxl_choices() {  // LTS's Transformer-XL space: WikiText-103's word vocabulary
  Gpt2Choices c;
  c.n_token = 267736;
  return c;
}

Gpt2Choices hwgpt_small_choices(std::int64_t vocab_size) {  // HW-GPT-Bench's GPT-S space
  Gpt2Choices c;
  c.min_layers = 10;
  c.max_layers = 12;
  c.d_models = {192, 384, 768};
  c.n_heads = {4, 8, 12};
  c.mlp_ratios = {2, 3, 4};
  c.biases = {false, true};
  c.adaptive = false;
  c.vocab_size = vocab_size;
  return c;
}

constexpr std::array<Gpt2ProtocolUnit, 4> kProtocols{{
    {Gpt2Protocol::lts, "lts",
     "archai's HfGPT2Flex of LiteTransformerSearch (the WikiText-103 benchmark), adaptive embedding",
     Gpt2BlockKind::gpt2, 0, false, false, 0, true, false, true, false, "h", "an adaptive embedding and softmax", true,
     lts_choices},
    {Gpt2Protocol::hwgpt, "hwgpt", "HW-GPT-Bench's GPT: rotary positions, head size 64, LLaMA MLP, untied head",
     Gpt2BlockKind::gpt2, Gpt2Space::kHwGptHeadSize, true, true, 0, true, true, true, false, "h",
     "rotary positions, a LLaMA MLP, an untied head", false, [] { return hwgpt_small_choices(50254); }},
    {Gpt2Protocol::gpt2, "gpt2", "plain Hugging Face GPT-2: learned positions, tied head, GELU MLP",
     Gpt2BlockKind::gpt2, 0, false, false, Gpt2Space::kGpt2Positions, true, false, true, false, "h", "", false,
     [] { return hwgpt_small_choices(50257); }},
    {Gpt2Protocol::transxl, "transxl",
     "archai's MemTransformerLM of LiteTransformerSearch (Transformer-XL): relative attention, adaptive embedding and "
     "softmax with tied projections",
     Gpt2BlockKind::relative, 0, false, false, 0, false, false, false, true, "layers",
     "an adaptive embedding and softmax, no learned positions", true, transxl_choices},
}};

}  // namespace

std::span<const Gpt2ProtocolUnit> gpt2_protocols() { return kProtocols; }

const Gpt2ProtocolUnit& gpt2_protocol(Gpt2Protocol id) {
  for (const auto& unit : kProtocols) {
    if (unit.id == id) return unit;
  }
  ZEROLM_ASSERT(false, "gpt2 protocol {} has no entry in gpt2_protocols()", static_cast<int>(id));
  return kProtocols.front();
}

}  // namespace zerolm
