// The gpt2 space's network protocols, one entry each: what the network a
// benchmark measured is made of. The lowering (gpt2_lowering.cpp), the LibTorch
// network (gpt2_network.cpp), the PyTorch module (gpt2_pytorch.py's PROTOCOLS,
// field for field) and validation read these fields and never test a protocol's
// name, so adding a protocol that reuses the shared blocks is one entry here.
#pragma once

#include <span>
#include <string_view>

#include "search_spaces/gpt2/gpt2.hpp"

namespace zerolm {

enum class Gpt2BlockKind {
  gpt2,      // GPT-2's: LayerNorm, attention, residual; LayerNorm, MLP, residual
  relative,  // archai's RelPartialLearnableDecoderLayer: relative attention, ReLU FFN, post-LayerNorm
};

struct Gpt2ProtocolUnit {
  Gpt2Protocol id;
  std::string_view name;
  std::string_view description;
  Gpt2BlockKind block;
  int head_size;                  // 0: d_model / heads (heads divide d_model); else each head this wide
  bool rotary;                    // rotary positions on queries and keys
  bool gated_mlp;                 // LLaMA MLP silu(c_fc) * c_fc2; else GELU(c_fc)
  int plain_positions;            // learned position rows beside a plain token table (0: none)
  bool adaptive_positions;        // learned positions (tgt_len rows) beside an adaptive embedding
  bool untied_head;               // an lm_head beside a plain token table; else tied to wte
  bool final_norm;                // ln_f after the last layer
  bool adaptive_only;             // the embedding is always adaptive
  std::string_view layer_prefix;  // the layers' module list: h.<i>, layers.<i>
  // Why Hugging Face's GPT2LMHeadModel cannot build the network (empty: it can,
  // given equal layers and biases); whether archai's model_config.yaml describes it.
  std::string_view hf_refusal;
  bool archai_config;
  Gpt2Choices (*default_choices)();  // the space its benchmark searched
};

// Every protocol, the default (lts) first.
std::span<const Gpt2ProtocolUnit> gpt2_protocols();
const Gpt2ProtocolUnit& gpt2_protocol(Gpt2Protocol id);

}  // namespace zerolm
