#include "engine/export/pytorch_export.hpp"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <filesystem>
#include <fstream>
#include <vector>

#include "engine/core/error.hpp"
#include "kernels/weight_math.hpp"
#include "proxies/zerolm_proxy.hpp"

namespace zerolm {

namespace {

// What every model.py holds before the space's family: imports, the layers the
// families share, and the safetensors reader (torch 1.13 has none).
constexpr const char* kPrelude = R"PY(
import json
import math
import os
import struct

import torch
from torch import nn
import torch.nn.functional as F


def init_(tensor, std, truncation=0.0):
    """N(0, std^2), or truncated to +-truncation * std (as zerolm's model spec says)."""
    with torch.no_grad():
        if truncation > 0:
            return nn.init.trunc_normal_(tensor, 0.0, std, -truncation * std, truncation * std)
        return tensor.normal_(0.0, std)


class Dense(nn.Module):
    """y = x @ weight + bias with weight stored in x out: zerolm's layout (GPT-2's
    Conv1D), so the model spec's shapes and drawn weights load unchanged."""

    def __init__(self, n_in, n_out, bias=True, std=0.02, truncation=0.0):
        super().__init__()
        self.weight = nn.Parameter(init_(torch.empty(n_in, n_out), std, truncation))
        self.bias = nn.Parameter(torch.zeros(n_out)) if bias else None

    def forward(self, x):
        y = x @ self.weight
        return y if self.bias is None else y + self.bias


def table(rows, width, std, truncation=0.0):
    """An embedding table initialised as the model spec says."""
    embedding = nn.Embedding(rows, width)
    init_(embedding.weight, std, truncation)
    return embedding


def matrix(rows, cols, std, truncation=0.0):
    return nn.Parameter(init_(torch.empty(rows, cols), std, truncation))


def split_heads(x, heads):
    """[b, t, heads * w] -> [b, heads, t, w]"""
    b, t, width = x.shape
    return x.view(b, t, heads, width // heads).transpose(1, 2)


def merge_heads(x):
    """[b, heads, t, w] -> [b, t, heads * w]"""
    b, heads, t, width = x.shape
    return x.transpose(1, 2).reshape(b, t, heads * width)


def attend(q, k, v, causal):
    """Scaled dot-product attention over [b, heads, t, w]."""
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
    if causal:
        t = scores.size(-1)
        mask = torch.ones(t, t, dtype=torch.bool, device=scores.device).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
    return torch.softmax(scores, -1) @ v


def rotate_half_split(x, base=10000.0):
    """Rotary positions on [b, heads, t, w]: dimension i pairs with i + w/2, frequencies base^(-2i/w)."""
    half = x.size(-1) // 2
    frequencies = base ** (-torch.arange(half, dtype=x.dtype, device=x.device) / half)
    angles = torch.arange(x.size(2), dtype=x.dtype, device=x.device)[:, None] * frequencies[None, :]
    cos, sin = angles.cos(), angles.sin()
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)


def load_safetensors(path):
    """A safetensors file (8-byte little-endian header length, JSON header, raw
    little-endian tensors) as {name: tensor}, with the standard library only."""
    dtypes = {"F32": torch.float32, "F64": torch.float64}
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length].decode("utf-8"))
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        flat = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=dtypes[entry["dtype"]])
        tensors[name] = flat.reshape(entry["shape"])
    return tensors
)PY";

// After the family: build() and the weights beside this file.
constexpr const char* kBuild = R"PY(

HERE = os.path.dirname(os.path.abspath(__file__))


def build(weights=True):
    """The scored network. With weights=True and model.safetensors beside this
    file, its parameters are the initial weights zerolm drew (else fresh ones
    from the same distributions)."""
    model = Network(ARCHITECTURE, PROTOCOL)
    path = os.path.join(HERE, "model.safetensors")
    if weights and os.path.exists(path):
        state = load_safetensors(path)
        names = dict(model.named_parameters())
        if set(state) != set(names):
            raise ValueError("%s: tensors %s differ from the module's parameters" %
                             (path, sorted(set(state) ^ set(names))))
        with torch.no_grad():
            for name, parameter in names.items():
                if tuple(state[name].shape) != tuple(parameter.shape):
                    raise ValueError("%s: tensor %s has shape %s, the module %s" %
                                     (path, name, list(state[name].shape), list(parameter.shape)))
                parameter.copy_(state[name].to(parameter.dtype))
    return model


if __name__ == "__main__":
    network = build()
    total = sum(p.numel() for p in network.parameters())
    print("%s (%s, protocol %s): %d parameters" % (os.path.basename(HERE), SPACE, PROTOCOL, total))
)PY";

std::string python_literal(const std::string& text) {
  ZEROLM_ASSERT(text.find("'''") == std::string::npos && text.find('\\') == std::string::npos,
                "architecture JSON '{}' cannot be a raw Python literal", text);
  return "r'''" + text + "'''";
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream file(path, std::ios::binary);
  ZEROLM_CHECK(file.good(), "{}: cannot write the export", path.string());
  file << text;
  ZEROLM_CHECK(file.good(), "{}: writing the export failed", path.string());
}

nlohmann::json tensor_list(const ModelSpec& spec) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
    const TensorSpec& t = spec.tensors()[i];
    nlohmann::json shape = t.is_matrix() ? nlohmann::json{t.rows(), t.cols()} : nlohmann::json{t.rows()};
    out.push_back(
        {{"name", spec.full_name(i)},
         {"shape", shape},
         {"role", role_name(t.role)},
         {"layer", t.layer},
         {"init", {{"kind", init_kind_name(t.init.kind)}, {"std", t.init.std}, {"truncation", t.init.truncation}}}});
  }
  return out;
}

}  // namespace

std::string pytorch_model_source(const SearchSpace& space, const Architecture& architecture) {
  const SpaceDescriptor& d = search_space_descriptor(space.name());
  ZEROLM_CHECK(!d.pytorch_module.empty(), "--format pytorch: the {} space has no PyTorch module family yet",
               space.name());
  return fmt::format(
      "# model.py, written by `zerolm export --format pytorch`: the {} network that zerolm scored, as a\n"
      "# self-contained PyTorch module (torch and the standard library only). build() returns it.\n"
      "# Parameter names and shapes are zerolm's model spec's (config.json lists them); weight\n"
      "# matrices are stored in x out.\n{}\nSPACE = \"{}\"\nPROTOCOL = \"{}\"\nARCHITECTURE = json.loads({})\n\n{}{}",
      space.name(), kPrelude, space.name(), space.protocol(), python_literal(space.to_json(architecture).dump()),
      d.pytorch_module, kBuild);
}

void write_initial_weights(const ModelSpec& spec, std::uint64_t seed, const std::string& path) {
  std::uint32_t key0 = 0, key1 = 0;
  weight_key(seed, spec.architecture_hash, key0, key1);
  nlohmann::json header = nlohmann::json::object();
  std::uint64_t offset = 0;
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
    const TensorSpec& t = spec.tensors()[i];
    const auto bytes = static_cast<std::uint64_t>(t.numel()) * sizeof(float);
    header[spec.full_name(i)] = {
        {"dtype", "F32"},
        {"shape", t.is_matrix() ? nlohmann::json{t.rows(), t.cols()} : nlohmann::json{t.rows()}},
        {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  header["__metadata__"] = {{"format", "pt"},
                            {"zerolm_seed", std::to_string(seed)},
                            {"zerolm_architecture_hash", fmt::format("{:016x}", spec.architecture_hash)}};
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::ofstream file(path, std::ios::binary);
  ZEROLM_CHECK(file.good(), "{}: cannot write the weights", path);
  const auto length = static_cast<std::uint64_t>(text.size());
  unsigned char length_bytes[8];
  for (int b = 0; b < 8; ++b) length_bytes[b] = static_cast<unsigned char>(length >> (8 * b));
  file.write(reinterpret_cast<const char*>(length_bytes), 8);
  file << text;
  static_assert(std::endian::native == std::endian::little, "safetensors holds little-endian tensors");
  std::vector<float> values;
  for (std::size_t i = 0; i < spec.tensors().size(); ++i) {
    const TensorSpec& t = spec.tensors()[i];
    // The sampled mode's draw of element e of tensor i (kernels/weight_math.hpp):
    // what the CPU twin and the CUDA kernels sum, element for element.
    const kernels::Distribution distribution = distribution_of(t.init.kind);
    const auto std = static_cast<float>(t.init.std), cut = static_cast<float>(t.init.truncation);
    values.resize(static_cast<std::size_t>(t.numel()));
    tbb::parallel_for(std::int64_t{0}, t.numel(), std::int64_t{1} << 14, [&](std::int64_t begin) {
      const std::int64_t end = std::min(t.numel(), begin + (std::int64_t{1} << 14));
      for (std::int64_t e = begin; e < end; ++e) {
        values[static_cast<std::size_t>(e)] = kernels::weight_element(
            distribution, std, cut, static_cast<std::uint64_t>(e), static_cast<std::uint32_t>(i), key0, key1);
      }
    });
    file.write(reinterpret_cast<const char*>(values.data()),
               static_cast<std::streamsize>(values.size() * sizeof(float)));
  }
  ZEROLM_CHECK(file.good(), "{}: writing the weights failed", path);
}

void write_pytorch(const ExportRequest& r) {
  ZEROLM_CHECK(!r.out.empty() && r.out != "-", "--format pytorch writes one folder per architecture: pass --out DIR");
  // Every module source first: a space without a family is refused before a file is written.
  std::vector<std::string> sources;
  for (const auto& e : r.chosen) sources.push_back(pytorch_model_source(r.space, e.architecture));
  const auto& proxy = r.config.proxy_options;
  ModelSpec spec;
  for (std::size_t i = 0; i < r.chosen.size(); ++i) {
    const auto& e = r.chosen[i];
    const auto folder = std::filesystem::path(r.out) / fmt::format("{:02}-{:016x}", i, e.architecture.hash());
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    ZEROLM_CHECK(!ec, "{}: cannot create the folder: {}", folder.string(), ec.message());
    r.space.lower(e.architecture, spec);
    nlohmann::json config = describe_export(r.space, r.config, e);
    config["proxy"] = {{"name", r.config.proxy},
                       {"mode", proxy_mode_name(proxy.mode)},
                       {"alpha", proxy.alpha},
                       {"seed", proxy.seed},
                       {"include_embeddings", proxy.include_embeddings},
                       {"include_norms", proxy.include_norms}};
    config["weights"] = r.weights ? nlohmann::json{{"file", "model.safetensors"}, {"seed", r.seed}, {"dtype", "F32"}}
                                  : nlohmann::json(nullptr);
    config["tensors"] = tensor_list(spec);
    write_file(folder / "config.json", config.dump(1) + "\n");
    write_file(folder / "model.py", sources[i]);
    if (r.weights) write_initial_weights(spec, r.seed, (folder / "model.safetensors").string());
  }
  fmt::print(stderr, "zerolm: {} PyTorch module folders under {} (config.json, model.py{}; build: model.build())\n",
             r.chosen.size(), r.out, r.weights ? ", model.safetensors" : "");
}

}  // namespace zerolm
