// Counter-based generator for sampling architectures: stream i of seed s is
// independent of how many threads draw the other streams.
#pragma once

#include <cstdint>

#include "engine/core/hashing.hpp"

namespace zerolm {

class CounterRng {
 public:
  CounterRng(std::uint64_t seed, std::uint64_t stream) : key_(hash_combine(mix64(seed), stream)) {}

  std::uint64_t next() { return mix64(key_ + 0x9e3779b97f4a7c15ULL * ++counter_); }
  // Uniform integer in [0, bound): multiply-shift, bias below 2^-32 for our bounds.
  std::uint64_t below(std::uint64_t bound) {
    __extension__ using wide = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<wide>(next()) * bound) >> 64);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t key_;
  std::uint64_t counter_ = 0;
};

}  // namespace zerolm
