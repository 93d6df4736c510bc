// The flexibert space's network in LibTorch (paper, pytorch, trained).
#include "search_spaces/flexibert/flexibert.hpp"

#include "search_spaces/torch_network.hpp"

#include <torch/fft.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/parameterlist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <cmath>
#include <numbers>

namespace zerolm {

namespace {

namespace nn = torch::nn;
using namespace torch_blocks;

// Orthonormal DCT-II matrix with the size of `index` (0..n-1, from positions_along),
// computed by traced ops so the exported network takes any length.
at::Tensor dct_matrix(const at::Tensor& index) {
  const auto n = at::ones_like(index).sum();
  const auto k = index.unsqueeze(1), i = index.unsqueeze(0);
  auto m = at::cos(std::numbers::pi / n * (i + 0.5) * k) * at::sqrt(2.0 / n);
  const auto first_row = at::where(k == 0, at::full_like(k, 1.0 / std::numbers::sqrt2), at::ones_like(k));
  return m * first_row;
}

struct SeparableConvImpl : nn::Module {
  SeparableConvImpl(std::int64_t channels, std::int64_t out, std::int64_t kernel)
      : depthwise(register_module(
            "depthwise",
            nn::Conv1d(
                nn::Conv1dOptions(channels, channels, kernel).groups(channels).padding(kernel / 2).bias(false)))),
        pointwise(register_module("pointwise", nn::Conv1d(nn::Conv1dOptions(channels, out, 1).bias(false)))),
        bias(register_parameter("bias", at::zeros({out}))),
        even_kernel(kernel % 2 == 0) {}
  // [b, t, c] -> [b, t, out]; padding k/2 leaves one extra step for an even k.
  at::Tensor forward(const at::Tensor& x) {
    auto y = pointwise(depthwise(x.transpose(1, 2))).transpose(1, 2);
    if (even_kernel) y = y.slice(1, 0, -1);
    return y + bias;
  }
  nn::Conv1d depthwise, pointwise;
  at::Tensor bias;
  bool even_kernel;
};
TORCH_MODULE(SeparableConv);

struct IntermediateImpl : nn::Module {
  IntermediateImpl(std::int64_t hidden, std::int64_t first, std::int64_t width, int layers) {
    dense.push_back(register_module("dense", linear(hidden, first)));
    std::int64_t in = first;
    for (int j = 1; j < layers; ++j) {
      dense.push_back(register_module("dense_" + std::to_string(j), linear(in, width)));
      in = width;
    }
    out_width = in;
  }
  at::Tensor forward(at::Tensor x) {
    for (auto& d : dense) x = at::gelu(d(x));
    return x;
  }
  std::vector<nn::Linear> dense;
  std::int64_t out_width = 0;
};
TORCH_MODULE(Intermediate);

struct FlexiLayerImpl : nn::Module {
  FlexiLayerImpl(const FlexiBertLayer& l, std::int64_t H, std::int64_t F, bool trained) : layer(l), hidden(H) {
    auto self = std::make_shared<nn::Module>();
    auto output = std::make_shared<nn::Module>();
    attention_ = register_module("attention", std::make_shared<nn::Module>());
    attention_->register_module("self", self);
    const bool has_output = l.mixer.type != MixerType::linear_transform || trained;
    switch (l.mixer.type) {
      case MixerType::self_attention:
        query = self->register_module("query", linear(H, H));
        key = self->register_module("key", linear(H, H));
        value = self->register_module("value", linear(H, H));
        if (l.mixer.parameter == 1) wma = self->register_module("wma", linear(H, H, false));
        attention_heads = l.heads;
        break;
      case MixerType::linear_transform: input_dense = self->register_module("input_dense", linear(H, H)); break;
      case MixerType::separable_conv: {
        const int k = l.mixer.parameter;
        conv_heads = trained ? l.heads : std::max(1, l.heads / 2);
        const std::int64_t A = trained ? H : conv_heads * H / l.heads;
        attention_heads = conv_heads;
        query = self->register_module("query", linear(H, A));
        key = self->register_module("key", linear(H, A));
        value = self->register_module("value", linear(H, A));
        conv = self->register_module("conv", SeparableConv(H, A, k));
        conv_kernel = self->register_module("conv_kernel", linear(trained ? H : A, conv_heads * k));
        conv_out = self->register_module("conv_out", linear(H, A));
        kernel = k;
        break;
      }
    }
    if (has_output) {
      attention_->register_module("output", output);
      const std::int64_t context = l.mixer.type == MixerType::separable_conv && trained ? 2 * H : H;
      output_dense = output->register_module("dense", linear(context, H));
      output_norm = output->register_module("LayerNorm", layer_norm(H));
    }
    intermediate = register_module("intermediate", Intermediate(H, trained ? 4 * H : F, F, l.ffn_layers));
    auto out = register_module("output", std::make_shared<nn::Module>());
    ffn_output = out->register_module("dense", linear(intermediate->out_width, H));
    ffn_norm = out->register_module("LayerNorm", layer_norm(H));
  }

  at::Tensor mix(const at::Tensor& x) {
    switch (layer.mixer.type) {
      case MixerType::self_attention: {
        auto q = query(x);
        if (wma) q = wma(q);  // weighted multiplicative attention: q W k^T
        return merge_heads(attend(split_heads(q, attention_heads), split_heads(key(x), attention_heads),
                                  split_heads(value(x), attention_heads), false));
      }
      case MixerType::linear_transform: {
        const auto y = input_dense(x);
        if (layer.mixer.parameter == 0) return at::real(torch::fft::fft2(y, c10::nullopt, {-2, -1}));
        const auto sample = y.select(0, 0);  // [t, H]
        const auto t = dct_matrix(positions_along(sample.select(1, 0), 0));
        const auto h = dct_matrix(positions_along(sample.select(0, 0), 0));
        return at::matmul(at::matmul(t, y), h.transpose(0, 1));
      }
      case MixerType::separable_conv: {
        // ConvBERT's span-based dynamic convolution beside self-attention.
        const auto q = query(x);
        const auto attention = merge_heads(attend(split_heads(q, attention_heads), split_heads(key(x), attention_heads),
                                                  split_heads(value(x), attention_heads), false));
        const auto span = conv(x) * q;
        const auto weights = at::softmax(conv_kernel(span).unflatten(-1, {conv_heads, 1, kernel}), -1);
        const auto values = conv_out(x).transpose(1, 2);  // [b, A, t]
        const auto padded = at::constant_pad_nd(values, {kernel / 2, kernel - 1 - kernel / 2});
        // [b, A, t, k] -> [b, t, heads, A / heads, k]
        const auto windows = padded.unfold(2, kernel, 1).permute({0, 2, 1, 3}).unflatten(2, {conv_heads, -1});
        const auto convolved = (windows * weights).sum(-1).flatten(-2);
        return at::cat({attention, convolved}, -1);
      }
    }
    return x;
  }

  at::Tensor forward(const at::Tensor& x) {
    auto mixed = mix(x);
    auto h = output_dense ? output_norm(x + output_dense(mixed)) : x + mixed;
    return ffn_norm(h + ffn_output(intermediate(h)));
  }

  FlexiBertLayer layer;
  std::int64_t hidden;
  std::int64_t attention_heads = 1, conv_heads = 1, kernel = 1;
  std::shared_ptr<nn::Module> attention_;
  nn::Linear query{nullptr}, key{nullptr}, value{nullptr}, wma{nullptr}, input_dense{nullptr}, conv_kernel{nullptr},
      conv_out{nullptr}, output_dense{nullptr}, ffn_output{nullptr};
  SeparableConv conv{nullptr};
  nn::LayerNorm output_norm{nullptr}, ffn_norm{nullptr};
  Intermediate intermediate{nullptr};
};
TORCH_MODULE(FlexiLayer);

class FlexiBertNetwork final : public TorchNetwork {
 public:
  FlexiBertNetwork(const FlexiBertArchitecture& a, FlexiBertProtocol protocol) {
    const bool paper = protocol == FlexiBertProtocol::paper;
    const std::int64_t H = paper ? FlexiBertSpace::kPaperHidden : a.hidden_size;
    const std::int64_t E = FlexiBertSpace::kEmbeddingWidth;
    auto embeddings = register_module("embeddings", std::make_shared<nn::Module>());
    word = embeddings->register_module("word_embeddings", nn::Embedding(FlexiBertSpace::kVocabulary, E));
    position = embeddings->register_module("position_embeddings", nn::Embedding(FlexiBertSpace::kPositions, E));
    token_type = embeddings->register_module("token_type_embeddings", nn::Embedding(FlexiBertSpace::kTokenTypes, E));
    norm = embeddings->register_module("LayerNorm", layer_norm(E));
    if (H != E) project = register_module("embeddings_project", linear(E, H));
    auto encoder = register_module("encoder", std::make_shared<nn::Module>());
    layers = encoder->register_module("layer", nn::ModuleList());
    for (const auto& l : a.layers) {
      const std::int64_t F = paper ? FlexiBertSpace::kPaperFfnWidth : l.ffn_width;
      layers->push_back(FlexiLayer(l, H, F, protocol == FlexiBertProtocol::trained));
    }
  }
  at::Tensor embed(const at::Tensor& tokens) override {
    const auto positions = positions_along(tokens, 1);
    auto x = norm(word(tokens) + position(positions) + token_type(at::zeros_like(tokens)));
    return project ? project(x) : x;
  }
  std::size_t num_layers() const override { return layers->size(); }
  at::Tensor layer(std::size_t i, const at::Tensor& x) override { return layers[i]->as<FlexiLayerImpl>()->forward(x); }

 private:
  nn::Embedding word{nullptr}, position{nullptr}, token_type{nullptr};
  nn::LayerNorm norm{nullptr};
  nn::Linear project{nullptr};
  nn::ModuleList layers{nullptr};
};

}  // namespace

std::shared_ptr<TorchNetwork> flexibert_torch_network(const SearchSpace& space, const Architecture& architecture) {
  const auto& flexibert = dynamic_cast<const FlexiBertSpace&>(space);
  return std::make_shared<FlexiBertNetwork>(flexibert.decode(architecture),
                                            parse_flexibert_protocol(std::string(space.protocol())));
}

}  // namespace zerolm
