// A model spec lists every parameter tensor of a network: what proxies, kernels,
// latency models and exporters consume. None of them knows a search space.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zerolm {

enum class Role : std::uint8_t { attention, ffn, embedding, norm, other };
inline constexpr int kNumRoles = 5;
std::string_view role_name(Role role);
Role parse_role(std::string_view text);

enum class InitKind : std::uint8_t { normal, truncated_normal, zeros, ones };
std::string_view init_kind_name(InitKind kind);

// Variance of N(0, 1) truncated to [-a, a]: 1 - 2 a phi(a) / (2 Phi(a) - 1).
double truncated_normal_variance_factor(double a);

struct Init {
  InitKind kind = InitKind::zeros;
  double std = 0.0;         // of the untruncated normal
  double truncation = 0.0;  // truncated_normal: cut at +-truncation * std
  double var = 0.0;         // per-element variance, computed once here (not per tensor)

  static Init normal(double std) { return {InitKind::normal, std, 0.0, std * std}; }
  static Init truncated_normal(double std, double at = 2.0) {
    return {InitKind::truncated_normal, std, at, std * std * truncated_normal_variance_factor(at)};
  }
  static Init zeros() { return {InitKind::zeros, 0.0, 0.0, 0.0}; }
  static Init ones() { return {InitKind::ones, 0.0, 0.0, 0.0}; }

  // Per-element mean and variance of the initial value (exact, closed form).
  double mean() const { return kind == InitKind::ones ? 1.0 : 0.0; }
  double variance() const { return var; }
};

struct TensorSpec {
  // Static name below its layer ("attention.query.weight"); lowering must not
  // allocate, so names are string literals.
  std::string_view name;
  Role role = Role::other;
  std::int32_t layer = -1;              // -1: not inside a numbered layer
  std::array<std::int64_t, 2> shape{};  // rank 1 uses shape[0]; rank 2 is rows x cols
  std::uint8_t rank = 1;
  Init init;

  std::int64_t rows() const { return shape[0]; }
  std::int64_t cols() const { return rank == 2 ? shape[1] : 1; }
  std::int64_t numel() const { return rank == 2 ? shape[0] * shape[1] : shape[0]; }
  bool is_matrix() const { return rank == 2; }
};

class ModelSpec {
 public:
  std::string_view layer_prefix;  // e.g. "encoder.layer" or "h"
  std::int32_t num_layers = 0;
  std::uint64_t architecture_hash = 0;
  // Sum over layers of the width of the attention-score products (Q K^T and
  // A V: heads x head width), per token and per position attended: the work that
  // no weight matrix shows. Set by the search space; latency models read it.
  double attention_score_width = 0.0;
  // Per token, the elements autoregressive decoding caches over all layers (the
  // key and value widths; a Transformer-XL's memory of hidden states). Set by
  // the search space; the kv_cache cost reads it.
  double kv_cache_width = 0.0;

  std::span<const TensorSpec> tensors() const { return {storage_.data(), count_}; }

  // Keeps the storage: lowering into a reused spec allocates nothing.
  void clear() {
    count_ = 0;
    num_layers = 0;
    architecture_hash = 0;
    attention_score_width = 0.0;
    kv_cache_width = 0.0;
    layer_variants_.clear();
  }
  // Dense weight `in -> out` stored as an in x out matrix. Inline: lowering calls
  // these ~50-150 times per architecture in the hot loop.
  void add_matrix(std::string_view name, Role role, std::int32_t layer, std::int64_t rows, std::int64_t cols,
                  const Init& init) {
    check_extent(name, rows);
    check_extent(name, cols);
    append() = TensorSpec{name, role, layer, {rows, cols}, 2, init};
  }
  void add_vector(std::string_view name, Role role, std::int32_t layer, std::int64_t size, const Init& init) {
    check_extent(name, size);
    append() = TensorSpec{name, role, layer, {size, 1}, 1, init};
  }
  // Every extent is below 2^31, so a tensor's element count (below 2^62) never
  // overflows; sums over tensors are checked where they are taken.
  static constexpr std::int64_t kMaxExtent = (std::int64_t{1} << 31) - 1;

  // A layer's kind where its tensors do not tell it (FlexiBERT's DFT and DCT
  // mixers have the same weights); latency lookup tables key on it. 0 by default.
  void set_layer_variant(std::int32_t layer, std::uint8_t variant) {
    if (layer_variants_.size() <= static_cast<std::size_t>(layer))
      layer_variants_.resize(static_cast<std::size_t>(layer) + 1, 0);
    layer_variants_[static_cast<std::size_t>(layer)] = variant;
  }
  std::uint8_t layer_variant(std::int32_t layer) const {
    return static_cast<std::size_t>(layer) < layer_variants_.size() ? layer_variants_[static_cast<std::size_t>(layer)]
                                                                    : 0;
  }

  // "encoder.layer.3.attention.query.weight"
  std::string full_name(std::size_t tensor_index) const;
  std::int64_t total_parameters() const;
  std::int64_t parameters_with_role(Role role) const;

 private:
  static void check_extent(std::string_view name, std::int64_t extent) {
    if (extent < 0 || extent > kMaxExtent) [[unlikely]]
      refuse_extent(name, extent);
  }
  [[noreturn]] static void refuse_extent(std::string_view name, std::int64_t extent);
  TensorSpec& append() {
    if (count_ == storage_.size()) grow();
    return storage_[count_++];
  }
  void grow();

  std::vector<TensorSpec> storage_;  // [0, count_) in use
  std::size_t count_ = 0;
  std::vector<std::uint8_t> layer_variants_;
};

}  // namespace zerolm
