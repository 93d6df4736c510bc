#include "engine/latency/lut_latency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "engine/core/error.hpp"
#include "engine/core/hashing.hpp"
#include "engine/core/parse_number.hpp"
#include "engine/latency/least_squares.hpp"

namespace zerolm {

namespace {

std::uint64_t tensor_hash(const TensorSpec& t) {
  std::uint64_t h = hash_string(t.name);
  h = hash_combine(h, static_cast<std::uint64_t>(t.role));
  h = hash_combine(h, static_cast<std::uint64_t>(t.shape[0]));
  return hash_combine(h, t.rank == 2 ? static_cast<std::uint64_t>(t.shape[1]) : 0xffffffffULL);
}

// Every layer's signature and the stem's, in one pass over the tensors.
struct Signatures {
  std::uint64_t stem = 0x5157e11ULL;
  std::vector<std::uint64_t> layers;
};
Signatures signatures(const ModelSpec& spec) {
  Signatures s;
  s.layers.resize(static_cast<std::size_t>(spec.num_layers));
  for (std::int32_t l = 0; l < spec.num_layers; ++l)
    s.layers[static_cast<std::size_t>(l)] = hash_combine(0x1a7e5ULL, spec.layer_variant(l));
  for (const TensorSpec& t : spec.tensors()) {
    std::uint64_t& h = t.layer < 0 ? s.stem : s.layers.at(static_cast<std::size_t>(t.layer));
    h = hash_combine(h, tensor_hash(t));
  }
  return s;
}

std::string describe_tensors(const ModelSpec& spec, std::int32_t layer) {
  std::string out;
  for (const TensorSpec& t : spec.tensors()) {
    if (t.layer != layer) continue;
    if (!out.empty()) out += ", ";
    out += t.is_matrix() ? fmt::format("{} {}x{}", t.name, t.rows(), t.cols()) : fmt::format("{} {}", t.name, t.rows());
  }
  return out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string hex(std::uint64_t value) { return fmt::format("{:016x}", value); }

}  // namespace

std::uint64_t LutLatencyModel::layer_signature(const ModelSpec& spec, std::int32_t layer) {
  return signatures(spec).layers.at(static_cast<std::size_t>(layer));
}
std::uint64_t LutLatencyModel::stem_signature(const ModelSpec& spec) { return signatures(spec).stem; }

std::string LutLatencyModel::describe_layer(const ModelSpec& spec, std::int32_t layer) {
  return fmt::format("{} (variant {})", describe_tensors(spec, layer), spec.layer_variant(layer));
}

LutLatencyModel LutLatencyModel::from_profiles(std::span<const ModelSpec> specs, std::span<const StageTimes> times,
                                               Workload workload, const std::string& device) {
  ZEROLM_CHECK(specs.size() == times.size() && !specs.empty(), "latency lut: {} networks for {} profiles", specs.size(),
               times.size());
  std::map<std::uint64_t, std::vector<double>> layer_votes, stem_votes;
  LutLatencyModel m;
  m.device_ = device;
  m.workload_ = workload;
  m.method_ = fmt::format("profiled per layer on {} networks", specs.size());
  for (std::size_t r = 0; r < specs.size(); ++r) {
    const Signatures s = signatures(specs[r]);
    ZEROLM_CHECK(times[r].layer_ms.size() == s.layers.size(), "latency lut: profile {} times {} layers of {}", r,
                 times[r].layer_ms.size(), s.layers.size());
    stem_votes[s.stem].push_back(times[r].stem_ms);
    if (!m.stems_.count(s.stem)) m.stems_[s.stem].description = describe_tensors(specs[r], -1);
    for (std::size_t l = 0; l < s.layers.size(); ++l) {
      layer_votes[s.layers[l]].push_back(times[r].layer_ms[l]);
      if (!m.layers_.count(s.layers[l])) {
        m.layers_[s.layers[l]].description = describe_layer(specs[r], static_cast<std::int32_t>(l));
      }
    }
  }
  for (auto& [key, votes] : layer_votes) m.layers_[key].ms = median(std::move(votes));
  for (auto& [key, votes] : stem_votes) m.stems_[key].ms = median(std::move(votes));
  return m;
}

LutLatencyModel LutLatencyModel::fit(std::span<const ModelSpec> specs, std::span<const double> measured_ms,
                                     Workload workload, const std::string& device) {
  ZEROLM_CHECK(specs.size() == measured_ms.size(), "latency fit: {} networks for {} measurements", specs.size(),
               measured_ms.size());
  LutLatencyModel m;
  m.device_ = device;
  m.workload_ = workload;
  m.method_ = fmt::format("fitted to {} whole-network measurements", specs.size());
  // Unknowns: one per distinct signature (stems first-come, then layers).
  std::unordered_map<std::uint64_t, std::size_t> index;
  std::vector<std::pair<bool, std::uint64_t>> unknowns;  // (is_stem, signature)
  std::vector<SparseRow> rows(specs.size());
  const auto unknown = [&](bool stem, std::uint64_t key, const ModelSpec& spec, std::int32_t layer) {
    const std::uint64_t tagged = hash_combine(key, stem ? 1 : 2);
    auto [it, fresh] = index.emplace(tagged, unknowns.size());
    if (fresh) {
      unknowns.emplace_back(stem, key);
      auto& entry = stem ? m.stems_[key] : m.layers_[key];
      entry.description = stem ? describe_tensors(spec, -1) : describe_layer(spec, layer);
    }
    return it->second;
  };
  for (std::size_t r = 0; r < specs.size(); ++r) {
    const Signatures s = signatures(specs[r]);
    std::map<std::size_t, double> counts;
    counts[unknown(true, s.stem, specs[r], -1)] += 1.0;
    for (std::size_t l = 0; l < s.layers.size(); ++l) {
      counts[unknown(false, s.layers[l], specs[r], static_cast<std::int32_t>(l))] += 1.0;
    }
    rows[r].terms.assign(counts.begin(), counts.end());
    rows[r].measured = measured_ms[r];
  }
  ZEROLM_CHECK(specs.size() >= unknowns.size(), "latency fit: {} records for {} table entries", specs.size(),
               unknowns.size());
  const auto solution = relative_least_squares(rows, unknowns.size(), /*ridge=*/1e-9);
  double largest = 0.0;
  for (double c : solution) largest = std::max(largest, std::abs(c));
  for (std::size_t k = 0; k < unknowns.size(); ++k) {
    auto& entry = (unknowns[k].first ? m.stems_ : m.layers_)[unknowns[k].second];
    entry.ms = nonnegative_cost(solution[k], largest, entry.description);
  }
  return m;
}

double LutLatencyModel::predict_ms(const Architecture& architecture, const ModelSpec& spec) const {
  const Signatures s = signatures(spec);
  const auto stem = stems_.find(s.stem);
  ZEROLM_CHECK(stem != stems_.end(),
               "latency model lut: no entry for the embeddings/head of {:016x} ({}); profile or fit "
               "the table on networks that have them",
               architecture.hash(), describe_tensors(spec, -1));
  double ms = stem->second.ms;
  for (std::size_t l = 0; l < s.layers.size(); ++l) {
    const auto entry = layers_.find(s.layers[l]);
    ZEROLM_CHECK(entry != layers_.end(),
                 "latency model lut: no entry for layer {} of {:016x} ({}); profile or fit the "
                 "table on networks that have such a layer",
                 l, architecture.hash(), describe_layer(spec, static_cast<std::int32_t>(l)));
    ms += entry->second.ms;
  }
  return ms;
}

nlohmann::json LutLatencyModel::to_json() const {
  const auto entries = [](const std::map<std::uint64_t, Entry>& table) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, e] : table) out[hex(key)] = {{"ms", e.ms}, {"tensors", e.description}};
    return out;
  };
  return {{"model", "lut"},           {"device", device_},
          {"method", method_},        {"workload", {{"batch", workload_.batch}, {"sequence", workload_.sequence}}},
          {"stems", entries(stems_)}, {"layers", entries(layers_)}};
}

LutLatencyModel LutLatencyModel::from_json(const nlohmann::json& value, const std::string& source) {
  return read_model_json(value, "lut", "lut latency model", source, [](const nlohmann::json& v) {
    LutLatencyModel m;
    m.device_ = v.value("device", "");
    m.method_ = v.value("method", "");
    m.workload_ = workload_from_json(v);
    const auto read = [&](const char* field, std::map<std::uint64_t, Entry>& table) {
      for (const auto& [key, e] : v.at(field).items()) {
        const auto signature = parse_hex64(key);
        ZEROLM_CHECK(signature.has_value(), "field '{}': key '{}' is not a 16-digit hex signature", field, key);
        table[*signature] = {milliseconds_at(e.at("ms"), std::string(field) + "." + key + ".ms"),
                             e.value("tensors", "")};
      }
    };
    read("stems", m.stems_);
    read("layers", m.layers_);
    return m;
  });
}

}  // namespace zerolm
