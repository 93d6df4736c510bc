#include "search_spaces/search_space.hpp"

#include <mutex>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "search_spaces/flexibert/flexibert.hpp"
#include "search_spaces/gpt2/gpt2.hpp"

namespace zerolm {

void SearchSpace::enumerate(const std::function<void(const Architecture&)>&) const {
  ZEROLM_FAIL("search space '{}' is not finite and cannot be enumerated", name());
}

std::string SearchSpace::summary(const Architecture& architecture) const { return to_json(architecture).dump(); }

Architecture SearchSpace::assemble(const LayeredFamily& family, std::span<const std::size_t> option_per_layer) const {
  ZEROLM_CHECK(option_per_layer.size() == static_cast<std::size_t>(family.layers), "assemble: {} layer options for {} layers",
               option_per_layer.size(), family.layers);
  std::vector<std::int64_t> genes = family.prefix;
  for (std::size_t option : option_per_layer) {
    ZEROLM_CHECK(option < family.options.size(), "assemble: option {} of {}", option, family.options.size());
    genes.insert(genes.end(), family.options[option].begin(), family.options[option].end());
  }
  return Architecture(name(), std::move(genes));
}

std::string SearchSpace::to_yaml(const Architecture& architecture) const {
  return dump_yaml(to_json(architecture));
}

Architecture SearchSpace::from_yaml(const std::string& text) const { return from_json(parse_yaml(text)); }

void SearchSpace::check_space(const Architecture& architecture) const {
  ZEROLM_CHECK(architecture.space() == name(), "architecture of space '{}' given to space '{}'",
               architecture.space(), name());
}

namespace {
struct Registry {
  std::mutex mutex;
  std::map<std::string, SearchSpaceFactory> factories;
};

Registry& registry() {
  static Registry* instance = [] {
    auto* r = new Registry;
    r->factories["flexibert"] = [](const SpaceOptions& o) { return make_flexibert_space(o); };
    r->factories["gpt2"] = [](const SpaceOptions& o) { return make_gpt2_space(o); };
    return r;
  }();
  return *instance;
}
}  // namespace

void register_search_space(const std::string& name, SearchSpaceFactory factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.factories[name] = std::move(factory);
}

std::vector<std::string> search_space_names() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, factory] : r.factories) names.push_back(name);
  return names;
}

std::unique_ptr<SearchSpace> make_search_space(const std::string& name, const SpaceOptions& options) {
  SearchSpaceFactory factory;
  {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    auto it = r.factories.find(name);
    if (it == r.factories.end()) {
      std::string known;
      for (const auto& [n, f] : r.factories) known += (known.empty() ? "" : "|") + n;
      ZEROLM_FAIL("unknown search space '{}' (known: {})", name, known);
    }
    factory = it->second;
  }
  return factory(options);
}

}  // namespace zerolm
