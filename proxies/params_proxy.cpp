#include "proxies/params_proxy.hpp"

#include <tbb/parallel_for.h>

#include "engine/core/error.hpp"

namespace zerolm {

void count_parameters(const ModelSpec& spec, ProxyBreakdown& out) {
  out.reset(spec.num_layers);
  double total = 0.0;
  for (const auto& t : spec.tensors()) {
    const auto n = static_cast<double>(t.numel());
    out.at(t.layer, t.role) += n;
    total += n;
  }
  out.score = total;
}

void ParamsProxy::score(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const {
  tbb::parallel_for(std::size_t{0}, specs.size(), [&](std::size_t i) {
    count_parameters(specs[i], out[i]);
    if (options_.count == ParameterCount::non_embedding) out[i].score -= out[i].module_total(Role::embedding);
  });
}

ProxyDescriptor params_proxy_descriptor() {
  ProxyOptionSpec count{"count", "What the score counts: total|non_embedding", false,
                        [](std::string_view text, ProxyOptions& o) {
                          ZEROLM_CHECK(text == "total" || text == "non_embedding",
                                       "value '{}' is not total|non_embedding", text);
                          o.count = text == "total" ? ParameterCount::total : ParameterCount::non_embedding;
                        },
                        [](const ProxyOptions& o) {
                          return nlohmann::json(o.count == ParameterCount::total ? "total" : "non_embedding");
                        }};
  return {"params",     "the parameter count (the baseline every proxy must beat)",
          false,        {count},
          std::nullopt, [](const ProxyOptions& o) { return std::make_unique<ParamsProxy>(o); }};
}

}  // namespace zerolm
