// The `lut` latency model: a lookup table of per-layer latencies, summed. A
// layer's key is its signature (its tensors' names and shapes, and the variant the
// space marks where shapes do not tell), so the table is space-agnostic and a
// file profiled once on a device can be reused by any search over the same space.
// Everything outside the numbered layers (embeddings, head, final norm) is one
// "stem" entry, keyed the same way. Two ways to fill it: `profile` (per-stage
// LibTorch timings) or `fit` (least squares on whole-network measurements).
#pragma once

#include <map>
#include <span>

#include "engine/latency/latency_model.hpp"

namespace zerolm {

class LutLatencyModel final : public LatencyModel {
 public:
  static std::uint64_t layer_signature(const ModelSpec& spec, std::int32_t layer);
  static std::uint64_t stem_signature(const ModelSpec& spec);
  // For people reading the table: "attn.c_attn.weight 768x2304, ..." (+ variant).
  static std::string describe_layer(const ModelSpec& spec, std::int32_t layer);

  // Per-stage timings of profiled networks: every occurrence of a signature
  // votes, the entry is the median.
  struct StageTimes {
    double stem_ms = 0.0;  // embedding + what follows the last layer
    std::vector<double> layer_ms;
  };
  static LutLatencyModel from_profiles(std::span<const ModelSpec> specs, std::span<const StageTimes> times,
                                       Workload workload, const std::string& device);
  // Entries that best explain whole-network measurements (relative least squares).
  static LutLatencyModel fit(std::span<const ModelSpec> specs, std::span<const double> measured_ms, Workload workload,
                             const std::string& device);

  std::string_view kind() const override { return "lut"; }
  // Throws, naming the layer, when the table has no entry for it.
  double predict_ms(const Architecture& architecture, const ModelSpec& spec) const override;
  nlohmann::json to_json() const override;
  static LutLatencyModel from_json(const nlohmann::json& value, const std::string& source);

  std::size_t layer_entries() const { return layers_.size(); }
  std::size_t stem_entries() const { return stems_.size(); }

 private:
  struct Entry {
    double ms = 0.0;
    std::string description;
  };
  std::string device_, method_;
  Workload workload_;
  std::map<std::uint64_t, Entry> layers_, stems_;
};

}  // namespace zerolm
