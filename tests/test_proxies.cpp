#include <tbb/global_control.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/calibration/calibrate.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/stats/rank_statistics.hpp"
#include "kernels/weight_statistics.hpp"
#include "proxies/zerolm_proxy.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;

namespace {
ModelSpec one_matrix(std::int64_t rows, std::int64_t cols, Init init, Role role = Role::ffn) {
  ModelSpec spec;
  spec.num_layers = 1;
  spec.architecture_hash = 99;
  spec.add_matrix("w", role, 0, rows, cols, init);
  spec.add_vector("b", role, 0, cols, Init::zeros());
  return spec;
}

ProxyBreakdown score_one(const ModelSpec& spec, ProxyOptions options) {
  ZeroLmProxy proxy(options);
  std::vector<ProxyBreakdown> out(1);
  proxy.score(std::span<const ModelSpec>(&spec, 1), out);
  return out[0];
}
}  // namespace

TEST_CASE("expected capacity is max(n, m) times the init variance", "[proxy]") {
  ProxyOptions o;
  o.alpha = 0.0;  // score = S_ffn
  CHECK(score_one(one_matrix(256, 1024, Init::normal(0.02)), o).score == Approx(1024 * 0.0004).epsilon(1e-12));
  // Truncation at 2 std keeps 0.7737413 of the variance.
  CHECK(score_one(one_matrix(128, 64, Init::truncated_normal(0.02)), o).score ==
        Approx(128 * 0.0004 * 0.7737413).epsilon(1e-6));
  o.alpha = 0.25;
  const auto b = score_one(one_matrix(100, 100, Init::normal(0.1), Role::attention), o);
  CHECK(b.module_total(Role::attention) == Approx(1.0).epsilon(1e-12));
  CHECK(b.score == Approx(0.25).epsilon(1e-12));
}

TEST_CASE("sampled capacity draws the weights and is close to the expected one", "[proxy]") {
  for (Init init : {Init::normal(0.02), Init::truncated_normal(0.05), Init::ones()}) {
    const ModelSpec spec = one_matrix(300, 700, init);
    ProxyOptions expected, sampled;
    expected.alpha = sampled.alpha = 0.0;
    sampled.mode = ProxyMode::sampled;
    const double e = score_one(spec, expected).score;
    const double s = score_one(spec, sampled).score;
    // Relative sd of a sum of n squared normals is sqrt(2 / n) = 0.0031 here.
    CHECK(s == Approx(e).epsilon(0.02));
    sampled.seed = 1;
    if (init.kind != InitKind::ones) CHECK(score_one(spec, sampled).score != s);
  }
}

TEST_CASE("sampled scores do not depend on the thread count", "[proxy]") {
  const auto space = make_search_space("flexibert", {"trained"});
  const auto sample = sample_architectures(*space, 6, 5);
  ProxyOptions o;
  o.mode = ProxyMode::sampled;
  o.seed = 17;
  const ZeroLmProxy proxy(o);
  std::vector<ProxyBreakdown> one, many;
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    one = evaluate(*space, proxy, sample);
  }
  many = evaluate(*space, proxy, sample, 2);
  for (std::size_t i = 0; i < sample.size(); ++i) {
    CHECK(one[i].score == many[i].score);  // bit-identical
    CHECK(one[i].per_layer == many[i].per_layer);
  }
}

TEST_CASE("embedding and norm flags add their capacity", "[proxy]") {
  ModelSpec spec = one_matrix(10, 20, Init::normal(1.0));
  spec.add_matrix("emb", Role::embedding, -1, 1000, 8, Init::normal(1.0));
  spec.add_vector("ln", Role::norm, 0, 20, Init::ones());
  ProxyOptions o;
  o.alpha = 0.0;
  const double base = score_one(spec, o).score;
  CHECK(base == Approx(20.0));
  o.include_embeddings = true;
  CHECK(score_one(spec, o).score == Approx(base + 1000.0));
  o.include_norms = true;
  CHECK(score_one(spec, o).score == Approx(base + 1000.0 + 20.0));
}

namespace {
void check_modes_agree(const std::string& relative, const std::string& protocol) {
  const auto path = testing::benchmark_file(relative);
  if (!path) FAIL("benchmark file " << relative << " not found in benchmarks/");
  const Benchmark b = load_benchmark(*path, protocol);
  std::vector<Architecture> archs;
  for (const auto& r : b.records) archs.push_back(r.architecture);
  ProxyOptions expected, sampled;
  sampled.mode = ProxyMode::sampled;
  // Score once per mode; the alphas recombine the module capacities.
  const auto e = module_capacities(evaluate(*b.space, *make_proxy("zerolm", expected), archs), expected);
  const auto s = module_capacities(evaluate(*b.space, *make_proxy("zerolm", sampled), archs), sampled);
  for (double alpha : {0.5, 0.2, -0.5}) {
    const double rho = stats::spearman(e.combine(alpha), s.combine(alpha));
    INFO(relative << " protocol " << protocol << " alpha " << alpha << ": Spearman(sampled, expected) = " << rho);
    CHECK(rho >= 0.999);
  }
}
}  // namespace

TEST_CASE("sampled and expected modes rank alike on the shared files", "[proxy][benchmark]") {
  check_modes_agree("nas-bench-bert/architectures.json", "paper");
  check_modes_agree("nas-bench-bert/architectures.json", "pytorch");
  check_modes_agree("nas-bench-bert/architectures.json", "trained");
  check_modes_agree("lts-gpt2/wt103.json", "lts");
}

TEST_CASE("the segment table maps every counted tensor to its architecture, layer and module", "[proxy]") {
  const auto space = make_search_space("gpt2");
  const auto sample = sample_architectures(*space, 5, 9);
  std::vector<ModelSpec> specs(sample.size());
  for (std::size_t i = 0; i < sample.size(); ++i) space->lower(sample[i], specs[i]);
  ProxyOptions o;
  o.mode = ProxyMode::sampled;
  const ZeroLmProxy proxy(o);
  std::vector<std::uint32_t> base;
  const auto table = proxy.segment_table(specs, base);
  std::uint32_t slots = 0;
  for (const auto& spec : specs) slots += static_cast<std::uint32_t>(spec.num_layers + 1) * kNumRoles;
  CHECK(table.modules == slots);
  std::size_t counted = 0;
  for (const auto& spec : specs) {
    for (const auto& t : spec.tensors()) counted += proxy.counts(t) ? 1 : 0;
  }
  REQUIRE(table.segments.size() == counted);
  for (const auto& s : table.segments) {
    const TensorSpec& t = specs[s.architecture].tensors()[s.tensor];
    CHECK(s.rows == t.rows());
    CHECK(s.module == base[s.architecture] + static_cast<std::uint32_t>(t.layer + 1) * kNumRoles +
                          static_cast<std::uint32_t>(t.role));
    CHECK(s.module == module_slot(base[s.architecture], t.layer, t.role));
  }
}
