// The CPU twin: TBB over (segment, chunk) work items, the shared per-element math,
// then an in-order merge of the chunk partials.
#include <tbb/parallel_for.h>

#include <vector>

#include "kernels/weight_statistics.hpp"

namespace zerolm::kernels {

namespace {

struct Chunk {
  std::size_t segment;
  std::int64_t begin;  // element range [begin, end)
  std::int64_t end;
};

TensorMoments chunk_moments(const WeightSegment& s, std::int64_t begin, std::int64_t end) {
  TensorMoments m;
  if (s.distribution == Distribution::zeros) return m;
  if (s.distribution == Distribution::ones) {
    const auto n = static_cast<double>(end - begin);
    return {n, n, n, end > begin ? 1.0f : 0.0f};
  }
  float values[4];
  const auto first_block = static_cast<std::uint64_t>(begin / 4);
  const auto last_block = static_cast<std::uint64_t>((end + 3) / 4);
  for (std::uint64_t block = first_block; block < last_block; ++block) {
    weight_block(s.distribution, s.std, s.cut, block, s.tensor, s.key0, s.key1, values);
    const std::int64_t base = static_cast<std::int64_t>(block) * 4;
    for (int lane = 0; lane < 4; ++lane) {
      const std::int64_t e = base + lane;
      if (e >= begin && e < end) accumulate(m, values[lane]);
    }
  }
  return m;
}

class CpuBackend final : public WeightStatisticsBackend {
 public:
  std::string_view name() const override { return "cpu"; }

  void sampled_moments(std::span<const WeightSegment> segments, std::span<TensorMoments> out) const override {
    std::vector<Chunk> chunks;
    std::vector<std::size_t> first_chunk(segments.size() + 1, 0);
    for (std::size_t i = 0; i < segments.size(); ++i) {
      first_chunk[i] = chunks.size();
      const std::int64_t n = segments[i].numel();
      for (std::int64_t begin = 0; begin < n; begin += kChunkElements) {
        chunks.push_back({i, begin, std::min(n, begin + kChunkElements)});
      }
    }
    first_chunk[segments.size()] = chunks.size();
    std::vector<TensorMoments> partial(chunks.size());
    tbb::parallel_for(std::size_t{0}, chunks.size(), [&](std::size_t c) {
      partial[c] = chunk_moments(segments[chunks[c].segment], chunks[c].begin, chunks[c].end);
    });
    for (std::size_t i = 0; i < segments.size(); ++i) {
      TensorMoments total;
      for (std::size_t c = first_chunk[i]; c < first_chunk[i + 1]; ++c) merge(total, partial[c]);
      out[i] = total;
    }
  }
};

}  // namespace

const WeightStatisticsBackend& cpu_backend() {
  static const CpuBackend backend;
  return backend;
}

}  // namespace zerolm::kernels
