#include "proxies/zerolm_proxy.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <vector>

#include "engine/core/hashing.hpp"
#include "kernels/weight_statistics.hpp"

namespace zerolm {

kernels::Distribution distribution_of(InitKind kind) {
  switch (kind) {
    case InitKind::normal: return kernels::Distribution::normal;
    case InitKind::truncated_normal: return kernels::Distribution::truncated_normal;
    case InitKind::zeros: return kernels::Distribution::zeros;
    case InitKind::ones: return kernels::Distribution::ones;
  }
  return kernels::Distribution::zeros;
}

void weight_key(std::uint64_t seed, std::uint64_t architecture_hash, std::uint32_t& key0, std::uint32_t& key1) {
  const std::uint64_t key = hash_combine(mix64(seed), architecture_hash);
  key0 = static_cast<std::uint32_t>(key);
  key1 = static_cast<std::uint32_t>(key >> 32);
}

ZeroLmProxy::ZeroLmProxy(ProxyOptions options)
    : options_(options), backend_(options.backend != nullptr ? options.backend : &kernels::cpu_backend()) {}

void ZeroLmProxy::score(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const {
  if (options_.mode == ProxyMode::expected) {
    score_expected(specs, out);
  } else {
    score_sampled(specs, out);
  }
  for (std::size_t i = 0; i < specs.size(); ++i) out[i].score = zerolm_combine(out[i], options_.alpha, options_);
}

void ZeroLmProxy::score_expected(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const {
  tbb::parallel_for(std::size_t{0}, specs.size(), [&](std::size_t i) {
    const ModelSpec& spec = specs[i];
    ProxyBreakdown& b = out[i];
    b.reset(spec.num_layers);
    for (const auto& t : spec.tensors()) {
      if (!counts(t)) continue;
      // E ||W||_F^2 / min(n, m) = n m (Var + mean^2) / min(n, m) = max(n, m) (Var + mean^2);
      // truncation shrinks Var (Init::variance).
      const double mean = t.init.mean();
      b.at(t.layer, t.role) += static_cast<double>(std::max(t.rows(), t.cols())) * (t.init.variance() + mean * mean);
    }
  });
}

kernels::SegmentTable ZeroLmProxy::segment_table(std::span<const ModelSpec> specs,
                                                 std::vector<std::uint32_t>& module_base) const {
  kernels::SegmentTable table;
  module_base.assign(specs.size(), 0);
  std::uint32_t slots = 0;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    module_base[i] = slots;
    slots += static_cast<std::uint32_t>(specs[i].num_layers + 1) * kNumRoles;
    std::uint32_t key0 = 0, key1 = 0;
    weight_key(options_.seed, specs[i].architecture_hash, key0, key1);
    const auto tensors = specs[i].tensors();
    for (std::size_t t = 0; t < tensors.size(); ++t) {
      const TensorSpec& tensor = tensors[t];
      if (!counts(tensor)) continue;
      kernels::WeightSegment s;
      s.architecture = static_cast<std::uint32_t>(i);
      s.tensor = static_cast<std::uint32_t>(t);
      s.rows = tensor.rows();
      s.cols = tensor.cols();
      s.distribution = distribution_of(tensor.init.kind);
      s.std = static_cast<float>(tensor.init.std);
      s.cut = static_cast<float>(tensor.init.truncation);
      s.key0 = key0;
      s.key1 = key1;
      s.module = module_slot(module_base[i], tensor.layer, tensor.role);
      table.segments.push_back(s);
    }
  }
  table.modules = slots;
  return table;
}

void ZeroLmProxy::score_sampled(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const {
  for (const ModelSpec& spec : specs) {
    double weights = 0.0;
    for (const auto& t : spec.tensors()) {
      if (counts(t)) weights += static_cast<double>(t.rows()) * static_cast<double>(t.cols());
    }
    check_sampled_work(spec, weights, kMaxSampledWeights, "weight draws");
  }
  std::vector<std::uint32_t> module_base;
  const kernels::SegmentTable table = segment_table(specs, module_base);
  const kernels::PopulationStatistics statistics = backend_->compute(table, kernels::WeightSource::sampled);
  for (std::size_t i = 0; i < specs.size(); ++i) read_module_sums(specs[i], statistics.modules, module_base[i], out[i]);
}

ProxyDescriptor zerolm_proxy_descriptor() {
  return {"zerolm",
          "ZeroLM (arXiv 2503.18646): per matrix ||W||_F^2 / min(n, m), alpha * attention + (1 - alpha) * FFN",
          true,
          {include_embeddings_option(), include_norms_option()},
          kernels::KernelFamily::weight_statistics,
          [](const ProxyOptions& o) { return std::make_unique<ZeroLmProxy>(o); }};
}

void read_module_sums(const ModelSpec& spec, std::span<const double> modules, std::uint32_t base, ProxyBreakdown& out) {
  out.reset(spec.num_layers);
  for (std::int32_t layer = -1; layer < spec.num_layers; ++layer) {
    for (int role = 0; role < kNumRoles; ++role) {
      out.at(layer, static_cast<Role>(role)) = modules[module_slot(base, layer, static_cast<Role>(role))];
    }
  }
}

}  // namespace zerolm
