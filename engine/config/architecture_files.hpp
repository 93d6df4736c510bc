// Architectures from files, for `score --from`, `params --from` and a search's
// seed architectures: a zerolm export (a JSON or YAML list of architectures) or
// one document a space reads (a Hugging Face config.json: the space registry's
// DocumentKind entries). Errors name the file (and the entry).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "search_spaces/search_space.hpp"

namespace zerolm {

struct ArchitectureFile {
  // The space the architectures are in: a document's own, or the one a list's
  // entries name; null when they are in the `space` passed in.
  std::unique_ptr<SearchSpace> space;
  std::string kind;  // the DocumentKind's name, or "zerolm export"
  std::vector<Architecture> architectures;
};

// A list is read into `space`, or, when it is null, into the space and protocol
// its first entry names (a zerolm export's `space` and `protocol` fields). A
// document is read into its own space; with `must_match`, a document of another
// space or protocol than `space` is an Error naming both.
ArchitectureFile read_architecture_file(const std::string& path, const SearchSpace* space, bool must_match);

}  // namespace zerolm
