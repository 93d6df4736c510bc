// The CPU twin's vectorised loops against the per-element definition in
// kernels/weight_math.hpp (the definition the CUDA kernels share).
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "engine/core/model_spec.hpp"
#include "kernels/weight_statistics.hpp"

using namespace zerolm::kernels;

TEST_CASE("log_positive and sincos_turns are accurate to float precision", "[weight_math]") {
  double worst_log = 0, worst_trig = 0;
  for (int i = 1; i <= 200000; ++i) {
    const float x = static_cast<float>(i) / 200000.0f * (i % 7 == 0 ? 1e-6f : 1.0f);
    worst_log = std::max(worst_log, std::abs(log_positive(x) - std::log(static_cast<double>(x))));
    const float u = static_cast<float>(i) / 200000.0f;
    float s, c;
    sincos_turns(u, s, c);
    const double angle = 2.0 * M_PI * static_cast<double>(u);
    worst_trig = std::max({worst_trig, std::abs(s - std::sin(angle)), std::abs(c - std::cos(angle))});
  }
  CHECK(worst_log < 4e-6);  // absolute, for |log x| up to 26
  CHECK(worst_trig < 1e-6);
}

namespace {
TensorMoments reference_moments(const WeightSegment& s) {
  TensorMoments m;
  for (std::int64_t e = 0; e < s.numel(); ++e) {
    accumulate(m,
               weight_element(s.distribution, s.std, s.cut, static_cast<std::uint64_t>(e), s.tensor, s.key0, s.key1));
  }
  return m;
}
}  // namespace

TEST_CASE("the CPU twin's batched loops equal the per-element definition", "[weight_math]") {
  std::vector<WeightSegment> segments;
  // Shapes around the batch (512) and chunk (65536) sizes, odd tails, a vector.
  const std::pair<std::int64_t, std::int64_t> shapes[] = {{1, 1},     {3, 5},     {128, 4}, {513, 1},
                                                          {256, 257}, {300, 700}, {1000, 1}};
  std::uint32_t tensor = 0;
  for (auto [rows, cols] : shapes) {
    for (Distribution d :
         {Distribution::normal, Distribution::truncated_normal, Distribution::zeros, Distribution::ones}) {
      segments.push_back({0, tensor++, rows, cols, d, 0.02f, 2.0f, 0xabcdu, 0x1234u});
    }
  }
  SegmentTable table{segments, static_cast<std::uint32_t>(segments.size())};
  for (std::size_t i = 0; i < segments.size(); ++i) table.segments[i].module = static_cast<std::uint32_t>(i);
  const std::vector<TensorMoments> fast = cpu_backend().compute(table, WeightSource::sampled).tensors;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const TensorMoments ref = reference_moments(segments[i]);
    INFO("segment " << i << ": " << segments[i].rows << " x " << segments[i].cols);
    // Same draws, summed in another order: equal to rounding.
    CHECK(fast[i].sum_squares == Approx(ref.sum_squares).epsilon(1e-12).margin(1e-300));
  }
}

TEST_CASE("truncated weights have the truncated variance, and empty segments are zero", "[weight_math]") {
  std::vector<WeightSegment> segments{{0, 0, 2000, 300, Distribution::truncated_normal, 0.5f, 2.0f, 7u, 8u},
                                      {0, 1, 0, 10, Distribution::normal, 0.02f, 0.0f, 7u, 8u}};
  const std::vector<TensorMoments> out =
      cpu_backend().compute(SegmentTable{segments, 1}, WeightSource::sampled).tensors;
  // 600,000 draws of N(0, 0.5^2) cut at 2 std: variance 0.25 * 0.7737 (untruncated: 0.25).
  CHECK(out[0].sum_squares / 600000.0 == Approx(0.25 * zerolm::truncated_normal_variance_factor(2.0)).epsilon(0.01));
  CHECK(out[1].sum_squares == 0.0);
}

TEST_CASE("given weights: the twin reads memory and matches the sampled draws it was filled with", "[weight_math]") {
  std::vector<std::vector<float>> storage;
  std::vector<WeightSegment> segments;
  const std::pair<std::int64_t, std::int64_t> shapes[] = {{7, 3}, {256, 300}, {1, 70001}};
  std::uint32_t tensor = 0;
  for (auto [rows, cols] : shapes) {
    WeightSegment s{0, tensor++, rows, cols, Distribution::truncated_normal, 0.05f, 2.0f, 5u, 6u};
    std::vector<float> values(static_cast<std::size_t>(rows * cols));
    for (std::size_t e = 0; e < values.size(); ++e)
      values[e] = weight_element(s.distribution, s.std, s.cut, e, s.tensor, s.key0, s.key1);
    storage.push_back(std::move(values));
    segments.push_back(s);
  }
  for (std::size_t i = 0; i < segments.size(); ++i) {
    segments[i].given = storage[i].data();
    segments[i].module = 0;  // one module: the sum of all three capacities
  }
  const SegmentTable table{segments, 1};
  const auto given = cpu_backend().compute(table, WeightSource::given);
  const auto sampled = cpu_backend().compute(table, WeightSource::sampled);
  double capacity_sum = 0;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    CHECK(given.tensors[i].sum_squares == Approx(sampled.tensors[i].sum_squares).epsilon(1e-12));
    CHECK(given.capacity[i] ==
          Approx(given.tensors[i].sum_squares / static_cast<double>(std::min(segments[i].rows, segments[i].cols))));
    capacity_sum += given.capacity[i];
  }
  CHECK(given.modules[0] == Approx(capacity_sum).epsilon(1e-15));
  WeightSegment missing = segments[0];
  missing.given = nullptr;
  CHECK_THROWS(cpu_backend().compute(SegmentTable{{missing}, 1}, WeightSource::given));
}
