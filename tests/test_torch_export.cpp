// The TorchScript export loads back in LibTorch and computes what the LibTorch
// network computes, on a batch and sequence length other than the traced ones;
// and the latency measurement times what it says.
// LibTorch first: its logging defines a CHECK macro that Catch's must replace.
#include <torch/csrc/jit/serialization/import.h>
#include <torch/script.h>
#undef CHECK

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>

#include "tests/test_support.hpp"
#include "engine/latency/measured_latency.hpp"
#include "engine/reference/torch_networks.hpp"
#include "engine/reference/torch_reference.hpp"
#include "engine/scoring/evaluate.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;

using testing::every_space_and_protocol;
using testing::small_options;

TEST_CASE("TorchScript exports load back and compute the network's forward pass at any shape", "[torch]") {
  const auto folder =
      std::filesystem::temp_directory_path() / ("zerolm-torchscript-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(folder);
  for (const auto& [name, protocol] : every_space_and_protocol()) {
    const auto space = make_search_space(name, small_options(name, protocol));
    for (const auto& architecture : sample_architectures(*space, 3, 8)) {
      INFO(name << " / " << protocol << ": " << space->summary(architecture));
      const auto path = (folder / "model.pt").string();
      reference::export_torchscript(*space, architecture, path, 11, R"({"space": "test"})");

      torch::jit::ExtraFilesMap extra{{"zerolm.json", ""}};
      torch::jit::Module loaded = torch::jit::load(path, c10::nullopt, extra);
      CHECK(extra["zerolm.json"] == R"({"space": "test"})");

      // The same weights in a freshly built network, by name.
      const auto network = reference::build_network(*space, architecture);
      auto parameters = network->named_parameters(true);
      std::size_t copied = 0;
      {
        at::NoGradGuard no_grad;
        for (const auto& p : loaded.named_parameters(/*recurse=*/true)) {
          at::Tensor* target = parameters.find(p.name);
          REQUIRE(target != nullptr);
          target->copy_(p.value);
          ++copied;
        }
      }
      CHECK(copied == parameters.size());

      at::NoGradGuard no_grad;
      loaded.eval();
      const auto tokens = at::randint(0, 100, {3, 13}, at::TensorOptions().dtype(at::kLong));  // traced at [2, 8]
      const at::Tensor expected = network->forward(tokens);
      const at::Tensor got = loaded.forward({tokens}).toTensor();
      REQUIRE(got.sizes() == expected.sizes());
      CHECK(at::allclose(got, expected, 1e-4, 1e-5));
    }
  }
  // POSIX calls, not std::filesystem::remove_all: pip's libtorch.so exports its
  // own std::filesystem symbols, and its remove_all crashed (LibTorch 2.11).
  ::unlink((folder / "model.pt").c_str());
  ::rmdir(folder.c_str());
}

TEST_CASE("latency measurement times the forward pass and each stage", "[torch]") {
  const auto space = make_search_space("gpt2", {"hwgpt"});
  const auto architecture = sample_architectures(*space, 1, 3).front();
  reference::LatencyWorkload workload;
  workload.batch = 1;
  workload.sequence = 32;
  workload.warmup = 0;
  workload.repeats = 1;
  const auto profile = reference::measure_latency(*space, architecture, workload, true);
  CHECK(profile.forward_ms > 0.0);
  CHECK(profile.embed_ms > 0.0);
  ModelSpec spec;
  space->lower(architecture, spec);
  REQUIRE(profile.layer_ms.size() == static_cast<std::size_t>(spec.num_layers));
  for (double ms : profile.layer_ms) CHECK(ms > 0.0);

  workload.device = "nonsense";
  CHECK_THROWS_WITH(reference::measure_latency(*space, architecture, workload, false), Catch::Contains("nonsense"));
}

TEST_CASE("the measured latency model times each architecture once and reuses what it is given", "[torch]") {
  const auto space = make_search_space("gpt2", {"hwgpt"});
  const auto sample = sample_architectures(*space, 2, 6);
  reference::LatencyWorkload workload;
  workload.sequence = 16;
  workload.warmup = 0;
  workload.repeats = 1;
  MeasuredLatencyModel model(*space, workload);
  ModelSpec spec;
  space->lower(sample[0], spec);
  const double first = model.predict_ms(sample[0], spec);
  CHECK(first > 0.0);
  CHECK(model.predict_ms(sample[0], spec) == first);  // cached, not timed again
  const auto fresh = model.take_new_measurements();
  REQUIRE(fresh.size() == 1);
  CHECK(fresh[0] == std::make_pair(sample[0].hash(), first));
  CHECK(model.take_new_measurements().empty());

  model.remember(sample[1].hash(), 42.0);  // as a resumed run hands back its store
  space->lower(sample[1], spec);
  CHECK(model.predict_ms(sample[1], spec) == 42.0);
  CHECK(model.take_new_measurements().empty());

  const auto again = make_latency_model(model.to_json(), "test", *space);
  CHECK(again->kind() == "measured");
  CHECK(again->to_json() == model.to_json());
}
