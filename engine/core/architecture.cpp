#include "engine/core/architecture.hpp"

#include "engine/core/hashing.hpp"

namespace zerolm {

Architecture::Architecture(std::string_view space, std::vector<std::int64_t> genes)
    : space_(space), genes_(std::move(genes)) {
  std::uint64_t h = hash_string(space_);
  h = hash_combine(h, genes_.size());
  for (std::int64_t g : genes_) h = hash_combine(h, static_cast<std::uint64_t>(g));
  hash_ = h;
}

}  // namespace zerolm
