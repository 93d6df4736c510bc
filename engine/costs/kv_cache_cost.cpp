// The KV cache of autoregressive decoding, in bytes: batch x context_length x
// (per token, the key and value widths every layer caches) x the dtype's bytes.
// The widths come from the lowering (ModelSpec::kv_cache_width): a LLaMA
// layer caches 2 x KV heads x head_dim (GQA and MQA exactly, a skipped
// attention nothing), a GPT-2 layer 2 x heads x head width, a
// Transformer-XL the hidden states of its memory (d_model for each layer and
// the embedding output, as archai's mems hold them).
#include <algorithm>
#include <array>
#include <utility>

#include "engine/core/error.hpp"
#include "engine/core/yaml_fields.hpp"
#include "engine/costs/cost.hpp"

namespace zerolm {

namespace {

constexpr std::size_t kMaxContext = std::size_t{1} << 24;
constexpr std::size_t kMaxBatch = std::size_t{1} << 20;
constexpr std::array<std::pair<const char*, int>, 6> kDtypeBytes{
    {{"fp32", 4}, {"fp16", 2}, {"bf16", 2}, {"fp8", 1}, {"int8", 1}, {"int4", 0}}};  // int4: half a byte

double bytes_per_element(const std::string& dtype) {
  for (const auto& [name, bytes] : kDtypeBytes) {
    if (dtype == name) return bytes == 0 ? 0.5 : bytes;
  }
  ZEROLM_FAIL("'kv_cache.dtype': value '{}' is not fp32|fp16|bf16|fp8|int8|int4", dtype);
}

class KvCacheBytes final : public CostModel {
 public:
  explicit KvCacheBytes(double elements_per_width) : elements_per_width_(elements_per_width) {}
  double measure(const Architecture&, const ModelSpec& spec) const override {
    return elements_per_width_ * spec.kv_cache_width;
  }

 private:
  double elements_per_width_;  // batch x context x bytes per element
};

nlohmann::json parse_kv_cache(const std::string& file, const YAML::Node& section) {
  std::size_t context = 2048, batch = 1;
  std::string dtype = "bf16";
  if (section) {
    yaml_fields::check_keys(file, section, "kv_cache", {"context_length", "batch", "dtype"});
    if (section["context_length"])
      context = yaml_fields::count(file, section["context_length"], "kv_cache.context_length", 1, kMaxContext);
    if (section["batch"]) batch = yaml_fields::count(file, section["batch"], "kv_cache.batch", 1, kMaxBatch);
    if (section["dtype"]) {
      dtype = yaml_fields::scalar<std::string>(file, section["dtype"], "kv_cache.dtype");
      try {
        (void)bytes_per_element(dtype);
      } catch (const Error& e) {
        throw e.with_context(yaml_fields::where(file, section["dtype"]));
      }
    }
  }
  return {{"context_length", context}, {"batch", batch}, {"dtype", dtype}};
}

}  // namespace

CostDescriptor kv_cache_cost_descriptor() {
  return {.name = "kv_cache",
          .unit = "bytes",
          .words = "KV cache",
          .description =
              "bytes of the KV cache at kv_cache.context_length tokens, batch and dtype (defaults 2048, "
              "1, bf16); GQA/MQA exact",
          .reference_at_bound = false,
          .section_keys = {"context_length", "batch", "dtype"},
          .needs_section = "",
          .parse = parse_kv_cache,
          .make = [](const nlohmann::json& stored, const SearchSpace&) -> std::shared_ptr<CostModel> {
            const nlohmann::json s =
                stored.is_null() ? parse_kv_cache("", YAML::Node(YAML::NodeType::Undefined)) : stored;
            try {
              const double per = s.at("batch").get<double>() * s.at("context_length").get<double>() *
                                 bytes_per_element(s.at("dtype").get<std::string>());
              return std::make_shared<KvCacheBytes>(per);
            } catch (const nlohmann::json::exception& e) {
              ZEROLM_FAIL("config 'kv_cache': {}", e.what());
            }
          }};
}

}  // namespace zerolm
