// The llama space's PyTorch module family (the `pytorch` export): Hugging Face's
// LlamaForCausalLM (and DeciLM's no-op blocks) as llama_network.cpp builds it,
// from the architecture's JSON, with the model spec's names and shapes
// (matrices in x out). Token ids [batch, sequence] -> logits [batch, sequence, vocabulary].
#include "search_spaces/llama/llama.hpp"

namespace zerolm {

// search_spaces/llama/llama_pytorch.py, embedded at build time (cmake/ZerolmEmbed.cmake).
extern const char llama_pytorch_py[];

std::string llama_pytorch_module() { return std::string(llama_pytorch_py); }

}  // namespace zerolm
