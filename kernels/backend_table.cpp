#include "kernels/weight_statistics.hpp"

#include "engine/core/error.hpp"

#if ZEROLM_HAVE_CUDA
#include "kernels/cuda/cuda_runtime_info.hpp"
#include "kernels/cuda/weight_statistics_cuda.hpp"
#endif

namespace zerolm::kernels {

const WeightStatisticsBackend* cuda_backend() {
#if ZEROLM_HAVE_CUDA
  return cuda::device_count() > 0 ? &cuda::backend() : nullptr;
#else
  return nullptr;
#endif
}

std::string_view kernel_family_name(KernelFamily family) {
  switch (family) {
    case KernelFamily::weight_statistics: return "weight statistics";
    case KernelFamily::spectral: return "spectral statistics";
  }
  return "?";
}

const WeightStatisticsBackend& select_backend(std::string_view device, std::string* picked, KernelFamily family) {
  auto say = [&](const std::string& line) {
    if (picked != nullptr) *picked = line;
  };
  if (device == "cpu") {
    say("device: cpu (requested)");
    return cpu_backend();
  }
  ZEROLM_CHECK(device == "auto" || device == "cuda", "--device: value '{}' is not auto|cpu|cuda", device);
  const WeightStatisticsBackend* gpu = cuda_backend();
  if (gpu != nullptr && gpu->supports(family)) {
    say("device: cuda, " + cuda_device_summary());
    return *gpu;
  }
  if (gpu != nullptr) {
    say(fmt::format("device: cpu ({} have no CUDA kernels yet; the GPU, {}, is not used)", kernel_family_name(family),
                    cuda_device_summary()));
    return cpu_backend();
  }
  const std::string why = cuda_built() ? cuda_device_summary() : "zerolm was built without CUDA";
  ZEROLM_CHECK(device != "cuda", "--device cuda: no usable GPU ({})", why);
  say("device: cpu (" + why + ")");
  return cpu_backend();
}

void finish_statistics(const SegmentTable& table, PopulationStatistics& out) {
  const auto n = table.segments.size();
  out.capacity.resize(n);
  out.modules.assign(table.modules, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const WeightSegment& s = table.segments[i];
    out.capacity[i] = s.numel() == 0 ? 0.0 : capacity(out.tensors[i].sum_squares, s.rows, s.cols);
    ZEROLM_ASSERT(s.module < table.modules, "segment {}: module slot {} of {}", i, s.module, table.modules);
    out.modules[s.module] += out.capacity[i];
  }
}

bool cuda_built() { return ZEROLM_HAVE_CUDA != 0; }

void use_cuda_device_of_local_rank([[maybe_unused]] int local_rank) {
#if ZEROLM_HAVE_CUDA
  (void)cuda::use_device(local_rank);
#endif
}

std::string cuda_device_summary() {
#if ZEROLM_HAVE_CUDA
  return cuda::device_summary();
#else
  return "CUDA backend not built";
#endif
}

}  // namespace zerolm::kernels
