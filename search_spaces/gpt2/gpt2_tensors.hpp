// One table of the gpt2 space's tensor names, read by the lowering (gpt2.cpp)
// and the LibTorch network (gpt2_network.cpp), so the two cannot drift apart:
// each module's dotted path inside a layer (or the network) and its tensors'
// full names, as Hugging Face's GPT-2, HW-GPT-Bench and archai's HfGPT2Flex
// (h.<i>.<path>) and MemTransformerLM (layers.<i>.<path>) name them. The
// PyTorch module (gpt2_pytorch.py) builds the same names; the export test
// checks its parameters against the lowering's.
#pragma once

#include <array>
#include <string_view>

namespace zerolm::gpt2_tensors {

struct Module {
  std::string_view path;    // "attn.c_attn"
  std::string_view weight;  // "attn.c_attn.weight"
  std::string_view bias;    // "attn.c_attn.bias" (empty: none)
};

// The GPT-2 style block (lts, hwgpt, gpt2) and the network around it.
inline constexpr Module kNorm1{"ln_1", "ln_1.weight", "ln_1.bias"};
inline constexpr Module kAttentionIn{"attn.c_attn", "attn.c_attn.weight", "attn.c_attn.bias"};
inline constexpr Module kAttentionOut{"attn.c_proj", "attn.c_proj.weight", "attn.c_proj.bias"};
inline constexpr Module kNorm2{"ln_2", "ln_2.weight", "ln_2.bias"};
inline constexpr Module kMlpIn{"mlp.c_fc", "mlp.c_fc.weight", "mlp.c_fc.bias"};
inline constexpr Module kMlpGate{"mlp.c_fc2", "mlp.c_fc2.weight", "mlp.c_fc2.bias"};  // hwgpt's LLaMA MLP
inline constexpr Module kMlpOut{"mlp.c_proj", "mlp.c_proj.weight", "mlp.c_proj.bias"};
inline constexpr Module kFinalNorm{"ln_f", "ln_f.weight", "ln_f.bias"};
inline constexpr Module kTokens{"wte", "wte.weight", ""};
inline constexpr Module kPositions{"wpe", "wpe.weight", ""};
inline constexpr Module kHead{"lm_head", "lm_head.weight", ""};  // hwgpt's untied head

// archai's AdaptiveEmbedding (word_emb) and ProjectedAdaptiveLogSoftmax (crit),
// per cluster i: the embedding table and its projection to d_model, the softmax's
// own table (tie_weight false) and projection (tie_projs[i] false).
inline constexpr std::size_t kMaxClusters = 6;
inline constexpr std::array<Module, kMaxClusters> kEmbeddingTable{{
    {"word_emb.emb_layers.0", "word_emb.emb_layers.0.weight", ""},
    {"word_emb.emb_layers.1", "word_emb.emb_layers.1.weight", ""},
    {"word_emb.emb_layers.2", "word_emb.emb_layers.2.weight", ""},
    {"word_emb.emb_layers.3", "word_emb.emb_layers.3.weight", ""},
    {"word_emb.emb_layers.4", "word_emb.emb_layers.4.weight", ""},
    {"word_emb.emb_layers.5", "word_emb.emb_layers.5.weight", ""},
}};
inline constexpr std::array<std::string_view, kMaxClusters> kEmbeddingProjection{
    "word_emb.emb_projs.0", "word_emb.emb_projs.1", "word_emb.emb_projs.2",
    "word_emb.emb_projs.3", "word_emb.emb_projs.4", "word_emb.emb_projs.5"};
inline constexpr std::array<Module, kMaxClusters> kSoftmaxTable{{
    {"crit.out_layers.0", "crit.out_layers.0.weight", ""},
    {"crit.out_layers.1", "crit.out_layers.1.weight", ""},
    {"crit.out_layers.2", "crit.out_layers.2.weight", ""},
    {"crit.out_layers.3", "crit.out_layers.3.weight", ""},
    {"crit.out_layers.4", "crit.out_layers.4.weight", ""},
    {"crit.out_layers.5", "crit.out_layers.5.weight", ""},
}};
inline constexpr std::array<std::string_view, kMaxClusters> kSoftmaxProjection{"crit.out_projs.0", "crit.out_projs.1",
                                                                               "crit.out_projs.2", "crit.out_projs.3",
                                                                               "crit.out_projs.4", "crit.out_projs.5"};
inline constexpr std::string_view kSoftmaxBias = "crit.out_layers.bias";
inline constexpr std::string_view kClusterWeight = "crit.cluster_weight";  // one row per tail cluster
inline constexpr std::string_view kClusterBias = "crit.cluster_bias";

// archai's RelPartialLearnableDecoderLayer (transxl).
inline constexpr Module kRelativeQkv{"dec_attn.qkv_net", "dec_attn.qkv_net.weight", ""};
inline constexpr Module kRelativePositions{"dec_attn.r_net", "dec_attn.r_net.weight", ""};
inline constexpr Module kRelativeOut{"dec_attn.o_net", "dec_attn.o_net.weight", ""};
inline constexpr std::string_view kRelativeContentBias = "dec_attn.r_w_bias";
inline constexpr std::string_view kRelativePositionBias = "dec_attn.r_r_bias";
inline constexpr Module kRelativeNorm{"dec_attn.layer_norm", "dec_attn.layer_norm.weight", "dec_attn.layer_norm.bias"};
inline constexpr Module kCoreIn{"pos_ff.CoreNet.0", "pos_ff.CoreNet.0.weight", "pos_ff.CoreNet.0.bias"};
inline constexpr Module kCoreOut{"pos_ff.CoreNet.3", "pos_ff.CoreNet.3.weight", "pos_ff.CoreNet.3.bias"};
inline constexpr Module kCoreNorm{"pos_ff.layer_norm", "pos_ff.layer_norm.weight", "pos_ff.layer_norm.bias"};

}  // namespace zerolm::gpt2_tensors
