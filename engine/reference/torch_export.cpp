// TorchScript export: the initialised LibTorch network, traced once into a
// torch::jit::Module whose attributes mirror the nn::Module tree (so parameter
// names stay "encoder.layer.3.attention.self.query.weight"), saved with the
// architecture as an extra file. Loadable with torch.jit.load / torch::jit::load.
// The networks compute every length from the tensors themselves, so the traced
// module takes any [batch, sequence].
#include <ATen/ATen.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/frontend/tracer.h>
#include <torch/csrc/jit/serialization/export.h>

#include <cctype>

#include "engine/core/error.hpp"
#include "engine/reference/torch_networks.hpp"
#include "engine/reference/torch_reference.hpp"

namespace zerolm::reference {

namespace {

std::string class_name(const std::string& cpp_name) {
  std::string out = "__torch__.zerolm.";
  for (char c : cpp_name) out += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
  return out;
}

// The same tensors (not copies) registered in a script module tree: the tracer
// maps each tensor the forward pass reads to its attribute path.
torch::jit::Module mirror(const torch::nn::Module& module, const std::shared_ptr<torch::jit::CompilationUnit>& unit) {
  torch::jit::Module out(c10::QualifiedName(class_name(module.name())), unit, /*shouldMangle=*/true);
  for (const auto& p : module.named_parameters(/*recurse=*/false)) out.register_parameter(p.key(), p.value(), false);
  for (const auto& b : module.named_buffers(/*recurse=*/false)) out.register_buffer(b.key(), b.value());
  for (const auto& child : module.named_children()) out.register_module(child.key(), mirror(*child.value(), unit));
  return out;
}

}  // namespace

void export_torchscript(const SearchSpace& space, const Architecture& architecture, const std::string& path,
                        std::uint64_t seed, const std::string& metadata_json) {
  ModelSpec spec;
  space.lower(architecture, spec);
  at::manual_seed(seed);
  const auto network = build_network(space, architecture);
  initialise_from_spec(*network, spec);
  network->eval();

  auto unit = std::make_shared<torch::jit::CompilationUnit>();
  torch::jit::Module script = mirror(*network, unit);
  const auto example = at::randint(0, 100, {2, 8}, at::TensorOptions().dtype(at::kLong));
  at::NoGradGuard no_grad;
  auto traced = torch::jit::tracer::trace(
      {example},
      [&](torch::jit::Stack inputs) -> torch::jit::Stack { return {network->forward(inputs[0].toTensor())}; },
      [](const at::Tensor&) { return std::string(); }, /*strict=*/true, /*force_outplace=*/false, &script);
  auto* forward = unit->create_function(c10::QualifiedName(*script.type()->name(), "forward"), traced.first->graph);
  script.type()->addMethod(forward);

  torch::jit::ExtraFilesMap extra{{"zerolm.json", metadata_json}};
  try {
    script.save(path, extra);
  } catch (const c10::Error& e) {
    ZEROLM_FAIL("{}: cannot write the TorchScript module: {}", path, e.what_without_backtrace());
  }
}

}  // namespace zerolm::reference
