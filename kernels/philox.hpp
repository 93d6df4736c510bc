// Philox4x32-10 (Salmon et al., SC'11): a counter-based generator. A weight's value
// is a pure function of (key, counter), so it is the same for any thread count and
// on the GPU.
#pragma once

#include <cstdint>

#include "kernels/host_device.hpp"

namespace zerolm::kernels {

struct Philox4x32 {
  std::uint32_t v[4];
};

ZEROLM_HD void philox_mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t product = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(product >> 32);
  lo = static_cast<std::uint32_t>(product);
}

inline constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u, kPhiloxM1 = 0xCD9E8D57u;
inline constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u, kPhiloxW1 = 0xBB67AE85u;

// One Philox round on a counter held in four scalars: branch-free, so a loop over
// many counters vectorises on the CPU and maps to registers on the GPU.
ZEROLM_HD void philox_round(std::uint32_t& c0, std::uint32_t& c1, std::uint32_t& c2, std::uint32_t& c3,
                            std::uint32_t key0, std::uint32_t key1) {
  std::uint32_t hi0, lo0, hi1, lo1;
  philox_mulhilo(kPhiloxM0, c0, hi0, lo0);
  philox_mulhilo(kPhiloxM1, c2, hi1, lo1);
  c0 = hi1 ^ c1 ^ key0;
  c1 = lo1;
  c2 = hi0 ^ c3 ^ key1;
  c3 = lo0;
}

ZEROLM_HD Philox4x32 philox4x32_10(Philox4x32 counter, std::uint32_t key0, std::uint32_t key1) {
  std::uint32_t c0 = counter.v[0], c1 = counter.v[1], c2 = counter.v[2], c3 = counter.v[3];
  for (int round = 0; round < 10; ++round) {
    philox_round(c0, c1, c2, c3, key0, key1);
    key0 += kPhiloxW0;
    key1 += kPhiloxW1;
  }
  return {{c0, c1, c2, c3}};
}

}  // namespace zerolm::kernels
