// The LibTorch reference against the kernels: `given` mode on the same tensors
// (relative 1e-6), and rank agreement with the `sampled` mode (Spearman >= 0.999).
#include <catch2/catch.hpp>

#include "engine/reference/torch_reference.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/stats/rank_statistics.hpp"
#include "proxies/zerolm_proxy.hpp"

using namespace zerolm;

TEST_CASE("LibTorch networks and the kernels' given mode agree on the same weights", "[torch]") {
  const std::pair<const char*, const char*> spaces[] = {
      {"flexibert", "paper"}, {"flexibert", "pytorch"}, {"flexibert", "trained"}, {"gpt2", "lts"}, {"gpt2", "hwgpt"}};
  for (const auto& [name, protocol] : spaces) {
    const auto space = make_search_space(name, {protocol});
    const auto sample = sample_architectures(*space, 3, 21);
    for (const auto& architecture : sample) {
      ModelSpec spec;
      space->lower(architecture, spec);
      ProxyOptions options;
      options.alpha = 0.3;
      const auto result = reference::compare_given(spec, options, "cpu", 5);
      INFO(name << " / " << protocol << ": " << space->summary(architecture));
      CHECK(result.kernels.score == Approx(result.torch.score).epsilon(1e-6));
      CHECK(result.kernels.module_total(Role::attention) == Approx(result.torch.module_total(Role::attention)).epsilon(1e-6));
      CHECK(result.kernels.module_total(Role::ffn) == Approx(result.torch.module_total(Role::ffn)).epsilon(1e-6));
    }
  }
}

TEST_CASE("LibTorch-initialised networks rank like the sampled mode", "[torch]") {
  const auto space = make_search_space("flexibert", {"pytorch"});
  const auto sample = sample_architectures(*space, 300, 2);
  std::vector<ModelSpec> specs(sample.size());
  for (std::size_t i = 0; i < sample.size(); ++i) space->lower(sample[i], specs[i]);
  ProxyOptions options;
  options.mode = ProxyMode::sampled;
  const auto torch_run = reference::torch_zerolm(specs, options, "cpu", 3);
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
