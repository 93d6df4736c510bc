// The flexibert space's PyTorch module family (the `pytorch` export): the
// encoders of flexibert_network.cpp in plain PyTorch, from the architecture's
// JSON, with the model spec's names and shapes (matrices in x out; a depthwise
// convolution weight H x k, a pointwise one H x A). An encoder: token ids
// [batch, sequence] -> hidden states [batch, sequence, H].
#include "search_spaces/flexibert/flexibert.hpp"

namespace zerolm {

// search_spaces/flexibert/flexibert_pytorch.py, embedded at build time (cmake/ZerolmEmbed.cmake).
extern const char flexibert_pytorch_py[];

std::string flexibert_pytorch_module() { return std::string(flexibert_pytorch_py); }

}  // namespace zerolm
