// The only translation unit that includes LibTorch (a minute to compile).
#include "engine/reference/torch_reference.hpp"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <chrono>
#include <cmath>

#include "engine/core/error.hpp"
#include "kernels/weight_statistics.hpp"
#include "proxies/zerolm_proxy.hpp"

namespace zerolm::reference {

namespace {

// A network as LibTorch holds it: every tensor of the model spec a registered
// parameter ("encoder.layer.0.attention.self.query.weight" becomes
// "encoder_layer_0_attention_self_query_weight": module names cannot hold dots).
class SpecNetwork : public torch::nn::Module {
 public:
  SpecNetwork(const ModelSpec& spec, const at::Device& device) {
    const auto float_options = at::TensorOptions().dtype(at::kFloat).device(device);
    for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
      const TensorSpec& t = spec.tensors()[i];
      at::Tensor p = t.is_matrix() ? at::empty({t.rows(), t.cols()}, float_options) : at::empty({t.rows()}, float_options);
      initialise(p, t.init);
      std::string name = spec.full_name(i);
      for (char& c : name) c = c == '.' ? '_' : c;
      parameters_.push_back(register_parameter(name, p, /*requires_grad=*/false));
    }
  }
  const std::vector<at::Tensor>& tensors() const { return parameters_; }

 private:
  static void initialise(at::Tensor& p, const Init& init) {
    switch (init.kind) {
      case InitKind::normal: p.normal_(0.0, init.std); break;
      case InitKind::truncated_normal: {
        // As torch.nn.init.trunc_normal_: inverse CDF of a uniform on the kept mass.
        const double a = init.truncation;
        const double low = 0.5 * (1.0 + std::erf(-a / std::sqrt(2.0)));
        const double high = 0.5 * (1.0 + std::erf(a / std::sqrt(2.0)));
        p.uniform_(2.0 * low - 1.0, 2.0 * high - 1.0).erfinv_().mul_(init.std * std::sqrt(2.0));
        p.clamp_(-a * init.std, a * init.std);
        break;
      }
      case InitKind::zeros: p.zero_(); break;
      case InitKind::ones: p.fill_(1.0); break;
    }
  }
  std::vector<at::Tensor> parameters_;
};

at::Device parse_device(const std::string& device) {
  ZEROLM_CHECK(device == "cpu" || device == "cuda", "LibTorch reference: device '{}' is not cpu|cuda", device);
  ZEROLM_CHECK(device == "cpu" || torch_cuda_available(), "LibTorch reference: no CUDA device visible to LibTorch");
  return device == "cpu" ? at::Device(at::kCPU) : at::Device(at::kCUDA, 0);
}

// The proxy as a PyTorch user writes it: one reduction per counted matrix.
ProxyBreakdown zerolm_by_tensor_ops(const ModelSpec& spec, const SpecNetwork& network, const ZeroLmProxy& proxy,
                                    const ProxyOptions& options) {
  ProxyBreakdown b;
  b.reset(spec.num_layers);
  std::vector<at::Tensor> terms;
  std::vector<const TensorSpec*> counted;
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
    const TensorSpec& t = spec.tensors()[i];
    if (!proxy.counts(t)) continue;
    terms.push_back(network.tensors()[i].to(at::kDouble).pow(2).sum() / static_cast<double>(std::min(t.rows(), t.cols())));
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

}  // namespace

bool torch_available() { return true; }

bool torch_cuda_available() { return at::hasCUDA() && at::globalContext().hasCUDA(); }

TorchRun torch_zerolm(std::span<const ModelSpec> specs, const ProxyOptions& options, const std::string& device,
                      std::uint64_t seed) {
  const at::Device target = parse_device(device);
  at::manual_seed(seed);
  const ZeroLmProxy proxy(options);
  TorchRun run;
  const auto started = std::chrono::steady_clock::now();
  for (const ModelSpec& spec : specs) {
    const SpecNetwork network(spec, target);
    run.breakdowns.push_back(zerolm_by_tensor_ops(spec, network, proxy, options));
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return run;
}

GivenComparison compare_given(const ModelSpec& spec, const ProxyOptions& options, const std::string& device,
                              std::uint64_t seed) {
  const at::Device target = parse_device(device);
  at::manual_seed(seed);
  const SpecNetwork network(spec, target);
  const ZeroLmProxy proxy(options);
  GivenComparison out;
  out.torch = zerolm_by_tensor_ops(spec, network, proxy, options);

  std::vector<std::uint32_t> module_base;
  kernels::SegmentTable table = proxy.segment_table(std::span<const ModelSpec>(&spec, 1), module_base);
  for (auto& segment : table.segments) {
    const at::Tensor& t = network.tensors()[segment.tensor];
    ZEROLM_CHECK(t.is_contiguous(), "LibTorch reference: tensor {} is not contiguous", segment.tensor);
    segment.given = t.data_ptr<float>();
  }
  const kernels::WeightStatisticsBackend& backend =
      device == "cpu" ? kernels::cpu_backend() : kernels::select_backend("cuda");
  const kernels::PopulationStatistics statistics = backend.compute(table, kernels::WeightSource::given);
  out.kernels.reset(spec.num_layers);
  for (std::int32_t layer = -1; layer < spec.num_layers; ++layer) {
    for (int role = 0; role < kNumRoles; ++role) {
      out.kernels.at(layer, static_cast<Role>(role)) =
          statistics.modules[module_base[0] + static_cast<std::uint32_t>(layer + 1) * kNumRoles + static_cast<std::uint32_t>(role)];
    }
  }
  out.kernels.score = zerolm_combine(out.kernels, options.alpha, options);
  return out;
}

}  // namespace zerolm::reference

extern "C" const zerolm::reference::TorchReferenceApi* zerolm_torch_reference_api() {
  static const zerolm::reference::TorchReferenceApi api{&zerolm::reference::torch_cuda_available,
                                                        &zerolm::reference::torch_zerolm};
  return &api;
}
