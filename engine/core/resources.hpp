// What this machine has to give, for refusing up front what would not fit.
#pragma once

#include <cstdint>
#include <string>

namespace zerolm {

// Bytes of memory available to a new allocation now (Linux MemAvailable, else
// physical memory).
std::uint64_t available_memory_bytes();

// "12.3 GiB"
std::string format_bytes(double bytes);

// An Error saying `what` needs about `bytes`, more than is available, when it is.
void check_fits_in_memory(double bytes, const std::string& what);

}  // namespace zerolm
