// The `pytorch` export: one folder per architecture with config.json (the
// architecture, its objectives and model spec), model.py (a self-contained
// PyTorch module: `build()` returns the scored network) and, with --weights,
// model.safetensors (the initial weights the sampled mode draws). A space takes
// part by its descriptor's `pytorch_module`: the Python module family that
// builds its networks (search_spaces/NAME/NAME_pytorch.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "engine/export/export_formats.hpp"

namespace zerolm {

void write_pytorch(const ExportRequest& request);

// model.py of one architecture: the shared helpers, the space's module family
// and the architecture's numbers.
std::string pytorch_model_source(const SearchSpace& space, const Architecture& architecture);

// model.safetensors: every tensor of the model spec as the sampled mode draws it
// under `seed` (F32, the spec's shape; zeros and ones as initialised).
void write_initial_weights(const ModelSpec& spec, std::uint64_t seed, const std::string& path);

}  // namespace zerolm
