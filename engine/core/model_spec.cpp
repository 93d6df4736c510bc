#include "engine/core/model_spec.hpp"

#include <cmath>
#include <numbers>

#include "engine/core/error.hpp"

namespace zerolm {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::attention: return "attention";
    case Role::ffn: return "ffn";
    case Role::embedding: return "embedding";
    case Role::norm: return "norm";
    case Role::other: return "other";
  }
  return "other";
}

Role parse_role(std::string_view text) {
  for (int r = 0; r < kNumRoles; ++r) {
    if (role_name(static_cast<Role>(r)) == text) return static_cast<Role>(r);
  }
  ZEROLM_FAIL("unknown module role '{}' (expected attention|ffn|embedding|norm|other)", text);
}

std::string_view init_kind_name(InitKind kind) {
  switch (kind) {
    case InitKind::normal: return "normal";
    case InitKind::truncated_normal: return "truncated_normal";
    case InitKind::zeros: return "zeros";
    case InitKind::ones: return "ones";
  }
  return "zeros";
}

double truncated_normal_variance_factor(double a) {
  // Lowering calls this per layer; the default cut of 2 is computed once.
  static const double at_two = [] {
    const double phi = std::exp(-2.0) / std::sqrt(2.0 * std::numbers::pi);
    return 1.0 - 4.0 * phi / std::erf(2.0 / std::numbers::sqrt2);
  }();
  if (a == 2.0) return at_two;
  const double phi = std::exp(-0.5 * a * a) / std::sqrt(2.0 * std::numbers::pi);
  return 1.0 - 2.0 * a * phi / std::erf(a / std::numbers::sqrt2);
}

void ModelSpec::grow() { storage_.resize(storage_.empty() ? 64 : 2 * storage_.size()); }

std::string ModelSpec::full_name(std::size_t tensor_index) const {
  ZEROLM_CHECK(tensor_index < count_, "tensor {} of a model spec with {}", tensor_index, count_);
  const TensorSpec& t = storage_[tensor_index];
  if (t.layer < 0) return std::string(t.name);
  return fmt::format("{}.{}.{}", layer_prefix, t.layer, t.name);
}

void ModelSpec::refuse_extent(std::string_view name, std::int64_t extent) {
  ZEROLM_FAIL("tensor '{}' would have an extent of {}; an architecture's tensors are at most {} wide", name, extent,
              kMaxExtent);
}

namespace {
// Sums element counts, refusing a total past int64 (a parameter count that wraps
// would rank a huge network as the smallest).
std::int64_t add_count(std::int64_t total, std::int64_t more) {
  std::int64_t sum = 0;
  ZEROLM_CHECK(!__builtin_add_overflow(total, more, &sum),
               "the architecture has more than 2^63 parameters; it is no network anyone can build");
  return sum;
}
}  // namespace

std::int64_t ModelSpec::total_parameters() const {
  std::int64_t total = 0;
  for (const auto& t : tensors()) total = add_count(total, t.numel());
  return total;
}

std::int64_t ModelSpec::parameters_with_role(Role role) const {
  std::int64_t total = 0;
  for (const auto& t : tensors()) {
    if (t.role == role) total = add_count(total, t.numel());
  }
  return total;
}

}  // namespace zerolm
