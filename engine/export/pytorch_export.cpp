#include "engine/export/pytorch_export.hpp"

#include <fmt/format.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <bit>
#include <filesystem>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/output_file.hpp"
#include "kernels/weight_math.hpp"
#include "proxies/zerolm_proxy.hpp"

namespace zerolm {

// engine/export/pytorch_prelude.py and pytorch_build.py, embedded at build time
// (cmake/ZerolmEmbed.cmake).
extern const char pytorch_prelude_py[];
extern const char pytorch_build_py[];

namespace {

// What every model.py holds before the space's family: imports, the layers the
// families share, and the safetensors reader (torch 1.13 has none).
const char* const kPrelude = pytorch_prelude_py;

// After the family: build() and the weights beside this file.
const char* const kBuild = pytorch_build_py;

std::string python_literal(const std::string& text) {
  ZEROLM_ASSERT(text.find("'''") == std::string::npos && text.find('\\') == std::string::npos,
                "architecture JSON '{}' cannot be a raw Python literal", text);
  return "r'''" + text + "'''";
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  write_file_atomic(path.string(), text, "the export");
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
  OutputFile file(path, "the weights");
  const auto length = static_cast<std::uint64_t>(text.size());
  unsigned char length_bytes[8];
  for (int b = 0; b < 8; ++b) length_bytes[b] = static_cast<unsigned char>(length >> (8 * b));
  file.write(std::string_view(reinterpret_cast<const char*>(length_bytes), 8));
  file.write(text);
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
    file.write(std::string_view(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
  }
  file.commit();
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
