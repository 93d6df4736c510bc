// Cross-backend tests in the style of llama.cpp's test-backend-ops: the CUDA
// kernels against their CPU twin. Registered with ctest (label `gpu`) only when a
// GPU is present at configure time.
#include <cuda_runtime.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "engine/scoring/evaluate.hpp"
#include "kernels/cuda/weight_statistics_cuda.hpp"
#include "kernels/weight_statistics.hpp"
#include "proxies/zerolm_proxy.hpp"

using namespace zerolm;
using namespace zerolm::kernels;

namespace {

const WeightStatisticsBackend& gpu() {
  const WeightStatisticsBackend* b = cuda_backend();
  REQUIRE(b != nullptr);
  return *b;
}

void check_close(const PopulationStatistics& a, const PopulationStatistics& b) {
  REQUIRE(a.tensors.size() == b.tensors.size());
  REQUIRE(a.modules.size() == b.modules.size());
  for (std::size_t i = 0; i < a.tensors.size(); ++i) {
    INFO("segment " << i);
    CHECK(a.tensors[i].sum_squares == Approx(b.tensors[i].sum_squares).epsilon(1e-9).margin(1e-300));
  }
  for (std::size_t k = 0; k < a.modules.size(); ++k) {
    INFO("module " << k);
    CHECK(a.modules[k] == Approx(b.modules[k]).epsilon(1e-9).margin(1e-300));
  }
}

SegmentTable odd_table() {
  SegmentTable table;
  const std::pair<std::int64_t, std::int64_t> shapes[] = {{2, 128},     {1, 1}, {3, 5},       {128, 4},    {513, 1},
                                                          {30522, 128}, {0, 7}, {1024, 1024}, {4096, 1000}};
  std::uint32_t tensor = 0;
  for (auto [rows, cols] : shapes) {
    for (Distribution d :
         {Distribution::normal, Distribution::truncated_normal, Distribution::zeros, Distribution::ones}) {
      table.segments.push_back({tensor / 8, tensor, rows, cols, d, 0.02f, 2.0f, 0x1234u + tensor, 0x77u, tensor / 3});
      ++tensor;
    }
  }
  table.modules = tensor / 3 + 1;
  return table;
}

}  // namespace

TEST_CASE("GPU draws the same weights as the CPU, element by element", "[gpu]") {
  for (Distribution d : {Distribution::normal, Distribution::truncated_normal}) {
    const WeightSegment s{0, 3, 1000, 1000, d, 0.02f, 2.0f, 99u, 7u};
    std::vector<std::uint64_t> elements{0, 1, 2, 3, 4, 1023, 65535, 65536, 999999, 123457};
    const auto drawn = cuda::draw_elements(s, elements);
    for (std::size_t i = 0; i < elements.size(); ++i) {
      CHECK(drawn[i] == weight_element(d, s.std, s.cut, elements[i], s.tensor, s.key0, s.key1));
    }
  }
}

TEST_CASE("GPU sampled statistics equal the CPU twin on odd, tiny, empty and large tensors", "[gpu]") {
  const SegmentTable table = odd_table();
  check_close(gpu().compute(table, WeightSource::sampled), cpu_backend().compute(table, WeightSource::sampled));
  const SegmentTable empty{{}, 0};
  CHECK(gpu().compute(empty, WeightSource::sampled).tensors.empty());
}

TEST_CASE("GPU given statistics equal the CPU twin on the same weights", "[gpu]") {
  SegmentTable host = odd_table();
  SegmentTable device = host;
  std::vector<std::vector<float>> values(host.segments.size());
  std::vector<float*> buffers(host.segments.size(), nullptr);
  for (std::size_t i = 0; i < host.segments.size(); ++i) {
    const auto& s = host.segments[i];
    values[i].resize(static_cast<std::size_t>(s.numel()));
    for (std::size_t e = 0; e < values[i].size(); ++e)
      values[i][e] = weight_element(s.distribution, s.std, s.cut, e, s.tensor, s.key0, s.key1);
    host.segments[i].given = values[i].data();
    if (!values[i].empty()) {
      REQUIRE(cudaMalloc(&buffers[i], values[i].size() * sizeof(float)) == cudaSuccess);
      REQUIRE(cudaMemcpy(buffers[i], values[i].data(), values[i].size() * sizeof(float), cudaMemcpyHostToDevice) ==
              cudaSuccess);
    }
    device.segments[i].given = buffers[i];
  }
  check_close(gpu().compute(device, WeightSource::given), cpu_backend().compute(host, WeightSource::given));
  // Given and sampled read the same numbers.
  check_close(gpu().compute(device, WeightSource::given), gpu().compute(device, WeightSource::sampled));
  for (float* b : buffers) (void)cudaFree(b);
}

TEST_CASE("ZeroLM sampled scores of whole populations agree across backends", "[gpu]") {
  for (const char* name : {"flexibert", "gpt2"}) {
    const auto space = make_search_space(name, {name == std::string("flexibert") ? "trained" : "lts"});
    for (std::size_t population : {std::size_t{1}, std::size_t{37}, std::size_t{1024}}) {
      const auto sample = sample_architectures(*space, population, 11);
      ProxyOptions cpu_options, gpu_options;
      cpu_options.mode = gpu_options.mode = ProxyMode::sampled;
      gpu_options.backend = &gpu();
      const auto a = evaluate(*space, ZeroLmProxy(cpu_options), sample, population);
      const auto b = evaluate(*space, ZeroLmProxy(gpu_options), sample, population);
      for (std::size_t i = 0; i < population; ++i) {
        INFO(name << " population " << population << " architecture " << i);
        CHECK(b[i].score == Approx(a[i].score).epsilon(1e-9));
        CHECK(b[i].module_total(Role::attention) == Approx(a[i].module_total(Role::attention)).epsilon(1e-9));
        CHECK(b[i].module_total(Role::ffn) == Approx(a[i].module_total(Role::ffn)).epsilon(1e-9));
      }
    }
  }
}
