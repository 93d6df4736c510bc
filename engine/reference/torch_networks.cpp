// FlexiBERT (paper, pytorch, trained) and GPT-2 (lts, hwgpt, gpt2) in LibTorch.
#include "engine/reference/torch_networks.hpp"

#include <torch/fft.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/parameterlist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>

#include <cmath>
#include <numbers>

#include "engine/core/error.hpp"
#include "search_spaces/flexibert/flexibert.hpp"
#include "search_spaces/gpt2/gpt2.hpp"

namespace zerolm::reference {

namespace nn = torch::nn;

namespace {

nn::Linear linear(std::int64_t in, std::int64_t out, bool bias = true) {
  return nn::Linear(nn::LinearOptions(in, out).bias(bias));
}
nn::LayerNorm layer_norm(std::int64_t width) { return nn::LayerNorm(nn::LayerNormOptions({width})); }

// Scaled dot-product attention over [batch, heads, sequence, head width].
at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, bool causal) {
  auto scores = at::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(q.size(-1)));
  if (causal) {
    // Built from the scores' own shape, so a traced (TorchScript) network takes any length.
    const auto mask = at::ones_like(scores, scores.options().dtype(at::kBool)).triu(1);
    scores = scores.masked_fill(mask, -std::numeric_limits<float>::infinity());
  }
  return at::matmul(at::softmax(scores, -1), v);
}

// [b, t, heads * w] -> [b, heads, t, w] and back. No batch or sequence sizes appear
// as numbers (a trace would freeze them): the exported TorchScript takes any shape.
at::Tensor split_heads(const at::Tensor& x, std::int64_t heads) { return x.unflatten(-1, {heads, -1}).transpose(1, 2); }
at::Tensor merge_heads(const at::Tensor& x) { return x.transpose(1, 2).flatten(-2); }

// 0, 1, ..., n-1 along `dim` of `like`, as a traced op (an arange would freeze n).
at::Tensor positions_along(const at::Tensor& like, std::int64_t dim) { return at::ones_like(like).cumsum(dim) - 1; }

// Orthonormal DCT-II matrix with the size of `index` (0..n-1, from positions_along),
// computed by traced ops so the exported network takes any length.
at::Tensor dct_matrix(const at::Tensor& index) {
  const auto n = at::ones_like(index).sum();
  const auto k = index.unsqueeze(1), i = index.unsqueeze(0);
  auto m = at::cos(std::numbers::pi / n * (i + 0.5) * k) * at::sqrt(2.0 / n);
  const auto first_row = at::where(k == 0, at::full_like(k, 1.0 / std::numbers::sqrt2), at::ones_like(k));
  return m * first_row;
}

// ---------------------------------------------------------------- FlexiBERT

struct SeparableConvImpl : nn::Module {
  SeparableConvImpl(std::int64_t channels, std::int64_t out, std::int64_t kernel)
      : depthwise(register_module("depthwise", nn::Conv1d(nn::Conv1dOptions(channels, channels, kernel)
                                                               .groups(channels)
                                                               .padding(kernel / 2)
                                                               .bias(false)))),
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

// ---------------------------------------------------------------- GPT-2

struct Gpt2BlockImpl : nn::Module {
  Gpt2BlockImpl(std::int64_t D, const Gpt2Layer& l, bool bias, Gpt2Protocol protocol)
      : heads(l.n_head), hwgpt(protocol == Gpt2Protocol::hwgpt) {
    width = hwgpt ? static_cast<std::int64_t>(l.n_head) * Gpt2Space::kHwGptHeadSize : D;
    ln_1 = register_module("ln_1", layer_norm(D));
    auto attn = register_module("attn", std::make_shared<nn::Module>());
    c_attn = attn->register_module("c_attn", linear(D, 3 * width, bias));
    attn_proj = attn->register_module("c_proj", linear(width, D, bias));
    ln_2 = register_module("ln_2", layer_norm(D));
    auto mlp = register_module("mlp", std::make_shared<nn::Module>());
    c_fc = mlp->register_module("c_fc", linear(D, l.d_inner, bias));
    if (hwgpt) c_fc2 = mlp->register_module("c_fc2", linear(D, l.d_inner, bias));
    mlp_proj = mlp->register_module("c_proj", linear(l.d_inner, D, bias));
  }
  // Rotary position embedding (HW-GPT-Bench's GPT) on [b, heads, t, w].
  static at::Tensor rotate(const at::Tensor& x) {
    const auto half = x.size(3) / 2;  // the head width: fixed by the architecture
    const auto frequencies = at::pow(10000.0, -at::arange(half, x.options()) / static_cast<double>(half));
    const auto angles = positions_along(x.narrow(-1, 0, 1), 2) * frequencies;  // [b, heads, t, half]
    const auto cos = at::cos(angles), sin = at::sin(angles);
    const auto x1 = x.narrow(-1, 0, half), x2 = x.narrow(-1, half, half);
    return at::cat({x1 * cos - x2 * sin, x1 * sin + x2 * cos}, -1);
  }
  at::Tensor forward(const at::Tensor& x) {
    const auto qkv = c_attn(ln_1(x)).split(width, -1);
    auto q = split_heads(qkv[0], heads), k = split_heads(qkv[1], heads);
    if (hwgpt) {
      q = rotate(q);
      k = rotate(k);
    }
    auto h = x + attn_proj(merge_heads(attend(q, k, split_heads(qkv[2], heads), true)));
    const auto m = ln_2(h);
    const auto inner = hwgpt ? at::silu(c_fc(m)) * c_fc2(m) : at::gelu(c_fc(m));
    return h + mlp_proj(inner);
  }
  std::int64_t heads, width = 0;
  bool hwgpt;
  nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  nn::Linear c_attn{nullptr}, attn_proj{nullptr}, c_fc{nullptr}, c_fc2{nullptr}, mlp_proj{nullptr};
};
TORCH_MODULE(Gpt2Block);

class Gpt2Network final : public TorchNetwork {
 public:
  Gpt2Network(const Gpt2Architecture& a, Gpt2Protocol protocol) : d_model(a.d_model) {
    const std::int64_t D = a.d_model;
    if (!a.adaptive) {
      wte = register_module("wte", nn::Embedding(a.vocab_size, D));
      if (protocol == Gpt2Protocol::gpt2) wpe = register_module("wpe", nn::Embedding(Gpt2Space::kGpt2Positions, D));
      if (protocol == Gpt2Protocol::hwgpt) lm_head = register_module("lm_head", linear(D, a.vocab_size, false));
    } else {
      build_adaptive(a.adaptive_embedding, D);
    }
    h = register_module("h", nn::ModuleList());
    for (const auto& l : a.layers) h->push_back(Gpt2Block(D, l, a.bias, protocol));
    ln_f = register_module("ln_f", layer_norm(D));
  }
  at::Tensor embed(const at::Tensor& tokens) override {
    at::Tensor x = adaptive_layers.empty() ? wte(tokens) : adaptive_embed(tokens);
    return wpe ? x + wpe(positions_along(tokens, 1)) : x;
  }
  std::size_t num_layers() const override { return h->size(); }
  at::Tensor layer(std::size_t i, const at::Tensor& x) override { return h[i]->as<Gpt2BlockImpl>()->forward(x); }
  at::Tensor finish(const at::Tensor& x) override { return ln_f(x); }

 private:
  void build_adaptive(const AdaptiveEmbedding& e, std::int64_t D) {
    auto word_emb = register_module("word_emb", std::make_shared<nn::Module>());
    auto emb_layers = word_emb->register_module("emb_layers", nn::ModuleList());
    auto emb_projs = word_emb->register_module("emb_projs", nn::ParameterList());
    std::int64_t start = 0, width = e.d_embed;
    for (std::size_t i = 0; i < (e.div_val == 1 ? 1 : e.cutoffs.size()); ++i) {
      const std::int64_t end = e.div_val == 1 ? e.n_token : e.cutoffs[i];
      auto table = nn::Embedding(end - start, width);
      emb_layers->push_back(table);
      adaptive_layers.push_back(table);
      at::Tensor projection;
      if (e.div_val != 1 || width != D) {
        projection = at::empty({D, width});
        emb_projs->append(projection);  // the same tensor: initialised in place later
      }
      adaptive_projections.push_back(projection);
      cluster_ends.push_back(end);
      start = end;
      width /= e.div_val;
    }
    wpe = register_module("wpe", nn::Embedding(e.tgt_len, D));
    auto crit = register_module("crit", std::make_shared<nn::Module>());
    auto out_layers = crit->register_module("out_layers", std::make_shared<nn::Module>());
    out_layers->register_parameter("bias", at::zeros({e.n_token}));
    const auto tail = static_cast<std::int64_t>(e.cutoffs.size()) - 1;
    if (tail > 0) {
      crit->register_parameter("cluster_weight", at::empty({tail, e.d_embed}));
      crit->register_parameter("cluster_bias", at::zeros({tail}));
    }
    if (adaptive_projections.front().defined()) {
      auto out_projs = crit->register_module("out_projs", nn::ParameterList());
      out_projs->append(at::empty(adaptive_projections.front().sizes()));
    }
  }
  at::Tensor adaptive_embed(const at::Tensor& tokens) {
    at::Tensor out;
    std::int64_t start = 0;
    for (std::size_t i = 0; i < adaptive_layers.size(); ++i) {
      const auto in_cluster = (tokens >= start) & (tokens < cluster_ends[i]);
      auto e = adaptive_layers[i](at::where(in_cluster, tokens - start, at::zeros_like(tokens)));
      if (adaptive_projections[i].defined()) e = at::matmul(e, adaptive_projections[i].transpose(0, 1));
      const auto term = e * in_cluster.unsqueeze(-1).to(e.scalar_type());
      out = out.defined() ? out + term : term;
      start = cluster_ends[i];
    }
    return out * std::sqrt(static_cast<double>(d_model));
  }

  std::int64_t d_model;
  nn::Embedding wte{nullptr}, wpe{nullptr};
  nn::Linear lm_head{nullptr};
  std::vector<nn::Embedding> adaptive_layers;
  std::vector<at::Tensor> adaptive_projections;
  std::vector<std::int64_t> cluster_ends;
  nn::ModuleList h{nullptr};
  nn::LayerNorm ln_f{nullptr};
};

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
  if (const auto* flexibert = dynamic_cast<const FlexiBertSpace*>(&space)) {
    return std::make_shared<FlexiBertNetwork>(flexibert->decode(architecture),
                                              parse_flexibert_protocol(std::string(space.protocol())));
  }
  if (const auto* gpt2 = dynamic_cast<const Gpt2Space*>(&space)) {
    return std::make_shared<Gpt2Network>(gpt2->decode(architecture), parse_gpt2_protocol(std::string(space.protocol())));
  }
  ZEROLM_FAIL("LibTorch reference: no network for search space '{}'", space.name());
}

void initialise_from_spec(torch::nn::Module& network, const ModelSpec& spec) {
  auto parameters = network.named_parameters(/*recurse=*/true);
  ZEROLM_CHECK(parameters.size() == spec.tensors().size(), "LibTorch network has {} parameters, the model spec {}",
               parameters.size(), spec.tensors().size());
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
    const std::string name = spec.full_name(i);
    const at::Tensor* p = parameters.find(name);
    ZEROLM_CHECK(p != nullptr, "LibTorch network has no parameter '{}'", name);
    ZEROLM_CHECK(p->numel() == spec.tensors()[i].numel(), "parameter '{}': {} elements in LibTorch, {} in the spec", name,
                 p->numel(), spec.tensors()[i].numel());
    initialise(*p, spec.tensors()[i].init);
  }
}

}  // namespace zerolm::reference
