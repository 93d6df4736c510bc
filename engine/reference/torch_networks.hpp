// The LibTorch plugin's networks: each search space's (search_spaces/*/NAME_network.cpp),
// found through the registry, and initialised as the model spec says. Included
// only by the LibTorch plugin's translation units.
#pragma once

#include <memory>

#include "search_spaces/torch_network.hpp"

namespace zerolm::reference {

using zerolm::TorchNetwork;

// The network of `architecture` under the space's protocol.
std::shared_ptr<TorchNetwork> build_network(const SearchSpace& space, const Architecture& architecture);

// Initialises every parameter as `spec` says (torch's generators); throws when the
// network and the spec disagree on a name or a size.
void initialise_from_spec(torch::nn::Module& network, const ModelSpec& spec);

}  // namespace zerolm::reference
