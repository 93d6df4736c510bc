// FlexiBERT-style ELECTRA encoders (NAS-Bench-BERT), under the three protocols of
// ../shared/benchmarks/README.md: `paper`, `pytorch` and `trained`.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "search_spaces/search_space.hpp"

namespace zerolm {

enum class MixerType : int { self_attention = 0, linear_transform = 1, separable_conv = 2 };

// SA-SDP, SA-WMA, LT-DFT, LT-DCT, DSC-<kernel width>.
struct TokenMixer {
  MixerType type = MixerType::self_attention;
  int parameter = 0;  // SA: 0 SDP, 1 WMA; LT: 0 DFT, 1 DCT; DSC: kernel width

  std::string label() const;  // "SA-SDP"
  static TokenMixer parse(const std::string& label);
  friend bool operator==(const TokenMixer&, const TokenMixer&) = default;
};

struct FlexiBertLayer {
  TokenMixer mixer;
  int heads = 2;
  int ffn_width = 512;
  int ffn_layers = 1;
  friend bool operator==(const FlexiBertLayer&, const FlexiBertLayer&) = default;
};

struct FlexiBertArchitecture {
  int hidden_size = 128;
  std::vector<FlexiBertLayer> layers;
  friend bool operator==(const FlexiBertArchitecture&, const FlexiBertArchitecture&) = default;
};

enum class FlexiBertProtocol { paper, pytorch, trained };

struct FlexiBertChoices {
  std::vector<int> hidden_sizes{128, 256};
  std::vector<int> layer_counts{2, 4};
  std::vector<TokenMixer> mixers{{MixerType::self_attention, 0},   {MixerType::self_attention, 1},
                                 {MixerType::linear_transform, 0}, {MixerType::linear_transform, 1},
                                 {MixerType::separable_conv, 5},   {MixerType::separable_conv, 9}};
  std::vector<int> heads{2, 4};
  std::vector<int> ffn_widths{512, 1024};
  std::vector<int> ffn_layer_counts{1, 3};
};

class FlexiBertSpace final : public SearchSpace {
 public:
  static constexpr int kVocabulary = 30522;
  static constexpr int kEmbeddingWidth = 128;
  static constexpr int kPositions = 512;
  static constexpr int kTokenTypes = 2;
  static constexpr double kInitStd = 0.02;
  // The `paper` protocol's library defaults.
  static constexpr int kPaperHidden = 256;
  static constexpr int kPaperFfnWidth = 1024;

  FlexiBertSpace(FlexiBertProtocol protocol, FlexiBertChoices choices = {});

  std::string_view name() const override { return "flexibert"; }
  std::string_view protocol() const override;
  std::vector<Dimension> dimensions() const override;
  Architecture sample(CounterRng& rng) const override;
  Architecture mutate(const Architecture& parent, CounterRng& rng) const override;
  std::optional<std::uint64_t> size() const override;
  std::vector<LayeredFamily> layered_families() const override;
  void enumerate(const std::function<void(const Architecture&)>& visit) const override;
  nlohmann::json to_json(const Architecture& architecture) const override;
  Architecture from_json(const nlohmann::json& value) const override;
  Architecture from_record(const nlohmann::json& record) const override;
  void lower(const Architecture& architecture, ModelSpec& out) const override;
  std::string summary(const Architecture& architecture) const override;

  // Typed view and its inverse; encode validates.
  FlexiBertArchitecture decode(const Architecture& architecture) const;
  Architecture encode(const FlexiBertArchitecture& typed) const;

 private:
  void validate(const FlexiBertArchitecture& typed) const;
  void lower_layer(const FlexiBertLayer& layer, int index, int hidden, int ffn_width, ModelSpec& out) const;

  FlexiBertProtocol protocol_;
  FlexiBertChoices choices_;
};

// The space's protocol names (validated by the registry) as the enum.
FlexiBertProtocol parse_flexibert_protocol(const std::string& text);

// The `pytorch` export's module family (flexibert_pytorch.cpp).
std::string flexibert_pytorch_module();

}  // namespace zerolm
