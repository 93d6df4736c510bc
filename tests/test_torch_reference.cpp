// The LibTorch reference against the kernels: `given` mode on the same tensors
// (relative 1e-6), and rank agreement with the `sampled` mode (Spearman >= 0.999).
#include <catch2/catch.hpp>

#include "tests/test_support.hpp"
#include "engine/reference/torch_reference.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/stats/rank_statistics.hpp"
#include "proxies/zerolm_proxy.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;

using testing::every_space_and_protocol;
using testing::small_options;

TEST_CASE("LibTorch networks and the kernels' given mode agree on the same weights", "[torch]") {
  for (const auto& [name, protocol] : every_space_and_protocol()) {
    const auto space = make_search_space(name, small_options(name, protocol));
    const auto sample = sample_architectures(*space, 3, 21);
    for (const auto& architecture : sample) {
      ProxyOptions options;
      options.alpha = 0.3;
      const auto result = reference::compare_given(*space, architecture, options, "cpu", 5);
      INFO(name << " / " << protocol << ": " << space->summary(architecture));
      CHECK(result.kernels.score == Approx(result.torch.score).epsilon(1e-6));
      CHECK(result.kernels.module_total(Role::attention) ==
            Approx(result.torch.module_total(Role::attention)).epsilon(1e-6));
      CHECK(result.kernels.module_total(Role::ffn) == Approx(result.torch.module_total(Role::ffn)).epsilon(1e-6));
    }
  }
}

TEST_CASE("LibTorch-initialised networks rank like the sampled mode", "[torch]") {
  const auto space = make_search_space("flexibert", {"pytorch"});
  const auto sample = sample_architectures(*space, 300, 2);
  ProxyOptions options;
  options.mode = ProxyMode::sampled;
  const auto torch_run = reference::torch_zerolm(*space, sample, options, "cpu", 3);
  const auto sampled = evaluate(*space, ZeroLmProxy(options), sample);
  std::vector<double> a, b;
  for (std::size_t i = 0; i < sample.size(); ++i) {
    a.push_back(torch_run.breakdowns[i].score);
    b.push_back(sampled[i].score);
  }
  const double rho = stats::spearman(a, b);
  INFO("Spearman(LibTorch, sampled) = " << rho);
  CHECK(rho >= 0.999);
}

TEST_CASE("the LibTorch networks hold exactly the model spec's tensors and run forward", "[torch]") {
  // initialise_from_spec checks every name and size; forward_shape runs the network.
  for (const auto& [name, protocol] : every_space_and_protocol()) {
    const auto space = make_search_space(name, small_options(name, protocol));
    for (const auto& architecture : sample_architectures(*space, 4, 4)) {
      INFO(name << " / " << protocol << ": " << space->summary(architecture));
      std::vector<std::int64_t> shape;
      REQUIRE_NOTHROW(shape = reference::forward_shape(*space, architecture, 2, 12));
      REQUIRE(shape.size() == 3);
      CHECK(shape[0] == 2);
      CHECK(shape[1] == 12);
    }
  }
}
