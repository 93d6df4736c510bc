// #params: the baseline every proxy must beat. Breakdown: parameter counts.
#pragma once

#include "proxies/proxy.hpp"

namespace zerolm {

class ParamsProxy final : public Proxy {
 public:
  explicit ParamsProxy(ProxyOptions options) : options_(options) {}
  std::string_view name() const override { return "params"; }
  void score(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const override;

 private:
  ProxyOptions options_;
};

// Counts of one spec into `out` (no threading): also used by `zerolm params`.
void count_parameters(const ModelSpec& spec, ProxyBreakdown& out);

}  // namespace zerolm
