#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/costs/cost.hpp"

namespace zerolm {

#define ZEROLM_COST(name) CostDescriptor name##_cost_descriptor();
#include "engine/costs/costs.def"
#undef ZEROLM_COST

const Registry<CostDescriptor>& cost_registry() {
  static const Registry<CostDescriptor> registry("cost", {
#define ZEROLM_COST(name) name##_cost_descriptor(),
#include "engine/costs/costs.def"
#undef ZEROLM_COST
                                                         });
  return registry;
}

namespace {
std::size_t registry_position(const CostDescriptor* d) {
  const auto& all = cost_registry().entries();
  ZEROLM_ASSERT(d >= all.data() && d < all.data() + all.size(), "cost '{}' is not in the registry", d->name);
  return static_cast<std::size_t>(d - all.data());
}
}  // namespace

CostSet::CostSet() {
  term("parameters");
  term("non_embedding_parameters");
  set_objectives({"parameters"});
}

std::optional<std::size_t> CostSet::find(std::string_view name) const {
  for (std::size_t k = 0; k < terms_.size(); ++k) {
    if (terms_[k].name() == name) return k;
  }
  return std::nullopt;
}

void CostSet::sort_terms() {
  std::stable_sort(terms_.begin(), terms_.end(), [](const CostTerm& a, const CostTerm& b) {
    return registry_position(a.descriptor) < registry_position(b.descriptor);
  });
  objectives_.clear();
  for (const auto& name : objective_names_) objectives_.push_back(*find(name));
}

CostTerm& CostSet::term(std::string_view name) {
  if (const auto k = find(name)) return terms_[*k];
  const CostDescriptor& d = cost_registry().at(name);
  ZEROLM_CHECK(terms_.size() < kMaxCosts, "a search tracks at most {} costs", kMaxCosts);
  CostTerm t;
  t.descriptor = &d;
  terms_.push_back(std::move(t));
  sort_terms();
  return terms_[*find(name)];
}

void CostSet::set_objectives(const std::vector<std::string>& names) {
  ZEROLM_CHECK(!names.empty(), "objectives: name at least one cost beside the proxy (costs: {})",
               cost_registry().names_text());
  for (std::size_t i = 0; i < names.size(); ++i) {
    ZEROLM_CHECK(cost_registry().find(names[i]) != nullptr, "objectives: '{}' is not proxy or a cost ({})", names[i],
                 cost_registry().names_text());
    for (std::size_t j = 0; j < i; ++j)
      ZEROLM_CHECK(names[i] != names[j], "objectives: '{}' is listed twice", names[i]);
  }
  for (auto& t : terms_) t.objective = false;
  for (const auto& name : names) term(name).objective = true;
  objective_names_ = names;
  sort_terms();
}

std::vector<std::string> CostSet::objective_names() const {
  std::vector<std::string> out{"proxy"};
  out.insert(out.end(), objective_names_.begin(), objective_names_.end());
  return out;
}

void CostSet::instantiate(const SearchSpace& space) {
  for (auto& t : terms_) t.model = t.descriptor->make(t.section, space);
}

bool CostSet::instantiated() const {
  return std::all_of(terms_.begin(), terms_.end(), [](const CostTerm& t) { return t.model != nullptr; });
}

std::vector<CostMeasurement> CostSet::take_new_measurements() const {
  std::vector<CostMeasurement> out;
  for (const auto& t : terms_) {
    if (t.model == nullptr) continue;
    for (const auto& [hash, value] : t.model->take_new_measurements()) out.push_back({t.name(), hash, value});
  }
  return out;
}

void CostSet::remember(const std::vector<CostMeasurement>& measurements) const {
  for (const auto& m : measurements) {
    const auto k = find(m.cost);
    if (k && terms_[*k].model != nullptr) terms_[*k].model->remember(m.hash, m.value);
  }
}

CostValues CostSet::measure(const Architecture& architecture, const ModelSpec& spec) const {
  CostValues out{};
  for (std::size_t k = 0; k < terms_.size(); ++k) {
    ZEROLM_ASSERT(terms_[k].model != nullptr, "cost '{}' measured before its model was made", terms_[k].name());
    out[k] = terms_[k].model->measure(architecture, spec);
    ZEROLM_CHECK(std::isfinite(out[k]), "cost '{}' of architecture {:016x} is {}, not a finite number (its model: {})",
                 terms_[k].name(), architecture.hash(), out[k], terms_[k].section.dump());
  }
  return out;
}

bool CostSet::within_limits(const CostValues& values) const {
  for (std::size_t k = 0; k < terms_.size(); ++k) {
    if (!(values[k] >= terms_[k].min && values[k] <= terms_[k].max)) return false;
  }
  return true;
}

std::string CostSet::limits_text() const {
  std::string text;
  for (const auto& t : terms_) {
    if (!t.bounded()) continue;
    const auto& d = *t.descriptor;
    const bool window = d.unit.empty() || (std::isfinite(t.min) && t.min > 0);
    const std::string part = window ? fmt::format("{} in [{}, {}]{}", d.words, std::isfinite(t.min) ? t.min : 0.0,
                                                  t.max, d.unit.empty() ? "" : " " + d.unit)
                                    : fmt::format("{} within {} {}", d.words, t.max, d.unit);
    text += (text.empty() ? "" : ", ") + part;
  }
  return text.empty() ? "no constraints" : text;
}

std::string CostSet::values_text(const CostValues& values) const {
  std::string text;
  for (std::size_t k = 0; k < terms_.size(); ++k) {
    const auto& d = *terms_[k].descriptor;
    text += (text.empty() ? "" : ", ") + (d.unit.empty() ? fmt::format("{} {}", values[k], d.words)
                                                         : fmt::format("{} {} {}", d.words, values[k], d.unit));
  }
  return text;
}

std::string CostSet::missing_section() const {
  for (const auto& t : terms_) {
    if ((t.objective || t.bounded()) && t.section.is_null() && !t.descriptor->needs_section.empty())
      return t.descriptor->needs_section;
  }
  return "";
}

nlohmann::json CostSet::to_json(const CostValues& values) const {
  nlohmann::json out = nlohmann::json::object();
  for (std::size_t k = 0; k < terms_.size(); ++k) out[terms_[k].name()] = values[k];
  return out;
}

std::string CostSet::to_text(const CostValues& values) const {
  std::string out = "{";
  for (std::size_t k = 0; k < terms_.size(); ++k) {
    fmt::format_to(std::back_inserter(out), "{}\"{}\":{}", k == 0 ? "" : ",", terms_[k].name(), values[k]);
  }
  return out + "}";
}

CostValues CostSet::from_json(const nlohmann::json& value, const std::string& where, bool missing_is_zero) const {
  ZEROLM_CHECK(value.is_object(), "{}: the costs are not a JSON object", where);
  CostValues out{};
  for (std::size_t k = 0; k < terms_.size(); ++k) {
    const auto it = value.find(terms_[k].name());
    if (it == value.end() && missing_is_zero) continue;
    ZEROLM_CHECK(it != value.end(), "{}: cost '{}' is missing", where, terms_[k].name());
    ZEROLM_CHECK(it->is_number(), "{}: cost '{}': value {} is not a number", where, terms_[k].name(), it->dump());
    out[k] = it->get<double>();
    ZEROLM_CHECK(std::isfinite(out[k]), "{}: cost '{}': value {} is not finite", where, terms_[k].name(), out[k]);
  }
  return out;
}

nlohmann::json CostSet::sections_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& t : terms_) {
    if (!t.section.is_null()) out[t.name()] = t.section;
  }
  return out;
}

}  // namespace zerolm
