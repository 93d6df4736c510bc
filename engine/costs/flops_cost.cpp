// Forward FLOPs per token at a context of `sequence_length` tokens, counted as
// Kaplan et al. ("Scaling Laws for Neural Language Models", 2020, Table 1) do:
// C_forward = 2 N + 2 n_ctx sum over layers of d_attn, where N is the
// non-embedding parameter count (a multiply and an add per weight and token)
// and the second term the attention scores over the context (d_attn: a layer's
// heads x head width). Embedding lookups, norms' and softmax's elementwise work
// are not counted, as there; mixers without attention scores (FlexiBERT's DFT
// and DCT) add their weights only.
#include "engine/core/error.hpp"
#include "engine/core/yaml_fields.hpp"
#include "engine/costs/cost.hpp"

namespace zerolm {

namespace {

constexpr std::size_t kDefaultSequenceLength = 1024;
constexpr std::size_t kMaxSequenceLength = std::size_t{1} << 24;

class ForwardFlops final : public CostModel {
 public:
  explicit ForwardFlops(double sequence_length) : sequence_length_(sequence_length) {}
  double measure(const Architecture&, const ModelSpec& spec) const override {
    const auto non_embedding =
        static_cast<double>(spec.total_parameters() - spec.parameters_with_role(Role::embedding));
    return 2.0 * non_embedding + 2.0 * sequence_length_ * spec.attention_score_width;
  }

 private:
  double sequence_length_;
};

nlohmann::json parse_flops(const std::string& file, const YAML::Node& section) {
  std::size_t length = kDefaultSequenceLength;
  if (section) {
    yaml_fields::check_keys(file, section, "flops", {"sequence_length"});
    if (section["sequence_length"])
      length = yaml_fields::count(file, section["sequence_length"], "flops.sequence_length", 1, kMaxSequenceLength);
  }
  return {{"sequence_length", length}};
}

}  // namespace

CostDescriptor flops_cost_descriptor() {
  return {.name = "flops",
          .unit = "FLOPs/token",
          .words = "forward FLOPs per token",
          .description =
              "forward FLOPs per token at flops.sequence_length (Kaplan et al.: 2 N + 2 n_ctx d_attn per "
              "layer; default 1024)",
          .reference_at_bound = false,
          .section_keys = {"sequence_length"},
          .needs_section = "",
          .parse = parse_flops,
          .make = [](const nlohmann::json& stored, const SearchSpace&) -> std::shared_ptr<CostModel> {
            const nlohmann::json s = stored.is_null() ? parse_flops("", YAML::Node(YAML::NodeType::Undefined)) : stored;
            ZEROLM_CHECK(s.contains("sequence_length") && s["sequence_length"].is_number_unsigned(),
                         "config 'flops': field 'sequence_length': value {} is not a whole number", s.dump());
            return std::make_shared<ForwardFlops>(s["sequence_length"].get<double>());
          }};
}

}  // namespace zerolm
