// The only translation unit that includes LibTorch (a minute to compile).
#include "engine/reference/torch_reference.hpp"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "engine/core/error.hpp"
#include "engine/reference/torch_networks.hpp"
#include "kernels/weight_statistics.hpp"
#include "proxies/zerolm_proxy.hpp"

namespace zerolm::reference {

bool torch_cuda_available() { return at::hasCUDA() && at::globalContext().hasCUDA(); }

namespace {

at::Device parse_device(const std::string& device) {
  ZEROLM_CHECK(device == "cpu" || device == "cuda", "LibTorch reference: device '{}' is not cpu|cuda", device);
  ZEROLM_CHECK(device == "cpu" || torch_cuda_available(), "LibTorch reference: no CUDA device visible to LibTorch");
  return device == "cpu" ? at::Device(at::kCPU) : at::Device(at::kCUDA, 0);
}

// The proxy as a PyTorch user writes it: one reduction per counted matrix.
ProxyBreakdown zerolm_by_tensor_ops(const ModelSpec& spec, torch::nn::Module& network, const ZeroLmProxy& proxy,
                                    const ProxyOptions& options) {
  const auto parameters = network.named_parameters(/*recurse=*/true);
  ProxyBreakdown b;
  b.reset(spec.num_layers);
  std::vector<at::Tensor> terms;
  std::vector<const TensorSpec*> counted;
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
    const TensorSpec& t = spec.tensors()[i];
    if (!proxy.counts(t)) continue;
    const at::Tensor& w = parameters[spec.full_name(i)];
    terms.push_back(w.to(at::kDouble).pow(2).sum() / static_cast<double>(std::min(t.rows(), t.cols())));
    counted.push_back(&t);
  }
  if (!terms.empty()) {
    const at::Tensor values = at::stack(terms).cpu();
    const double* v = values.data_ptr<double>();
    for (std::size_t k = 0; k < counted.size(); ++k) b.at(counted[k]->layer, counted[k]->role) += v[k];
  }
  b.score = zerolm_combine(b, options.alpha, options);
  return b;
}

std::shared_ptr<TorchNetwork> instantiate(const SearchSpace& space, const Architecture& architecture, ModelSpec& spec,
                                          const at::Device& target) {
  space.lower(architecture, spec);
  auto network = build_network(space, architecture);
  network->to(target);
  initialise_from_spec(*network, spec);
  return network;
}

}  // namespace

TorchRun torch_zerolm(const SearchSpace& space, std::span<const Architecture> architectures,
                      const ProxyOptions& options, const std::string& device, std::uint64_t seed) {
  const at::Device target = parse_device(device);
  at::manual_seed(seed);
  const ZeroLmProxy proxy(options);
  TorchRun run;
  const auto started = std::chrono::steady_clock::now();
  ModelSpec spec;
  for (const Architecture& architecture : architectures) {
    const auto network = instantiate(space, architecture, spec, target);
    run.breakdowns.push_back(zerolm_by_tensor_ops(spec, *network, proxy, options));
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return run;
}

GivenComparison compare_given(const SearchSpace& space, const Architecture& architecture, const ProxyOptions& options,
                              const std::string& device, std::uint64_t seed) {
  const at::Device target = parse_device(device);
  at::manual_seed(seed);
  ModelSpec spec;
  const auto network = instantiate(space, architecture, spec, target);
  const auto parameters = network->named_parameters(/*recurse=*/true);
  const ZeroLmProxy proxy(options);
  GivenComparison out;
  out.torch = zerolm_by_tensor_ops(spec, *network, proxy, options);

  std::vector<std::uint32_t> module_base;
  kernels::SegmentTable table = proxy.segment_table(std::span<const ModelSpec>(&spec, 1), module_base);
  for (auto& segment : table.segments) {
    const at::Tensor& t = parameters[spec.full_name(segment.tensor)];
    ZEROLM_CHECK(t.is_contiguous(), "LibTorch reference: tensor {} is not contiguous", segment.tensor);
    segment.given = t.data_ptr<float>();
  }
  const kernels::WeightStatisticsBackend& backend =
      device == "cpu" ? kernels::cpu_backend() : kernels::select_backend("cuda");
  const kernels::PopulationStatistics statistics = backend.compute(table, kernels::WeightSource::given);
  read_module_sums(spec, statistics.modules, module_base[0], out.kernels);
  out.kernels.score = zerolm_combine(out.kernels, options.alpha, options);
  return out;
}

std::vector<std::int64_t> forward_shape(const SearchSpace& space, const Architecture& architecture, std::int64_t batch,
                                        std::int64_t sequence) {
  ModelSpec spec;
  at::manual_seed(0);
  const auto network = instantiate(space, architecture, spec, at::Device(at::kCPU));
  at::NoGradGuard no_grad;
  const auto tokens = at::randint(0, 1000, {batch, sequence}, at::TensorOptions().dtype(at::kLong));
  const at::Tensor out = network->forward(tokens);
  ZEROLM_CHECK(at::isfinite(out).all().item<bool>(), "LibTorch forward of {} produced non-finite values",
               space.summary(architecture));
  return out.sizes().vec();
}

namespace {
double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}
}  // namespace

LatencyProfile measure_latency(const SearchSpace& space, const Architecture& architecture,
                               const LatencyWorkload& workload, bool per_stage) {
  const at::Device target = parse_device(workload.device);
  ZEROLM_CHECK(workload.batch > 0 && workload.sequence > 0, "latency: batch {} and sequence {} must be positive",
               workload.batch, workload.sequence);
  ZEROLM_CHECK(workload.repeats > 0 && workload.warmup >= 0,
               "latency: repeats {} must be positive, warmup {} not negative", workload.repeats, workload.warmup);
  if (workload.threads > 0) at::set_num_threads(workload.threads);
  ModelSpec spec;
  at::manual_seed(0);
  const auto network = instantiate(space, architecture, spec, target);
  at::NoGradGuard no_grad;
  const auto tokens =
      at::randint(0, 1000, {workload.batch, workload.sequence}, at::TensorOptions().dtype(at::kLong)).to(target);
  const bool cuda = target.is_cuda();
  const auto synchronize_device = [] { at::detail::getCUDAHooks().deviceSynchronize(0); };
  using Clock = std::chrono::steady_clock;
  const auto timed = [&](auto&& work) {
    if (cuda) synchronize_device();
    const auto started = Clock::now();
    auto out = work();
    if (cuda) synchronize_device();
    (void)out;
    return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  };
  for (int i = 0; i < workload.warmup; ++i) network->forward(tokens);
  LatencyProfile profile;
  std::vector<double> forward;
  for (int i = 0; i < workload.repeats; ++i) forward.push_back(timed([&] { return network->forward(tokens); }));
  profile.forward_ms = median(forward);
  if (per_stage) {
    const std::size_t layers = network->num_layers();
    std::vector<double> embed, finish;
    std::vector<std::vector<double>> layer(layers);
    for (int i = 0; i < workload.repeats; ++i) {
      at::Tensor x;
      embed.push_back(timed([&] { return x = network->embed(tokens); }));
      for (std::size_t l = 0; l < layers; ++l) layer[l].push_back(timed([&] { return x = network->layer(l, x); }));
      finish.push_back(timed([&] { return network->finish(x); }));
    }
    profile.embed_ms = median(embed);
    profile.finish_ms = median(finish);
    for (const auto& times : layer) profile.layer_ms.push_back(median(times));
  }
  return profile;
}

}  // namespace zerolm::reference

extern "C" const zerolm::reference::TorchReferenceApi* zerolm_torch_reference_api() {
  static const zerolm::reference::TorchReferenceApi api{
      &zerolm::reference::torch_cuda_available, &zerolm::reference::torch_zerolm, &zerolm::reference::measure_latency,
      &zerolm::reference::export_torchscript};
  return &api;
}
