// The CUDA backend: one launch computes, for a whole population, every tensor's
// moments and every (architecture, layer, module) capacity sum.
//
// Work: each tensor is cut into chunks of kChunkElements (the CPU twin's cut);
// consecutive chunks are packed into thread blocks of about kElementsPerBlock
// elements, so a block serves one slice of a huge matrix or many small ones.
// Each chunk's moments are reduced by a fixed tree in shared memory and written to
// its own slot; the last block to finish (an atomic ticket: the ticket's order does
// not affect any sum) merges the chunk partials of each tensor in order and adds
// capacities per module in segment order. No floating-point atomics: the result
// does not depend on scheduling.
#include <cuda_runtime.h>

#include <algorithm>
#include <string>
#include <vector>

#include "kernels/cuda/cuda_check.cuh"
#include "kernels/cuda/cuda_runtime_info.hpp"
#include "kernels/cuda/weight_statistics_cuda.hpp"

namespace zerolm::kernels::cuda {

namespace {

constexpr int kThreads = 256;
constexpr std::int64_t kElementsPerBlock = 1 << 17;

struct Chunk {
  std::uint32_t segment;
  std::int64_t begin;
  std::int64_t end;
};

__device__ void block_reduce(TensorMoments& m, TensorMoments* shared) {
  const int tid = static_cast<int>(threadIdx.x);
  shared[tid] = m;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride /= 2) {
    if (tid < stride) merge(shared[tid], shared[tid + stride]);
    __syncthreads();
  }
  m = shared[0];
  __syncthreads();
}

__global__ void __launch_bounds__(kThreads)
    population_statistics_kernel(const WeightSegment* segments, const Chunk* chunks, const std::uint32_t* block_chunks,
                                 WeightSource source, TensorMoments* partials, std::uint32_t segment_count,
                                 const std::uint32_t* segment_chunks, std::uint32_t module_count,
                                 const std::uint32_t* module_offsets, const std::uint32_t* module_segments,
                                 TensorMoments* tensors, double* capacities, double* modules,
                                 unsigned int* finished_blocks) {
  __shared__ TensorMoments shared[kThreads];
  __shared__ bool last_block;
  const int tid = static_cast<int>(threadIdx.x);

  for (std::uint32_t c = block_chunks[blockIdx.x]; c < block_chunks[blockIdx.x + 1]; ++c) {
    const Chunk chunk = chunks[c];
    const WeightSegment& s = segments[chunk.segment];
    TensorMoments m;
    if (source == WeightSource::sampled) {
      // Chunks start at multiples of kChunkElements, so at Philox block boundaries.
      const std::uint64_t first = static_cast<std::uint64_t>(chunk.begin) / 4;
      const std::uint64_t last = (static_cast<std::uint64_t>(chunk.end) + 3) / 4;
      for (std::uint64_t block = first + static_cast<std::uint64_t>(tid); block < last; block += kThreads) {
        float values[4];
        weight_block(s.distribution, s.std, s.cut, block, s.tensor, s.key0, s.key1, values);
        for (int lane = 0; lane < 4; ++lane) {
          if (static_cast<std::int64_t>(block * 4) + lane < chunk.end) accumulate(m, values[lane]);
        }
      }
    } else {
      for (std::int64_t e = chunk.begin + tid; e < chunk.end; e += kThreads) accumulate(m, s.given[e]);
    }
    block_reduce(m, shared);
    if (tid == 0) partials[c] = m;
  }

  // The last block to finish merges in a fixed order.
  __threadfence();
  __syncthreads();
  if (tid == 0) last_block = atomicAdd(finished_blocks, 1u) == gridDim.x - 1;
  __syncthreads();
  if (!last_block) return;
  __threadfence();
  for (std::uint32_t i = static_cast<std::uint32_t>(tid); i < segment_count; i += kThreads) {
    TensorMoments total;
    for (std::uint32_t c = segment_chunks[i]; c < segment_chunks[i + 1]; ++c) {
      TensorMoments part;
      part.sum_squares = __ldcg(&partials[c].sum_squares);
      merge(total, part);
    }
    tensors[i] = total;
    const WeightSegment& s = segments[i];
    capacities[i] = s.rows * s.cols == 0 ? 0.0 : capacity(total.sum_squares, s.rows, s.cols);
  }
  __syncthreads();
  for (std::uint32_t slot = static_cast<std::uint32_t>(tid); slot < module_count; slot += kThreads) {
    double sum = 0.0;
    for (std::uint32_t k = module_offsets[slot]; k < module_offsets[slot + 1]; ++k)
      sum += capacities[module_segments[k]];
    modules[slot] = sum;
  }
}

// Device buffer owned for one call.
template <typename T>
class DeviceArray {
 public:
  DeviceArray(std::size_t count, const char* what, std::size_t population) : count_(count) {
    if (count_ > 0)
      ZEROLM_CUDA_CHECK(cudaMalloc(&data_, count_ * sizeof(T)), "allocating {} ({} architectures)", what, population);
  }
  DeviceArray(const std::vector<T>& host, const char* what, std::size_t population)
      : DeviceArray(host.size(), what, population) {
    if (count_ > 0) {
      ZEROLM_CUDA_CHECK(cudaMemcpy(data_, host.data(), count_ * sizeof(T), cudaMemcpyHostToDevice),
                        "copying {} ({} architectures)", what, population);
    }
  }
  ~DeviceArray() {
    if (data_ != nullptr) (void)cudaFree(data_);
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  T* get() const { return data_; }
  std::vector<T> to_host(const char* what, std::size_t population) const {
    std::vector<T> host(count_);
    if (count_ > 0) {
      ZEROLM_CUDA_CHECK(cudaMemcpy(host.data(), data_, count_ * sizeof(T), cudaMemcpyDeviceToHost),
                        "reading {} ({} architectures)", what, population);
    }
    return host;
  }

 private:
  T* data_ = nullptr;
  std::size_t count_ = 0;
};

// A CUDA event, destroyed with its scope.
class DeviceEvent {
 public:
  DeviceEvent() { ZEROLM_CUDA_CHECK(cudaEventCreate(&event_), "creating an event"); }
  ~DeviceEvent() { (void)cudaEventDestroy(event_); }
  DeviceEvent(const DeviceEvent&) = delete;
  DeviceEvent& operator=(const DeviceEvent&) = delete;
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

// Segments [first, last) of `table`, whose module slots are [module_first, module_last).
void compute_range(const SegmentTable& table, std::size_t first, std::size_t last, std::uint32_t module_first,
                   std::uint32_t module_last, WeightSource source, PopulationStatistics& out) {
  const std::size_t population =
      last > first ? table.segments[last - 1].architecture - table.segments[first].architecture + 1 : 0;
  std::vector<WeightSegment> segments(table.segments.begin() + static_cast<std::ptrdiff_t>(first),
                                      table.segments.begin() + static_cast<std::ptrdiff_t>(last));
  std::vector<Chunk> chunks;
  std::vector<std::uint32_t> segment_chunks{0};
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::int64_t n = segments[i].numel();
    ZEROLM_CHECK(source != WeightSource::given || n == 0 || segments[i].given != nullptr,
                 "given weights: segment {} has no device data", first + i);
    for (std::int64_t begin = 0; begin < n; begin += kChunkElements) {
      chunks.push_back({static_cast<std::uint32_t>(i), begin, std::min(n, begin + kChunkElements)});
    }
    segment_chunks.push_back(static_cast<std::uint32_t>(chunks.size()));
    segments[i].module -= module_first;
  }
  // Pack consecutive chunks into blocks of about kElementsPerBlock elements.
  std::vector<std::uint32_t> block_chunks{0};
  std::int64_t in_block = 0;
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    in_block += chunks[c].end - chunks[c].begin;
    if (in_block >= kElementsPerBlock) {
      block_chunks.push_back(static_cast<std::uint32_t>(c + 1));
      in_block = 0;
    }
  }
  if (block_chunks.back() != chunks.size()) block_chunks.push_back(static_cast<std::uint32_t>(chunks.size()));
  if (block_chunks.size() == 1) block_chunks.push_back(0);  // one (empty) block still finalises
  // Segments of each module slot, in segment order (CSR).
  const std::uint32_t module_count = module_last - module_first;
  std::vector<std::uint32_t> module_offsets(module_count + 1, 0);
  for (const auto& s : segments) ++module_offsets[s.module + 1];
  for (std::uint32_t k = 0; k < module_count; ++k) module_offsets[k + 1] += module_offsets[k];
  std::vector<std::uint32_t> module_segments(segments.size());
  std::vector<std::uint32_t> fill(module_offsets.begin(), module_offsets.end() - 1);
  for (std::size_t i = 0; i < segments.size(); ++i)
    module_segments[fill[segments[i].module]++] = static_cast<std::uint32_t>(i);

  const DeviceArray<WeightSegment> d_segments(segments, "segments", population);
  const DeviceArray<Chunk> d_chunks(chunks, "chunks", population);
  const DeviceArray<std::uint32_t> d_block_chunks(block_chunks, "block table", population);
  const DeviceArray<std::uint32_t> d_segment_chunks(segment_chunks, "segment table", population);
  const DeviceArray<std::uint32_t> d_module_offsets(module_offsets, "module table", population);
  const DeviceArray<std::uint32_t> d_module_segments(module_segments, "module table", population);
  const DeviceArray<TensorMoments> d_partials(std::max<std::size_t>(chunks.size(), 1), "partial sums", population);
  const DeviceArray<TensorMoments> d_tensors(std::max<std::size_t>(segments.size(), 1), "tensor moments", population);
  const DeviceArray<double> d_capacities(std::max<std::size_t>(segments.size(), 1), "capacities", population);
  const DeviceArray<double> d_modules(std::max<std::uint32_t>(module_count, 1), "module sums", population);
  const DeviceArray<unsigned int> d_finished(std::vector<unsigned int>{0u}, "block counter", population);

  const auto blocks = static_cast<unsigned int>(block_chunks.size() - 1);
  population_statistics_kernel<<<blocks, kThreads>>>(
      d_segments.get(), d_chunks.get(), d_block_chunks.get(), source, d_partials.get(),
      static_cast<std::uint32_t>(segments.size()), d_segment_chunks.get(), module_count, d_module_offsets.get(),
      d_module_segments.get(), d_tensors.get(), d_capacities.get(), d_modules.get(), d_finished.get());
  ZEROLM_CUDA_CHECK(cudaGetLastError(), "launching population_statistics_kernel ({} architectures, {} blocks)",
                    population, blocks);
  ZEROLM_CUDA_CHECK(cudaDeviceSynchronize(), "running population_statistics_kernel ({} architectures)", population);

  const auto tensors = d_tensors.to_host("tensor moments", population);
  const auto capacities = d_capacities.to_host("capacities", population);
  const auto modules = d_modules.to_host("module sums", population);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    out.tensors[first + i] = tensors[i];
    out.capacity[first + i] = capacities[i];
  }
  for (std::uint32_t k = 0; k < module_count; ++k) out.modules[module_first + k] = modules[k];
}

// Splits at architecture boundaries until each part fits in device memory.
void compute_split(const SegmentTable& table, std::size_t first, std::size_t last, WeightSource source,
                   PopulationStatistics& out) {
  if (first == last) return;
  std::uint32_t module_first = table.segments[first].module, module_last = module_first + 1;
  for (std::size_t i = first; i < last; ++i) {
    module_first = std::min(module_first, table.segments[i].module);
    module_last = std::max(module_last, table.segments[i].module + 1);
  }
  try {
    compute_range(table, first, last, module_first, module_last, source, out);
  } catch (const CudaError& e) {
    const std::uint32_t a0 = table.segments[first].architecture, a1 = table.segments[last - 1].architecture;
    if (!e.out_of_memory() || a0 == a1) throw;
    (void)cudaGetLastError();
    // Halve the population: the first segment of the middle architecture.
    const std::uint32_t middle = a0 + (a1 - a0 + 1) / 2;
    std::size_t split = first;
    while (split < last && table.segments[split].architecture < middle) ++split;
    compute_split(table, first, split, source, out);
    compute_split(table, split, last, source, out);
  }
}

class CudaBackend final : public WeightStatisticsBackend {
 public:
  std::string_view name() const override { return "cuda"; }
  bool supports(KernelFamily family) const override { return family == KernelFamily::weight_statistics; }

  PopulationStatistics compute(const SegmentTable& table, WeightSource source) const override {
    PopulationStatistics out;
    out.tensors.resize(table.segments.size());
    out.capacity.resize(table.segments.size());
    out.modules.assign(table.modules, 0.0);
    for (std::size_t i = 1; i < table.segments.size(); ++i) {
      ZEROLM_ASSERT(table.segments[i].architecture >= table.segments[i - 1].architecture,
                    "segment table: architectures must be in order (segment {})", i);
    }
    compute_split(table, 0, table.segments.size(), source, out);
    return out;
  }
};

__global__ void generate_and_sum_kernel(std::uint64_t blocks, std::uint32_t key0, std::uint32_t key1, double* sums) {
  __shared__ TensorMoments shared[kThreads];
  TensorMoments m;
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * kThreads;
  for (std::uint64_t block = blockIdx.x * static_cast<std::uint64_t>(kThreads) + threadIdx.x; block < blocks;
       block += stride) {
    float z[4];
    normal4(block, 0u, 0u, key0, key1, z);
    m.sum_squares += static_cast<double>(z[0]) * z[0] + static_cast<double>(z[1]) * z[1] +
                     static_cast<double>(z[2]) * z[2] + static_cast<double>(z[3]) * z[3];
  }
  block_reduce(m, shared);
  if (threadIdx.x == 0) sums[blockIdx.x] = m.sum_squares;
}

__global__ void draw_elements_kernel(WeightSegment s, const std::uint64_t* elements, std::size_t count, float* out) {
  const std::size_t i = blockIdx.x * static_cast<std::size_t>(blockDim.x) + threadIdx.x;
  if (i < count) {
    float values[4];
    weight_block(s.distribution, s.std, s.cut, elements[i] / 4, s.tensor, s.key0, s.key1, values);
    out[i] = values[elements[i] % 4];
  }
}

__global__ void fill_weights_kernel(WeightSegment s, float* out) {
  const std::uint64_t n = static_cast<std::uint64_t>(s.rows * s.cols);
  const std::uint64_t stride = static_cast<std::uint64_t>(gridDim.x) * blockDim.x;
  for (std::uint64_t block = blockIdx.x * static_cast<std::uint64_t>(blockDim.x) + threadIdx.x; block * 4 < n;
       block += stride) {
    float values[4];
    weight_block(s.distribution, s.std, s.cut, block, s.tensor, s.key0, s.key1, values);
    for (int lane = 0; lane < 4; ++lane) {
      if (block * 4 + static_cast<std::uint64_t>(lane) < n)
        out[block * 4 + static_cast<std::uint64_t>(lane)] = values[lane];
    }
  }
}

}  // namespace

DeviceWeights::DeviceWeights(SegmentTable& table) {
  std::size_t elements = 0;
  for (const auto& s : table.segments) elements += static_cast<std::size_t>(s.numel());
  bytes_ = elements * sizeof(float);
  if (bytes_ == 0) return;
  ZEROLM_CUDA_CHECK(cudaMalloc(&data_, bytes_), "allocating {} MiB of given weights", bytes_ >> 20);
  try {
    std::size_t offset = 0;
    for (auto& s : table.segments) {
      s.given = data_ + offset;
      const auto n = static_cast<std::size_t>(s.numel());
      if (n > 0) {
        const auto blocks = static_cast<unsigned int>(std::min<std::size_t>((n / 4 + kThreads) / kThreads, 65535));
        fill_weights_kernel<<<blocks, kThreads>>>(s, data_ + offset);
        ZEROLM_CUDA_CHECK(cudaGetLastError(), "launching fill_weights_kernel ({} weights)", n);
      }
      offset += n;
    }
    ZEROLM_CUDA_CHECK(cudaDeviceSynchronize(), "filling {} MiB of given weights", bytes_ >> 20);
  } catch (...) {
    (void)cudaFree(data_);  // the destructor does not run for a constructor that throws
    throw;
  }
}

DeviceWeights::~DeviceWeights() {
  if (data_ != nullptr) (void)cudaFree(data_);
}

std::size_t free_memory() {
  std::size_t free = 0, total = 0;
  ZEROLM_CUDA_CHECK(cudaMemGetInfo(&free, &total), "querying device memory");
  return free;
}

double peak_bandwidth() {
  int clock_khz = 0, bus_bits = 0;
  ZEROLM_CUDA_CHECK(cudaDeviceGetAttribute(&clock_khz, cudaDevAttrMemoryClockRate, current_device()),
                    "querying the memory clock");
  ZEROLM_CUDA_CHECK(cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, current_device()),
                    "querying the memory bus");
  return 2.0 * clock_khz * 1e3 * bus_bits / 8.0;
}

std::string device_name() {
  cudaDeviceProp properties{};
  ZEROLM_CUDA_CHECK(cudaGetDeviceProperties(&properties, current_device()), "querying the current device");
  return properties.name;
}

std::vector<float> draw_elements(const WeightSegment& segment, const std::vector<std::uint64_t>& elements) {
  if (elements.empty()) return {};
  const DeviceArray<std::uint64_t> d_elements(elements, "element indices", 1);
  const DeviceArray<float> d_out(elements.size(), "drawn elements", 1);
  const auto blocks = static_cast<unsigned int>((elements.size() + kThreads - 1) / kThreads);
  draw_elements_kernel<<<blocks, kThreads>>>(segment, d_elements.get(), elements.size(), d_out.get());
  ZEROLM_CUDA_CHECK(cudaGetLastError(), "launching draw_elements_kernel ({} elements)", elements.size());
  ZEROLM_CUDA_CHECK(cudaDeviceSynchronize(), "running draw_elements_kernel ({} elements)", elements.size());
  return d_out.to_host("drawn elements", 1);
}

const WeightStatisticsBackend& backend() {
  static const CudaBackend instance;
  return instance;
}

double generate_and_sum_rate(std::uint64_t count) {
  const std::uint64_t blocks = (count + 3) / 4;
  int sms = 0;
  ZEROLM_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, current_device()),
                    "querying the SM count");
  const unsigned int grid = static_cast<unsigned int>(sms * 8);
  const DeviceArray<double> sums(grid, "generate-and-sum partials", 0);
  const DeviceEvent start, stop;
  generate_and_sum_kernel<<<grid, kThreads>>>(blocks, 1u, 2u, sums.get());  // warm-up
  ZEROLM_CUDA_CHECK(cudaGetLastError(), "launching generate_and_sum_kernel ({} normals)", count);
  ZEROLM_CUDA_CHECK(cudaEventRecord(start.get()), "recording an event");
  generate_and_sum_kernel<<<grid, kThreads>>>(blocks, 3u, 4u, sums.get());
  ZEROLM_CUDA_CHECK(cudaGetLastError(), "launching generate_and_sum_kernel ({} normals)", count);
  ZEROLM_CUDA_CHECK(cudaEventRecord(stop.get()), "recording an event");
  ZEROLM_CUDA_CHECK(cudaEventSynchronize(stop.get()), "running generate_and_sum_kernel ({} normals)", count);
  float ms = 0.0f;
  ZEROLM_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()), "reading the timer");
  return static_cast<double>(blocks * 4) / (static_cast<double>(ms) * 1e-3);
}

}  // namespace zerolm::kernels::cuda
