// Non-embedding parameters: the total less the embedding tables and the LM head
// (the count of the scaling-law papers and of NSC's budgets).
#include "engine/costs/cost.hpp"

namespace zerolm {

namespace {
class NonEmbeddingParameters final : public CostModel {
 public:
  double measure(const Architecture&, const ModelSpec& spec) const override {
    return static_cast<double>(spec.total_parameters() - spec.parameters_with_role(Role::embedding));
  }
};
}  // namespace

CostDescriptor non_embedding_parameters_cost_descriptor() {
  return {.name = "non_embedding_parameters",
          .unit = "",
          .words = "non-embedding parameters",
          .description = "parameters less the embedding tables and the LM head",
          .reference_at_bound = true,
          .section_keys = {},
          .needs_section = "",
          .parse = nullptr,
          .make = [](const nlohmann::json&, const SearchSpace&) { return std::make_shared<NonEmbeddingParameters>(); }};
}

}  // namespace zerolm
