#include "proxies/spectral_proxy.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "engine/core/error.hpp"
#include "kernels/spectral.hpp"
#include "proxies/zerolm_proxy.hpp"

namespace zerolm {

SpectralProxy::SpectralProxy(ProxyOptions options) : options_(options) {
  ZEROLM_CHECK(!options_.include_norms,
               "proxy spectral: --include-norms does not apply (spectral statistics are of weight matrices)");
  ZEROLM_CHECK(std::isfinite(options_.gain) && options_.gain > 0.0, "proxy spectral: gain {} must be positive",
               options_.gain);
}

double SpectralProxy::matrix_statistic(const TensorSpec& t, std::uint32_t tensor_index,
                                       std::uint64_t architecture_hash) const {
  if (options_.mode == ProxyMode::expected) {
    // A constant initialisation has rank <= 1; the law covers zero-mean draws only.
    ZEROLM_CHECK(t.init.mean() == 0.0, "proxy spectral: tensor {} has a constant non-zero initialisation", t.name);
    return table_.lookup(t.rows(), t.cols(), t.init.variance(), options_.gain)[options_.statistic];
  }
  std::uint32_t key0 = 0, key1 = 0;
  weight_key(options_.seed, architecture_hash, key0, key1);
  const auto values = kernels::spectral_of_sampled(distribution_of(t.init.kind), static_cast<float>(t.init.std),
                                                   static_cast<float>(t.init.truncation), t.rows(), t.cols(),
                                                   tensor_index, key0, key1, options_.gain);
  return values[options_.statistic];
}

void SpectralProxy::aggregate(ProxyBreakdown& b) const {
  if (options_.aggregate == LayerAggregate::log) {
    for (double& v : b.per_layer) v = std::log1p(v);
  }
  b.score = zerolm_combine(b, options_.alpha, options_);
}

void SpectralProxy::score(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const {
  if (options_.mode == ProxyMode::expected) {
    tbb::parallel_for(std::size_t{0}, specs.size(), [&](std::size_t i) {
      const ModelSpec& spec = specs[i];
      out[i].reset(spec.num_layers);
      const auto tensors = spec.tensors();
      for (std::size_t t = 0; t < tensors.size(); ++t) {
        if (!counts(tensors[t])) continue;
        out[i].at(tensors[t].layer, tensors[t].role) +=
            matrix_statistic(tensors[t], static_cast<std::uint32_t>(t), spec.architecture_hash);
      }
      aggregate(out[i]);
    });
    return;
  }
  // Sampled: one eigen-decomposition per matrix, in parallel over every matrix of
  // the population; sums in tensor order, so thread count changes nothing.
  struct Job {
    std::size_t architecture;
    std::uint32_t tensor;
  };
  std::vector<Job> jobs;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const auto tensors = specs[i].tensors();
    double flops = 0.0;  // Gram matrix of the smaller side, then its symmetric eigensolve
    for (std::size_t t = 0; t < tensors.size(); ++t) {
      if (!counts(tensors[t])) continue;
      jobs.push_back({i, static_cast<std::uint32_t>(t)});
      const double small = static_cast<double>(std::min(tensors[t].rows(), tensors[t].cols()));
      const double large = static_cast<double>(std::max(tensors[t].rows(), tensors[t].cols()));
      flops += small * small * large + 10.0 * small * small * small;
    }
    check_sampled_work(specs[i], flops, kMaxSampledSpectralFlops, "floating-point operations");
  }
  std::vector<double> values(jobs.size());
  tbb::parallel_for(std::size_t{0}, jobs.size(), [&](std::size_t j) {
    const ModelSpec& spec = specs[jobs[j].architecture];
    values[j] = matrix_statistic(spec.tensors()[jobs[j].tensor], jobs[j].tensor, spec.architecture_hash);
  });
  for (std::size_t i = 0; i < specs.size(); ++i) out[i].reset(specs[i].num_layers);
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    const TensorSpec& t = specs[jobs[j].architecture].tensors()[jobs[j].tensor];
    out[jobs[j].architecture].at(t.layer, t.role) += values[j];
  }
  for (std::size_t i = 0; i < specs.size(); ++i) aggregate(out[i]);
}

ProxyDescriptor spectral_proxy_descriptor() {
  ProxyOptionSpec statistic{
      "statistic",
      "Per-matrix statistic: " +
          [] {
            std::string names;
            for (const auto& n : spectral_statistic_names()) names += (names.empty() ? "" : "|") + n;
            return names;
          }(),
      false, [](std::string_view text, ProxyOptions& o) { o.statistic = parse_spectral_statistic(text); },
      [](const ProxyOptions& o) { return nlohmann::json(spectral_statistic_name(o.statistic)); }};
  ProxyOptionSpec aggregate{"aggregate", "A layer's module value as is (linear) or as ln(1 + value) (log)", false,
                            [](std::string_view text, ProxyOptions& o) { o.aggregate = parse_layer_aggregate(text); },
                            [](const ProxyOptions& o) { return nlohmann::json(layer_aggregate_name(o.aggregate)); }};
  ProxyOptionSpec gain{"gain", "log_det: g in ln det(I + g W^T W)", false,
                       [](std::string_view text, ProxyOptions& o) {
                         const double v = parse_option_number(text);
                         ZEROLM_CHECK(v > 0.0, "value {} must be positive", text);
                         o.gain = v;
                       },
                       [](const ProxyOptions& o) { return nlohmann::json(o.gain); }};
  return {"spectral",
          "spectral capacity per matrix (log-det, effective rank, stable rank, nuclear norm), over layers",
          true,
          {statistic, aggregate, gain, include_embeddings_option()},
          kernels::KernelFamily::spectral,
          [](const ProxyOptions& o) { return std::make_unique<SpectralProxy>(o); }};
}

}  // namespace zerolm
