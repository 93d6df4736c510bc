// The `measured` latency model: the architecture's LibTorch network, built and
// initialised, its forward pass timed (warm-up, then the median of N) on the CPU
// or a CUDA device. Each architecture is measured once: results are cached by
// canonical hash, and a search keeps them in its run store, so a resumed run
// reuses them instead of measuring again.
#pragma once

#include <mutex>
#include <unordered_map>

#include "engine/latency/latency_model.hpp"
#include "engine/reference/torch_reference.hpp"

namespace zerolm {

class MeasuredLatencyModel final : public LatencyModel {
 public:
  // Throws when the LibTorch plugin cannot be loaded or the device is not there.
  MeasuredLatencyModel(const SearchSpace& space, reference::LatencyWorkload workload);

  std::string_view kind() const override { return "measured"; }
  bool additive_over_layers() const override { return false; }
  double predict_ms(const Architecture& architecture, const ModelSpec& spec) const override;
  nlohmann::json to_json() const override { return to_json(workload_); }
  static nlohmann::json to_json(const reference::LatencyWorkload& workload);
  static reference::LatencyWorkload workload_from_json(const nlohmann::json& value, const std::string& source);

  std::vector<std::pair<std::uint64_t, double>> take_new_measurements() override;
  void remember(std::uint64_t architecture_hash, double ms) override;
  std::size_t measurements() const;

 private:
  const SearchSpace& space_;
  reference::LatencyWorkload workload_;
  const reference::TorchReferenceApi* torch_ = nullptr;
  mutable std::mutex mutex_;  // one measurement at a time: they would disturb each other
  mutable std::unordered_map<std::uint64_t, double> cache_;
  mutable std::vector<std::pair<std::uint64_t, double>> fresh_;
};

}  // namespace zerolm
