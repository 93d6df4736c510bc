#include "proxies/zerolm_proxy.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <vector>

#include "engine/core/hashing.hpp"
#include "kernels/weight_statistics.hpp"

namespace zerolm {

namespace {

kernels::Distribution distribution_of(InitKind kind) {
  switch (kind) {
    case InitKind::normal: return kernels::Distribution::normal;
    case InitKind::truncated_normal: return kernels::Distribution::truncated_normal;
    case InitKind::zeros: return kernels::Distribution::zeros;
    case InitKind::ones: return kernels::Distribution::ones;
  }
  return kernels::Distribution::zeros;
}

}  // namespace

void weight_key(std::uint64_t seed, std::uint64_t architecture_hash, std::uint32_t& key0, std::uint32_t& key1) {
  const std::uint64_t key = hash_combine(mix64(seed), architecture_hash);
  key0 = static_cast<std::uint32_t>(key);
  key1 = static_cast<std::uint32_t>(key >> 32);
}

ZeroLmProxy::ZeroLmProxy(ProxyOptions options) : options_(options), backend_(&kernels::cpu_backend()) {}

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

void ZeroLmProxy::score_sampled(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const {
  std::vector<kernels::WeightSegment> segments;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    std::uint32_t key0 = 0, key1 = 0;
    weight_key(options_.seed, specs[i].architecture_hash, key0, key1);
    for (std::size_t t = 0; t < specs[i].tensors().size(); ++t) {
      const TensorSpec& tensor = specs[i].tensors()[t];
      if (!counts(tensor)) continue;
      segments.push_back({static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(t), tensor.rows(), tensor.cols(),
                          distribution_of(tensor.init.kind), static_cast<float>(tensor.init.std),
                          static_cast<float>(tensor.init.truncation), key0, key1});
    }
  }
  std::vector<kernels::TensorMoments> moments(segments.size());
  backend_->sampled_moments(segments, moments);
  for (std::size_t i = 0; i < specs.size(); ++i) out[i].reset(specs[i].num_layers);
  for (std::size_t s = 0; s < segments.size(); ++s) {
    const auto& segment = segments[s];
    const TensorSpec& t = specs[segment.architecture].tensors()[segment.tensor];
    out[segment.architecture].at(t.layer, t.role) += kernels::capacity(moments[s].sum_squares, t.rows(), t.cols());
  }
}

}  // namespace zerolm
