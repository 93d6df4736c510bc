#include "engine/latency/measured_latency.hpp"

#include "engine/core/error.hpp"
#include "engine/reference/torch_plugin.hpp"

namespace zerolm {

MeasuredLatencyModel::MeasuredLatencyModel(const SearchSpace& space, reference::LatencyWorkload workload)
    : space_(space), workload_(std::move(workload)) {
  ZEROLM_CHECK(workload_.device == "cpu" || workload_.device == "cuda",
               "latency model measured: field 'device': value '{}' is not cpu|cuda", workload_.device);
  std::string why;
  torch_ = reference::load_torch_plugin(&why);
  ZEROLM_CHECK(torch_ != nullptr, "latency model measured needs LibTorch: {}", why);
  ZEROLM_CHECK(workload_.device == "cpu" || torch_->cuda_available(),
               "latency model measured: field 'device': value 'cuda', but LibTorch sees no CUDA device");
}

double MeasuredLatencyModel::predict_ms(const Architecture& architecture, const ModelSpec& /*spec*/) const {
  const std::lock_guard lock(mutex_);
  if (const auto hit = cache_.find(architecture.hash()); hit != cache_.end()) return hit->second;
  const double ms = torch_->measure_latency(space_, architecture, workload_, false).forward_ms;
  cache_[architecture.hash()] = ms;
  fresh_.emplace_back(architecture.hash(), ms);
  return ms;
}

std::vector<std::pair<std::uint64_t, double>> MeasuredLatencyModel::take_new_measurements() {
  const std::lock_guard lock(mutex_);
  return std::exchange(fresh_, {});
}

void MeasuredLatencyModel::remember(std::uint64_t architecture_hash, double ms) {
  const std::lock_guard lock(mutex_);
  cache_[architecture_hash] = ms;
}

std::size_t MeasuredLatencyModel::measurements() const {
  const std::lock_guard lock(mutex_);
  return cache_.size();
}

nlohmann::json MeasuredLatencyModel::to_json(const reference::LatencyWorkload& w) {
  return {{"model", "measured"}, {"device", w.device},   {"batch", w.batch},    {"sequence", w.sequence},
          {"warmup", w.warmup},  {"repeats", w.repeats}, {"threads", w.threads}};
}

reference::LatencyWorkload MeasuredLatencyModel::workload_from_json(const nlohmann::json& value,
                                                                    const std::string& source) {
  reference::LatencyWorkload w;
  try {
    w.device = value.value("device", w.device);
    w.batch = value.value("batch", w.batch);
    w.sequence = value.value("sequence", w.sequence);
    w.warmup = value.value("warmup", w.warmup);
    w.repeats = value.value("repeats", w.repeats);
    w.threads = value.value("threads", w.threads);
  } catch (const nlohmann::json::exception& e) {
    ZEROLM_FAIL("{}: not a measured latency model: {}", source, e.what());
  }
  ZEROLM_CHECK(w.batch > 0 && w.sequence > 0, "{}: latency model measured: batch {} and sequence {} must be positive",
               source, w.batch, w.sequence);
  ZEROLM_CHECK(w.repeats > 0 && w.warmup >= 0 && w.threads >= 0,
               "{}: latency model measured: repeats {} must be positive, warmup {} and threads {} not negative", source,
               w.repeats, w.warmup, w.threads);
  return w;
}

}  // namespace zerolm
