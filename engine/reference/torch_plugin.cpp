#include "engine/reference/torch_plugin.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>

namespace zerolm::reference {

const TorchReferenceApi* load_torch_plugin(std::string* why) {
  static const char* kName = "libzerolm_torch_reference.so";
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  std::vector<std::string> candidates;
  if (!ec) candidates.push_back((self.parent_path() / kName).string());
  // Beside the shared object this loader is linked into, when it is not the
  // executable (the Python package's module).
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&load_torch_plugin), &info) != 0 && info.dli_fname != nullptr) {
    const auto beside = std::filesystem::path(info.dli_fname).parent_path() / kName;
    if (std::find(candidates.begin(), candidates.end(), beside.string()) == candidates.end()) {
      candidates.push_back(beside.string());
    }
  }
  candidates.push_back(kName);
  std::string errors;
  for (const auto& path : candidates) {
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      errors += std::string(errors.empty() ? "" : "; ") + dlerror();
      continue;
    }
    using Entry = const TorchReferenceApi* (*)();
    auto entry = reinterpret_cast<Entry>(dlsym(handle, "zerolm_torch_reference_api"));
    if (entry != nullptr) return entry();
    errors += "; " + path + " has no zerolm_torch_reference_api";
  }
  if (why != nullptr) *why = "LibTorch reference plugin not loadable (" + errors + ")";
  return nullptr;
}

}  // namespace zerolm::reference
