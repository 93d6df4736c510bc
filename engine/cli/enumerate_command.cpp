// zerolm enumerate: score every architecture of a finite space (expected mode) and
// print the exact top-k and the exact Pareto front (proxy vs parameters).
#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/calibration/calibrate.hpp"
#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/search/enumerate.hpp"

namespace zerolm::cli {

namespace {

nlohmann::json row(const SearchSpace& space, const EvaluatedArchitecture& e) {
  return {{"score", e.score},
          {"parameters", e.parameters()},
          {"summary", space.summary(e.architecture)},
          {"architecture", space.to_json(e.architecture)}};
}

}  // namespace

int run_enumerate(const CliParams& o) {
  ZEROLM_CHECK(std::isfinite(o.reference_parameters) && o.reference_parameters >= 0.0,
               "--reference-parameters: value {} is not a parameter count (0: the largest architecture)",
               o.reference_parameters);
  const auto space = make_search_space(o.space.name, o.space.options());
  const double size = enumeration_size(*space);
  ZEROLM_CHECK(
      size <= o.max_architectures,
      "space {} ({}) holds {} architectures, more than --max-architectures {:.0f}: enumeration visits every one "
      "(narrow --choices, raise --max-architectures, or use zerolm search, whose strategy exact needs no "
      "enumeration)",
      space->name(), space->protocol(),
      std::isfinite(size) ? fmt::format("{:.3g}", size) : std::string("too many to count"), o.max_architectures);
  const ProxySetting setting = o.proxy.setting(o.seed);
  ProxyOptions options = setting.options;
  options.mode = ProxyMode::expected;  // exact and fast
  apply_alpha(setting.alpha, *space, o.proxy.name, options);
  const auto proxy = make_proxy(o.proxy.name, options);
  const EnumerationResult r = enumerate_space(*space, *proxy, o.top);
  const double reference = o.reference_parameters > 0 ? o.reference_parameters : r.largest_parameters;
  std::vector<Objectives> front;
  for (const auto& e : r.front) front.push_back(e.objectives());
  Objectives reference_point;
  reference_point.costs[CostSet::kParameters] = reference;
  const double hv = hypervolume(front, reference_point, {CostSet::kParameters});
  if (o.json) {
    nlohmann::json out{{"space", space->name()},
                       {"protocol", space->protocol()},
                       {"alpha", options.alpha},
                       {"architectures", r.architectures},
                       {"seconds", r.seconds},
                       {"reference_parameters", reference},
                       {"hypervolume", hv},
                       {"top", nlohmann::json::array()},
                       {"front", nlohmann::json::array()}};
    for (const auto& e : r.top) out["top"].push_back(row(*space, e));
    for (const auto& e : r.front) out["front"].push_back(row(*space, e));
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{} (protocol {}): {} architectures scored with {}, alpha {:.3f}, in {:.1f} s\n", space->name(),
             space->protocol(), r.architectures, o.proxy.describe(options), options.alpha, r.seconds);
  fmt::print("\nexact top {}:\n{:>4}  {:>12}  {:>12}  {}\n", r.top.size(), "rank", "score", "parameters",
             "architecture");
  for (std::size_t i = 0; i < r.top.size(); ++i) {
    fmt::print("{:>4}  {:>12.6g}  {:>12.0f}  {}\n", i + 1, r.top[i].score, r.top[i].parameters(),
               space->summary(r.top[i].architecture));
  }
  fmt::print(
      "\nexact Pareto front (score up, parameters down): {} architectures, hypervolume {:.6g} "
      "(reference: score 0, {:.0f} parameters)\n",
      r.front.size(), hv, reference);
  const std::size_t step = std::max<std::size_t>(1, r.front.size() / std::max<std::size_t>(o.show_front, 1));
  for (std::size_t i = 0; i < r.front.size(); i += step) {
    fmt::print("  {:>12.0f} parameters  score {:>10.6g}  {}\n", r.front[i].parameters(), r.front[i].score,
               space->summary(r.front[i].architecture));
  }
  return 0;
}

}  // namespace zerolm::cli
