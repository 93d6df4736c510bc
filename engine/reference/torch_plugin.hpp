// Loading the LibTorch reference plugin at run time (dlopen), so only the commands
// that use it pay for loading LibTorch.
#pragma once

#include <string>

#include "engine/reference/torch_reference.hpp"

namespace zerolm::reference {

// The plugin's API, or nullptr with `why` set when it is not built or not loadable.
// Looked up next to the running executable, then on the library path.
const TorchReferenceApi* load_torch_plugin(std::string* why = nullptr);

}  // namespace zerolm::reference
