// The CPU twin: TBB over (segment, chunk) work items, the shared per-element math,
// then an in-order merge of the chunk partials.
#include <tbb/parallel_for.h>

#include <cmath>
#include <vector>

#include "engine/core/error.hpp"
#include "kernels/weight_statistics.hpp"

namespace zerolm::kernels {

namespace {

struct Chunk {
  std::size_t segment;
  std::int64_t begin;  // element range [begin, end)
  std::int64_t end;
};

// Philox blocks per group: 64 weights drawn in structure-of-arrays form so the
// rounds and Box-Muller vectorise.
constexpr int kGroupBlocks = 16;
constexpr int kGroupElements = 4 * kGroupBlocks;

// Standard normals of blocks first_block .. first_block + 15 (attempt 0), in element
// order. Compiled for AVX-512 (x86-64-v4), AVX2 and baseline x86-64; the loader
// picks. With -ffp-contract=off all three compute the same floats.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
void normal_group(std::uint64_t first_block, std::uint32_t tensor, std::uint32_t key0, std::uint32_t key1,
                  float* out) {
  float z0[kGroupBlocks], z1[kGroupBlocks], z2[kGroupBlocks], z3[kGroupBlocks];
  // One straight-line body per block (rounds unrolled): the loop over blocks
  // vectorises, one block per lane.
  for (int j = 0; j < kGroupBlocks; ++j) {
    const std::uint64_t block = first_block + static_cast<std::uint64_t>(j);
    std::uint32_t c0 = static_cast<std::uint32_t>(block), c1 = static_cast<std::uint32_t>(block >> 32);
    std::uint32_t c2 = tensor, c3 = 0;
    std::uint32_t k0 = key0, k1 = key1;
#pragma GCC unroll 10
    for (int round = 0; round < 10; ++round) {
      philox_round(c0, c1, c2, c3, k0, k1);
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    box_muller(c0, c1, z0[j], z1[j]);
    box_muller(c2, c3, z2[j], z3[j]);
  }
  for (int j = 0; j < kGroupBlocks; ++j) {
    out[4 * j] = z0[j];
    out[4 * j + 1] = z1[j];
    out[4 * j + 2] = z2[j];
    out[4 * j + 3] = z3[j];
  }
}

// Squares of `count` (a multiple of 8) consecutive weights into eight partial
// sums (a fixed order: the result does not depend on how the work is spread).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
void accumulate_values(const float* values, int count, double* sum_squares) {
  for (int i = 0; i < count; i += 8) {
    for (int k = 0; k < 8; ++k) {
      const double d = values[i + k];
      sum_squares[k] += d * d;
    }
  }
}

// Second draws of truncated elements that fell outside the cut: one lane per
// element, vectorised over the batch.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))
#endif
void redraw_batch(const std::uint64_t* elements, int count, std::uint32_t tensor, std::uint32_t key0,
                  std::uint32_t key1, float* out) {
  for (int i = 0; i < count; ++i) out[i] = element_attempt(elements[i], tensor, 1u, key0, key1);
}

TensorMoments chunk_moments(const WeightSegment& s, std::int64_t begin, std::int64_t end) {
  TensorMoments m;
  if (s.distribution == Distribution::zeros) return m;
  if (s.distribution == Distribution::ones) {
    return {static_cast<double>(end - begin)};
  }
  // Whole batches from `begin` (chunks start at multiples of kChunkElements), the
  // tail element by element.
  double sq[8] = {};
  const bool truncated = s.distribution == Distribution::truncated_normal;
  // Eight groups at a time, so the ~24 truncated lanes among 512 draws are
  // redrawn in full vectors.
  constexpr int kBatch = 8 * kGroupElements;
  float values[kBatch];
  std::uint64_t outside[kBatch];
  int outside_index[kBatch];
  float redrawn[kBatch];
  std::int64_t e = begin;
  for (; e + kBatch <= end; e += kBatch) {
    for (int g = 0; g < kBatch; g += kGroupElements) {
      normal_group(static_cast<std::uint64_t>((e + g) / 4), s.tensor, s.key0, s.key1, values + g);
    }
    if (truncated) {
      // About 4.6% of draws fall outside +-2 std: collect them without branches,
      // redraw them together, and leave the rare third attempt to the scalar path.
      int count = 0;
      for (int i = 0; i < kBatch; ++i) {
        outside[count] = static_cast<std::uint64_t>(e + i);
        outside_index[count] = i;
        count += fabsf(values[i]) > s.cut ? 1 : 0;
      }
      redraw_batch(outside, count, s.tensor, s.key0, s.key1, redrawn);
      for (int k = 0; k < count; ++k) {
        const float v = redrawn[k];
        values[outside_index[k]] =
            fabsf(v) <= s.cut ? v : standard_element(outside[k], s.tensor, s.cut, s.key0, s.key1, 2u);
      }
    }
    for (float& v : values) v *= s.std;
    accumulate_values(values, kBatch, sq);
  }
  for (int k = 0; k < 8; ++k) merge(m, TensorMoments{sq[k]});
  for (; e < end; ++e) {
    accumulate(m,
               weight_element(s.distribution, s.std, s.cut, static_cast<std::uint64_t>(e), s.tensor, s.key0, s.key1));
  }
  return m;
}

// Moments of given weights (host memory), in the same eight-lane order.
TensorMoments chunk_moments_given(const WeightSegment& s, std::int64_t begin, std::int64_t end) {
  double sq[8] = {};
  std::int64_t e = begin;
  for (; e + 8 <= end; e += 8) accumulate_values(s.given + e, 8, sq);
  TensorMoments m;
  for (int k = 0; k < 8; ++k) merge(m, TensorMoments{sq[k]});
  for (; e < end; ++e) accumulate(m, s.given[e]);
  return m;
}

class CpuBackend final : public WeightStatisticsBackend {
 public:
  std::string_view name() const override { return "cpu"; }
  bool supports(KernelFamily) const override { return true; }  // the twin of every family

  PopulationStatistics compute(const SegmentTable& table, WeightSource source) const override {
    const auto& segments = table.segments;
    std::vector<Chunk> chunks;
    std::vector<std::size_t> first_chunk(segments.size() + 1, 0);
    for (std::size_t i = 0; i < segments.size(); ++i) {
      first_chunk[i] = chunks.size();
      const std::int64_t n = segments[i].numel();
      ZEROLM_CHECK(source != WeightSource::given || n == 0 || segments[i].given != nullptr,
                   "given weights: segment {} (architecture {}, tensor {}) has no data", i, segments[i].architecture,
                   segments[i].tensor);
      for (std::int64_t begin = 0; begin < n; begin += kChunkElements) {
        chunks.push_back({i, begin, std::min(n, begin + kChunkElements)});
      }
    }
    first_chunk[segments.size()] = chunks.size();
    std::vector<TensorMoments> partial(chunks.size());
    tbb::parallel_for(std::size_t{0}, chunks.size(), [&](std::size_t c) {
      const WeightSegment& s = segments[chunks[c].segment];
      partial[c] = source == WeightSource::sampled ? chunk_moments(s, chunks[c].begin, chunks[c].end)
                                                   : chunk_moments_given(s, chunks[c].begin, chunks[c].end);
    });
    PopulationStatistics out;
    out.tensors.resize(segments.size());
    for (std::size_t i = 0; i < segments.size(); ++i) {
      TensorMoments total;
      for (std::size_t c = first_chunk[i]; c < first_chunk[i + 1]; ++c) merge(total, partial[c]);
      out.tensors[i] = total;
    }
    finish_statistics(table, out);
    return out;
  }
};

}  // namespace

const WeightStatisticsBackend& cpu_backend() {
  static const CpuBackend backend;
  return backend;
}

}  // namespace zerolm::kernels
