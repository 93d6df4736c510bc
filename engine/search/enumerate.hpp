// Exhaustive scoring of a finite space: the exact top-k and the exact Pareto front
// (proxy up, parameters down) by the `expected` proxy; the yardstick for search.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/search/evolution.hpp"

namespace zerolm {

struct EnumerationResult {
  std::size_t architectures = 0;
  std::vector<EvaluatedArchitecture> top;    // best first; ties by canonical hash
  std::vector<EvaluatedArchitecture> front;  // by parameters, ascending; equal points all kept
  double largest_parameters = 0.0;           // over the whole space
  double seconds = 0.0;
};

// How many architectures enumerate() visits (infinity when it cannot be
// counted): the space's size, else the product over its layered families.
double enumeration_size(const SearchSpace& space);

EnumerationResult enumerate_space(const SearchSpace& space, const Proxy& proxy, std::size_t top_k,
                                  std::size_t batch_size = 1 << 16);

}  // namespace zerolm
