// The parameter counts a benchmark's authors published beside its records, against
// the counts of a protocol's model specs: which backbone did the authors count?
// (A folder's or file's name is a hint; exact counts are the proof.)
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "engine/benchmarks/benchmark_file.hpp"

namespace zerolm {

struct CountCheck {
  std::string protocol;
  std::size_t checked = 0;     // records with published counts
  std::size_t reproduced = 0;  // of those, every published count equal
  std::string first_mismatch;  // "record X: attention 1 vs published 2", or why the record is not of the protocol
  bool all() const { return checked > 0 && reproduced == checked; }
};

// Whether the records publish counts zerolm can compare: `params` {Attn, FFN,
// nonembedding, total} (LTS), `params` as a number (HW-GPT-Bench's total) or
// `published_proxies.number_of_parameters` (NAS-Bench-BERT's total).
bool has_published_counts(const Benchmark& benchmark);

// The check under the protocol the benchmark was read with.
CountCheck check_published_counts(const Benchmark& benchmark);
// The check under every protocol of the benchmark's space, in registry order
// (each record re-read from its raw form under that protocol).
std::vector<CountCheck> check_published_counts_all(const Benchmark& benchmark);

}  // namespace zerolm
