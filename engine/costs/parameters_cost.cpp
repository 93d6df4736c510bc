// Total parameters: every tensor of the network.
#include "engine/costs/cost.hpp"

namespace zerolm {

namespace {
class TotalParameters final : public CostModel {
 public:
  double measure(const Architecture&, const ModelSpec& spec) const override {
    return static_cast<double>(spec.total_parameters());
  }
};
}  // namespace

CostDescriptor parameters_cost_descriptor() {
  return {.name = "parameters",
          .unit = "",
          .words = "total parameters",
          .description = "every parameter of the network, embeddings and LM head included",
          .reference_at_bound = true,
          .section_keys = {},
          .needs_section = "",
          .parse = nullptr,
          .make = [](const nlohmann::json&, const SearchSpace&) { return std::make_shared<TotalParameters>(); }};
}

}  // namespace zerolm
