// zerolm enumerate: score every architecture of a finite space (expected mode) and
// print the exact top-k and the exact Pareto front (proxy vs parameters).
#include <fmt/format.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "engine/calibration/calibrate.hpp"
#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/search/enumerate.hpp"

namespace zerolm::cli {

namespace {
struct EnumerateOptions {
  std::string space = "flexibert";
  std::string protocol;
  std::string proxy = "zerolm";
  SpectralCliOptions spectral;
  std::string choices;  // JSON object of choice overrides
  AlphaOption alpha;
  std::size_t top = 10;
  std::size_t show_front = 20;
  double reference_parameters = 0.0;
  bool json = false;
};

nlohmann::json row(const SearchSpace& space, const EvaluatedArchitecture& e) {
  return {{"score", e.score}, {"parameters", e.parameters}, {"summary", space.summary(e.architecture)},
          {"architecture", space.to_json(e.architecture)}};
}

int run_enumerate(const EnumerateOptions& o) {
  SpaceOptions space_options{o.protocol, nlohmann::json::object()};
  if (!o.choices.empty()) {
    try {
      space_options.choices = nlohmann::json::parse(o.choices);
    } catch (const nlohmann::json::parse_error& e) {
      ZEROLM_FAIL("--choices: value '{}' is not JSON: {}", o.choices, e.what());
    }
    ZEROLM_CHECK(space_options.choices.is_object(), "--choices: value '{}' is not a JSON object", o.choices);
  }
  const auto space = make_search_space(o.space, space_options);
  ProxyOptions options;  // expected mode: exact and fast
  o.spectral.apply(options);
  if (proxy_combines_modules(o.proxy)) {
    options.alpha = o.alpha.heuristic() ? default_heuristic_alpha(*space, options, o.proxy) : o.alpha.value();
  }
  const auto proxy = make_proxy(o.proxy, options);
  const EnumerationResult r = enumerate_space(*space, *proxy, o.top);
  const double reference = o.reference_parameters > 0 ? o.reference_parameters : r.largest_parameters;
  std::vector<Objectives> front;
  for (const auto& e : r.front) front.push_back({e.score, e.parameters, 0.0});
  const double hv = hypervolume(front, {0.0, reference, 0.0}, ObjectiveSet::proxy_parameters);
  if (o.json) {
    nlohmann::json out{{"space", o.space},           {"protocol", space->protocol()}, {"alpha", options.alpha},
                       {"architectures", r.architectures}, {"seconds", r.seconds},  {"reference_parameters", reference},
                       {"hypervolume", hv},          {"top", nlohmann::json::array()}, {"front", nlohmann::json::array()}};
    for (const auto& e : r.top) out["top"].push_back(row(*space, e));
    for (const auto& e : r.front) out["front"].push_back(row(*space, e));
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("{} (protocol {}): {} architectures scored with {} (expected, alpha {:.3f}) in {:.1f} s\n", o.space,
             space->protocol(), r.architectures, o.proxy, options.alpha, r.seconds);
  fmt::print("\nexact top {}:\n{:>4}  {:>12}  {:>12}  {}\n", r.top.size(), "rank", "score", "parameters", "architecture");
  for (std::size_t i = 0; i < r.top.size(); ++i) {
    fmt::print("{:>4}  {:>12.6g}  {:>12.0f}  {}\n", i + 1, r.top[i].score, r.top[i].parameters,
               space->summary(r.top[i].architecture));
  }
  fmt::print("\nexact Pareto front (score up, parameters down): {} architectures, hypervolume {:.6g} "
             "(reference: score 0, {:.0f} parameters)\n",
             r.front.size(), hv, reference);
  const std::size_t step = std::max<std::size_t>(1, r.front.size() / std::max<std::size_t>(o.show_front, 1));
  for (std::size_t i = 0; i < r.front.size(); i += step) {
    fmt::print("  {:>12.0f} parameters  score {:>10.6g}  {}\n", r.front[i].parameters, r.front[i].score,
               space->summary(r.front[i].architecture));
  }
  return 0;
}
}  // namespace

Command add_enumerate_command(CLI::App& app) {
  auto o = std::make_shared<EnumerateOptions>();
  CLI::App* sub = app.add_subcommand("enumerate", "Score every architecture of a finite space: exact top-k and Pareto front");
  sub->add_option("--space", o->space, "Search space (finite: flexibert)")->capture_default_str();
  sub->add_option("--protocol", o->protocol, "Network protocol");
  sub->add_option("--proxy", o->proxy, "Proxy (zerolm|spectral|params)")->capture_default_str();
  o->spectral.add_to(sub);
  sub->add_option("--choices", o->choices, "Choice overrides as a JSON object, e.g. '{\"layers\": [2, 3]}'");
  sub->add_option("--alpha", o->alpha.text, "ZeroLM attention weight, or 'heuristic' (data-free)")->capture_default_str();
  sub->add_option("--top", o->top, "How many of the best to print")->capture_default_str();
  sub->add_option("--show-front", o->show_front, "Front rows to print (evenly spaced; --json prints all)")->capture_default_str();
  sub->add_option("--reference-parameters", o->reference_parameters,
                  "Hypervolume reference in parameters (default: the largest architecture of the space)");
  sub->add_flag("--json", o->json, "Print one JSON object with the whole front");
  return {sub, [o] { return run_enumerate(*o); }};
}

}  // namespace zerolm::cli
