// An architecture is a point of a search space, stored as the space's canonical
// integer encoding ("genes"). The space owns the meaning of the genes, their
// validation and the typed view; equal architectures have equal genes, hence equal
// canonical JSON and equal hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace zerolm {

class Architecture {
 public:
  Architecture() = default;
  // Only search spaces construct architectures, after validating the genes.
  Architecture(std::string_view space, std::vector<std::int64_t> genes);

  const std::string& space() const { return space_; }
  const std::vector<std::int64_t>& genes() const { return genes_; }
  std::uint64_t hash() const { return hash_; }
  bool empty() const { return genes_.empty(); }

  friend bool operator==(const Architecture& a, const Architecture& b) {
    return a.hash_ == b.hash_ && a.genes_ == b.genes_ && a.space_ == b.space_;
  }

 private:
  std::string space_;
  std::vector<std::int64_t> genes_;
  std::uint64_t hash_ = 0;
};

struct ArchitectureHasher {
  std::size_t operator()(const Architecture& a) const { return static_cast<std::size_t>(a.hash()); }
};

}  // namespace zerolm
