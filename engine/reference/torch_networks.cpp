// The LibTorch plugin's view of the spaces' networks: one builder per registry
// entry (search_spaces/spaces.def), and initialisation from a model spec.
#include "engine/reference/torch_networks.hpp"

#include <cmath>
#include <numbers>
#include <string_view>
#include <utility>

#include "engine/core/error.hpp"

namespace zerolm {

#define ZEROLM_SEARCH_SPACE(name) \
  std::shared_ptr<TorchNetwork> name##_torch_network(const SearchSpace& space, const Architecture& architecture);
#include "search_spaces/spaces.def"
#undef ZEROLM_SEARCH_SPACE

namespace reference {

namespace {

void initialise(at::Tensor p, const Init& init) {
  at::NoGradGuard no_grad;
  switch (init.kind) {
    case InitKind::normal: p.normal_(0.0, init.std); break;
    case InitKind::truncated_normal: {
      // As torch.nn.init.trunc_normal_: inverse CDF of a uniform on the kept mass.
      const double a = init.truncation;
      const double low = 0.5 * (1.0 + std::erf(-a / std::numbers::sqrt2));
      const double high = 0.5 * (1.0 + std::erf(a / std::numbers::sqrt2));
      p.uniform_(2.0 * low - 1.0, 2.0 * high - 1.0).erfinv_().mul_(init.std * std::numbers::sqrt2);
      p.clamp_(-a * init.std, a * init.std);
      break;
    }
    case InitKind::zeros: p.zero_(); break;
    case InitKind::ones: p.fill_(1.0); break;
  }
}

}  // namespace

std::shared_ptr<TorchNetwork> build_network(const SearchSpace& space, const Architecture& architecture) {
  static const std::pair<std::string_view, TorchNetworkBuilder> builders[] = {
#define ZEROLM_SEARCH_SPACE(name) {#name, name##_torch_network},
#include "search_spaces/spaces.def"
#undef ZEROLM_SEARCH_SPACE
  };
  for (const auto& [name, build] : builders) {
    if (name == space.name()) return build(space, architecture);
  }
  ZEROLM_ASSERT(false, "search space '{}' is in no builder list of the LibTorch plugin", space.name());
  return nullptr;
}

void initialise_from_spec(torch::nn::Module& network, const ModelSpec& spec) {
  auto parameters = network.named_parameters(/*recurse=*/true);
  ZEROLM_CHECK(parameters.size() == spec.tensors().size(), "LibTorch network has {} parameters, the model spec {}",
               parameters.size(), spec.tensors().size());
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
    const std::string name = spec.full_name(i);
    const at::Tensor* p = parameters.find(name);
    ZEROLM_CHECK(p != nullptr, "LibTorch network has no parameter '{}'", name);
    ZEROLM_CHECK(p->numel() == spec.tensors()[i].numel(), "parameter '{}': {} elements in LibTorch, {} in the spec",
                 name, p->numel(), spec.tensors()[i].numel());
    initialise(*p, spec.tensors()[i].init);
  }
}

}  // namespace reference
}  // namespace zerolm
