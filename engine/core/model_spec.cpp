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

double Init::mean() const { return kind == InitKind::ones ? 1.0 : 0.0; }

double Init::variance() const {
  switch (kind) {
    case InitKind::normal: return std * std;
    case InitKind::truncated_normal: {
      // Var of N(0,1) truncated to [-a, a] is 1 - 2 a phi(a) / (2 Phi(a) - 1).
      const double a = truncation;
      const double phi = std::exp(-0.5 * a * a) / std::sqrt(2.0 * std::numbers::pi);
      const double mass = std::erf(a / std::numbers::sqrt2);
      return std * std * (1.0 - 2.0 * a * phi / mass);
    }
    case InitKind::zeros:
    case InitKind::ones: return 0.0;
  }
  return 0.0;
}

void ModelSpec::add_matrix(std::string_view name, Role role, std::int32_t layer, std::int64_t rows,
                           std::int64_t cols, Init init) {
  tensors.push_back(TensorSpec{name, role, layer, {rows, cols}, 2, init});
}

void ModelSpec::add_vector(std::string_view name, Role role, std::int32_t layer, std::int64_t size, Init init) {
  tensors.push_back(TensorSpec{name, role, layer, {size, 1}, 1, init});
}

std::string ModelSpec::full_name(std::size_t tensor_index) const {
  const TensorSpec& t = tensors.at(tensor_index);
  if (t.layer < 0) return std::string(t.name);
  return fmt::format("{}.{}.{}", layer_prefix, t.layer, t.name);
}

std::int64_t ModelSpec::total_parameters() const {
  std::int64_t total = 0;
  for (const auto& t : tensors) total += t.numel();
  return total;
}

std::int64_t ModelSpec::parameters_with_role(Role role) const {
  std::int64_t total = 0;
  for (const auto& t : tensors) {
    if (t.role == role) total += t.numel();
  }
  return total;
}

}  // namespace zerolm
