#include "engine/config/sweep_config.hpp"

#include <filesystem>

#include "engine/config/search_config.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/yaml_fields.hpp"

namespace zerolm {

using yaml_fields::check_keys;
using yaml_fields::count;
using yaml_fields::scalar;
using yaml_fields::where;

namespace {
std::string flow_yaml(const YAML::Node& node) {
  YAML::Emitter out;
  out.SetSeqFormat(YAML::Flow);
  out.SetMapFormat(YAML::Flow);
  out << node;
  return out.c_str();
}
}  // namespace

std::string SweepPoint::folder() const { return fmt::format("point-{:03}", index); }

std::size_t SweepConfig::point_count() const {
  std::size_t total = 1, zip_length = 0;
  for (const auto& axis : axes) {
    if (axis.zip) {
      zip_length = axis.values.size();
      continue;
    }
    const std::size_t n = axis.values.size();
    total = n != 0 && total > SIZE_MAX / n ? SIZE_MAX : total * n;
  }
  if (zip_length > 0) total = total > SIZE_MAX / zip_length ? SIZE_MAX : total * zip_length;
  return total;
}

std::vector<SweepPoint> SweepConfig::points() const {
  // Dimensions: the zipped axes together (if any), then each other axis.
  std::vector<std::vector<std::size_t>> dimensions;  // axis indices per dimension
  std::vector<std::size_t> zipped;
  for (std::size_t a = 0; a < axes.size(); ++a) {
    if (axes[a].zip) zipped.push_back(a);
  }
  if (!zipped.empty()) dimensions.push_back(zipped);
  for (std::size_t a = 0; a < axes.size(); ++a) {
    if (!axes[a].zip) dimensions.push_back({a});
  }
  std::size_t total = 1;
  for (const auto& d : dimensions) total *= axes[d.front()].values.size();
  std::vector<SweepPoint> out;
  for (std::size_t i = 0; i < total; ++i) {
    SweepPoint p;
    p.index = i;
    std::vector<std::size_t> choice(axes.size());
    std::size_t rest = i;
    for (std::size_t d = dimensions.size(); d-- > 0;) {
      const std::size_t n = axes[dimensions[d].front()].values.size();
      for (std::size_t a : dimensions[d]) choice[a] = rest % n;
      rest /= n;
    }
    for (const auto& [key, value] : set) p.overrides.push_back(key + "=" + value);
    for (std::size_t a = 0; a < axes.size(); ++a) {
      p.values.emplace_back(axes[a].key, axes[a].values[choice[a]]);
      p.overrides.push_back(axes[a].key + "=" + axes[a].values[choice[a]]);
    }
    out.push_back(std::move(p));
  }
  return out;
}

SweepConfig load_sweep_config(const std::string& path) {
  const YAML::Node root = yaml_fields::load_mapping_file(path, "sweep file (a mapping with 'base' and 'axes')");
  check_keys(path, root, "", {"base", "set", "axes", "parallel", "output"});
  SweepConfig c;
  c.file = path;
  ZEROLM_CHECK(root["base"], "{}: a sweep needs 'base' (the search config every point starts from)", path);
  auto base = std::filesystem::path(scalar<std::string>(path, root["base"], "base"));
  if (base.is_relative()) base = std::filesystem::path(path).parent_path() / base;
  std::error_code missing;  // a name too long for the system is as absent as a missing file
  ZEROLM_CHECK(std::filesystem::exists(base, missing) && !missing, "{}: 'base': file '{}' does not exist",
               where(path, root["base"]), base.string());

  c.base = base.string();
  if (const auto set = root["set"]) {
    ZEROLM_CHECK(set.IsMap(), "{}: 'set' must map config keys to values", where(path, set));
    for (const auto& item : set) {
      const auto key = scalar<std::string>(path, item.first, "set");
      check_config_key(key, where(path, item.first) + ": 'set'");
      c.set.emplace_back(key, flow_yaml(item.second));
    }
  }
  const auto axes = root["axes"];
  ZEROLM_CHECK(axes && axes.IsSequence() && axes.size() > 0, "{}: 'axes' must list at least one axis",
               axes ? where(path, axes) : path);
  std::size_t zip_length = 0;
  for (const auto& a : axes) {
    check_keys(path, a, "axes[]", {"key", "values", "zip"});
    SweepAxis axis;
    ZEROLM_CHECK(a["key"], "{}: an axis needs 'key' (a config key such as proxy.alpha)", where(path, a));
    axis.key = scalar<std::string>(path, a["key"], "axes[].key");
    check_config_key(axis.key, where(path, a["key"]) + ": 'axes[].key'");
    const auto values = a["values"];
    ZEROLM_CHECK(values && values.IsSequence() && values.size() > 0, "{}: axis '{}' needs a non-empty list 'values'",
                 where(path, values ? values : a), axis.key);
    for (const auto& v : values) axis.values.push_back(flow_yaml(v));
    axis.zip = a["zip"] && scalar<bool>(path, a["zip"], "axes[].zip");
    if (axis.zip) {
      ZEROLM_CHECK(zip_length == 0 || zip_length == axis.values.size(),
                   "{}: zipped axis '{}' has {} values, the other zipped axes {}", where(path, values), axis.key,
                   axis.values.size(), zip_length);
      zip_length = axis.values.size();
    }
    for (const auto& other : c.axes) {
      ZEROLM_CHECK(other.key != axis.key, "{}: axis '{}' appears twice", where(path, a["key"]), axis.key);
    }
    c.axes.push_back(std::move(axis));
  }
  if (root["parallel"]) c.parallel = count(path, root["parallel"], "parallel", 1);
  if (root["output"]) c.output = scalar<std::string>(path, root["output"], "output");
  return c;
}

}  // namespace zerolm
