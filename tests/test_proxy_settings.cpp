// One proxy parser for CLI flags and config keys: for every proxy x every
// option key of the registry, a config's `proxy:` section and the flags'
// values give the same settings, and refuse the same things.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>
#include <string>

#include "engine/calibration/calibrate.hpp"
#include "engine/config/search_config.hpp"
#include "proxies/proxy.hpp"
#include "search_spaces/search_space.hpp"

using namespace zerolm;
using Catch::Matchers::Contains;

namespace {

// The stored form of a proxy's settings: what a run keeps and compares.
nlohmann::json stored(const ProxyDescriptor& d, const ProxyOptions& o) {
  nlohmann::json out{{"mode", proxy_mode_name(o.mode)}, {"alpha", o.alpha}};
  for (const auto& spec : d.options) out[spec.key] = spec.get(o);
  return out;
}

SearchRunConfig config_with_proxy(const nlohmann::json& proxy) {
  return SearchRunConfig::from_json({{"space", "flexibert"}, {"protocol", "trained"}, {"proxy", proxy}});
}

// A valid value of an option other than its default where one is easy to name.
std::string other_value(const ProxyOptionSpec& spec) {
  const nlohmann::json d = spec.get(ProxyOptions{});
  if (d.is_boolean()) return d.get<bool>() ? "false" : "true";
  if (d.is_number()) return "2.5";
  if (spec.key == "count") return "non_embedding";
  if (spec.key == "aggregate") return "log";
  if (spec.key == "statistic") return "stable_rank";
  return d.get<std::string>();
}

}  // namespace

TEST_CASE("proxy settings: a config section and the CLI's flags read alike, for every proxy and option", "[proxy]") {
  for (const ProxyDescriptor& d : proxies()) {
    for (const ProxyOptionSpec* spec : all_proxy_options()) {
      INFO("proxy " << d.name << ", option " << spec->key);
      const std::string text = other_value(*spec);
      nlohmann::json section{{"name", d.name}, {"mode", "sampled"}};
      section[spec->key] = nlohmann::json::parse(text, nullptr, false).is_discarded() ? nlohmann::json(text)
                                                                                      : nlohmann::json::parse(text);
      const std::vector<ProxyValue> flags{{"mode", "sampled", "--mode"}, {spec->key, text, spec->cli_flag()}};
      if (d.option(spec->key) == nullptr) {
        // Another proxy's option: both refuse it, naming what this proxy takes.
        CHECK_THROWS_WITH(config_with_proxy(section), Contains("does not take it") && Contains(d.option_keys()));
        CHECK_THROWS_WITH(parse_proxy_setting(d.name, "--proxy", flags),
                          Contains(spec->cli_flag() + ": proxy " + d.name + " does not take it"));
        continue;
      }
      const SearchRunConfig c = config_with_proxy(section);
      const ProxySetting s = parse_proxy_setting(d.name, "--proxy", flags);
      CHECK(stored(d, c.proxy_options) == stored(d, s.options));
      CHECK(stored(d, s.options)[spec->key] != stored(d, ProxyOptions{})[spec->key]);  // the value was read
      CHECK(c.proxy_options.mode == ProxyMode::sampled);
    }
    // Alpha: a number, the heuristic, or refused for a proxy that combines no modules.
    const nlohmann::json with_alpha{{"name", d.name}, {"alpha", 0.25}};
    const std::vector<ProxyValue> alpha_flag{{"alpha", "0.25", "--alpha"}};
    if (!d.combines_modules) {
      CHECK_THROWS_WITH(config_with_proxy(with_alpha), Contains("'proxy.alpha': proxy " + d.name + " takes no alpha"));
      CHECK_THROWS_WITH(parse_proxy_setting(d.name, "--proxy", alpha_flag),
                        Contains("--alpha: proxy " + d.name + " takes no alpha"));
      continue;
    }
    const SearchRunConfig c = config_with_proxy(with_alpha);
    const ProxySetting s = parse_proxy_setting(d.name, "--proxy", alpha_flag);
    CHECK(c.alpha == AlphaChoice::number(0.25));
    CHECK(s.alpha == c.alpha);
    CHECK(s.options.alpha == 0.25);
    CHECK(config_with_proxy({{"name", d.name}}).alpha.kind == AlphaChoice::Kind::heuristic);
    CHECK_THROWS_WITH(config_with_proxy({{"name", d.name}, {"alpha", 1e308}}), Contains("from -100 to 100"));
    CHECK_THROWS_WITH(parse_proxy_setting(d.name, "--proxy", {{"alpha", "0x10", "--alpha"}}),
                      Contains("--alpha: value '0x10' is not a number"));
  }
  CHECK_THROWS_WITH(parse_proxy_setting("nope", "--proxy", {}), Contains("--proxy: unknown proxy 'nope'"));
}

TEST_CASE("proxy settings: an alpha choice becomes a number in one place", "[proxy][calibration]") {
  const auto space = make_search_space("flexibert", {"trained"});
  ProxyOptions options;
  apply_alpha(AlphaChoice::number(0.75), *space, "zerolm", options);
  CHECK(options.alpha == 0.75);
  ProxyOptions heuristic;
  apply_alpha(AlphaChoice{}, *space, "zerolm", heuristic);
  CHECK(heuristic.alpha == default_heuristic_alpha(*space, heuristic, "zerolm"));
  ProxyOptions untouched;
  untouched.alpha = 0.125;
  apply_alpha(AlphaChoice::number(0.75), *space, "params", untouched);  // params reads no alpha
  CHECK(untouched.alpha == 0.125);
  CHECK(AlphaChoice::parse("+0.5") == AlphaChoice::number(0.5));
  CHECK_THROWS_AS(AlphaChoice::parse("nan"), Error);
  CHECK_THROWS_AS(AlphaChoice::parse(""), Error);
  CHECK_THROWS_AS(AlphaChoice::parse("101"), Error);
}
