// The gpt2 space's PyTorch module family (the `pytorch` export): the network of
// gpt2_network.cpp in plain PyTorch (lts, hwgpt, gpt2 and transxl), built from the
// architecture's JSON, with the model spec's names and shapes (matrices in x out) and
// its initialisation (the architecture's weight_init_std and proj_init_std).
// Decoders: token ids [batch, sequence] -> logits [batch, sequence, vocabulary]
// (log-probabilities of the adaptive softmax for an adaptive embedding).
#include "search_spaces/gpt2/gpt2.hpp"

namespace zerolm {

// search_spaces/gpt2/gpt2_pytorch.py, embedded at build time (cmake/ZerolmEmbed.cmake).
extern const char gpt2_pytorch_py[];

std::string gpt2_pytorch_module() { return std::string(gpt2_pytorch_py); }

}  // namespace zerolm
