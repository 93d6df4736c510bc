// Spectral proxies: the statistics of known spectra, the Marchenko-Pastur closed
// form against real draws, sampled weights tied to the ZeroLM kernels, and exact
// search against enumeration.
#include <tbb/global_control.h>

#include <cmath>
#include <map>
#include <vector>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/search/enumerate.hpp"
#include "engine/search/exact_search.hpp"
#include "engine/stats/rank_statistics.hpp"
#include "kernels/spectral.hpp"
#include "kernels/weight_statistics.hpp"
#include "proxies/marchenko_pastur.hpp"
#include "proxies/params_proxy.hpp"
#include "proxies/spectral_proxy.hpp"
#include "proxies/zerolm_proxy.hpp"
#include "search_spaces/flexibert/flexibert.hpp"
#include "test_support.hpp"

using namespace zerolm;
using kernels::SpectralStatistic;

TEST_CASE("spectral statistics of a known spectrum", "[spectral]") {
  const double eigenvalues[] = {0.0, 1.0, 4.0};
  const auto v = kernels::spectral_from_eigenvalues(eigenvalues, 3, 1.0);
  CHECK(v[SpectralStatistic::log_det] == Approx(std::log(2.0) + std::log(5.0)).epsilon(1e-14));
  const double entropy = -(0.2 * std::log(0.2) + 0.8 * std::log(0.8));
  CHECK(v[SpectralStatistic::effective_rank] == Approx(std::exp(entropy)).epsilon(1e-14));
  CHECK(v[SpectralStatistic::stable_rank] == Approx(5.0 / 4.0).epsilon(1e-14));
  CHECK(v[SpectralStatistic::nuclear_norm] == Approx(3.0).epsilon(1e-14));
  CHECK(v[SpectralStatistic::frobenius] == Approx(5.0).epsilon(1e-14));
  // The gain scales inside the logarithm only.
  CHECK(kernels::spectral_from_eigenvalues(eigenvalues, 3, 2.0)[SpectralStatistic::log_det] ==
        Approx(std::log(3.0) + std::log(9.0)).epsilon(1e-14));
}

TEST_CASE("spectral statistics of given matrices come from their singular values", "[spectral]") {
  // 3 x 2 with singular values 3 and 0.5 (a scaled partial permutation).
  const float tall[] = {0.0f, 0.5f, 3.0f, 0.0f, 0.0f, 0.0f};
  const auto v = kernels::spectral_of_matrix(tall, 3, 2, 1.0);
  CHECK(v[SpectralStatistic::nuclear_norm] == Approx(3.5).epsilon(1e-12));
  CHECK(v[SpectralStatistic::log_det] == Approx(std::log(10.0) + std::log(1.25)).epsilon(1e-12));
  CHECK(v[SpectralStatistic::stable_rank] == Approx(9.25 / 9.0).epsilon(1e-12));
  // The wide transpose has the same spectrum.
  const float wide[] = {0.0f, 3.0f, 0.0f, 0.5f, 0.0f, 0.0f};
  const auto w = kernels::spectral_of_matrix(wide, 2, 3, 1.0);
  for (int s = 0; s < kernels::kNumSpectralStatistics; ++s) CHECK(w.value[s] == Approx(v.value[s]).epsilon(1e-12));
  // Rank one: stable and effective rank 1.
  std::vector<float> outer(4 * 5);
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 5; ++c) outer[r * 5 + c] = static_cast<float>((r + 1) * (c - 2));
  const auto o = kernels::spectral_of_matrix(outer.data(), 4, 5, 1.0);
  CHECK(o[SpectralStatistic::stable_rank] == Approx(1.0).epsilon(1e-9));
  CHECK(o[SpectralStatistic::effective_rank] == Approx(1.0).epsilon(1e-6));
  CHECK_THROWS_AS(kernels::spectral_of_matrix(tall, 0, 2, 1.0), Error);
}

TEST_CASE("sampled spectral weights are the ZeroLM kernels' weights", "[spectral]") {
  // Frobenius of the drawn matrix equals the CPU twin's sum of squares of the same segment.
  kernels::SegmentTable table;
  kernels::WeightSegment s;
  s.rows = 96;
  s.cols = 40;
  s.distribution = kernels::Distribution::truncated_normal;
  s.std = 0.02f;
  s.cut = 2.0f;
  s.key0 = 11;
  s.key1 = 7;
  s.tensor = 5;
  table.segments.push_back(s);
  table.modules = 1;
  const auto stats = kernels::cpu_backend().compute(table, kernels::WeightSource::sampled);
  const auto v =
      kernels::spectral_of_sampled(s.distribution, s.std, s.cut, s.rows, s.cols, s.tensor, s.key0, s.key1, 1.0);
  CHECK(v[SpectralStatistic::frobenius] == Approx(stats.tensors[0].sum_squares).epsilon(1e-9));
}

TEST_CASE("the Marchenko-Pastur closed form matches the spectra of real draws", "[spectral]") {
  // Shapes of the spaces (square, 1:4, 1:8) at large gains, where every statistic
  // depends on the shape of the spectrum, not only on its mean.
  struct Shape {
    std::int64_t rows, cols;
    double std, gain;
  };
  for (const Shape shape : {Shape{256, 256, 0.02, 100.0}, Shape{256, 1024, 0.02, 10.0}, Shape{512, 64, 0.05, 1.0}}) {
    const auto expected = marchenko_pastur_statistics(shape.rows, shape.cols, shape.std * shape.std, shape.gain);
    std::map<int, double> mean;
    const int draws = 3;
    for (int d = 0; d < draws; ++d) {
      const auto v = kernels::spectral_of_sampled(kernels::Distribution::normal, static_cast<float>(shape.std), 0.0f,
                                                  shape.rows, shape.cols, 1, 100u + d, 3u, shape.gain);
      for (int s = 0; s < kernels::kNumSpectralStatistics; ++s) mean[s] += v.value[s] / draws;
    }
    INFO(shape.rows << " x " << shape.cols);
    CHECK(mean[0] == Approx(expected.value[0]).epsilon(0.01));  // log_det
    CHECK(mean[1] == Approx(expected.value[1]).epsilon(0.01));  // effective rank
    CHECK(mean[2] == Approx(expected.value[2]).epsilon(0.05));  // stable rank: the top eigenvalue fluctuates
    CHECK(mean[3] == Approx(expected.value[3]).epsilon(0.01));  // nuclear norm
    CHECK(mean[4] == Approx(expected.value[4]).epsilon(0.01));  // Frobenius
  }
  // Square matrices put an inverse square-root singularity at 0: the substitution
  // keeps the quadrature exact there (E sqrt(t) = 8 / (3 pi) for ratio 1).
  const auto square = marchenko_pastur_statistics(100, 100, 1.0 / 100.0, 1.0);
  CHECK(square[SpectralStatistic::nuclear_norm] == Approx(100.0 * 8.0 / (3.0 * M_PI)).epsilon(1e-6));
  CHECK(square[SpectralStatistic::stable_rank] == Approx(25.0).epsilon(1e-9));
  // The table caches by shape.
  MarchenkoPasturTable table;
  const auto a = table.lookup(64, 128, 4e-4, 1.0);
  (void)table.lookup(64, 128, 4e-4, 1.0);
  CHECK(table.size() == 1);
  CHECK(a.value[0] == marchenko_pastur_statistics(64, 128, 4e-4, 1.0).value[0]);
}

TEST_CASE("spectral proxy: layer aggregation, modes and thread count", "[spectral]") {
  const FlexiBertSpace space(FlexiBertProtocol::pytorch, {});
  const auto sample = sample_architectures(space, 6, 3);
  ProxyOptions linear;
  linear.alpha = 0.3;
  ProxyOptions logged = linear;
  logged.aggregate = LayerAggregate::log;
  const auto lin = evaluate(space, SpectralProxy(linear), sample);
  const auto log = evaluate(space, SpectralProxy(logged), sample);
  for (std::size_t i = 0; i < sample.size(); ++i) {
    double attention = 0.0, ffn = 0.0;
    for (std::int32_t l = 0; l < lin[i].num_layers; ++l) {
      attention += std::log1p(lin[i].layer_value(l, Role::attention));
      ffn += std::log1p(lin[i].layer_value(l, Role::ffn));
    }
    CHECK(log[i].score == Approx(0.3 * attention + 0.7 * ffn).epsilon(1e-12));
  }
  // Sampled: the same numbers whatever the thread count, and close to the closed form.
  ProxyOptions sampled = linear;
  sampled.mode = ProxyMode::sampled;
  const SpectralProxy proxy(sampled);
  const auto many = evaluate(space, proxy, sample);
  std::vector<ProxyBreakdown> one;
  {
    tbb::global_control single(tbb::global_control::max_allowed_parallelism, 1);
    one = evaluate(space, proxy, sample);
  }
  for (std::size_t i = 0; i < sample.size(); ++i) {
    CHECK(many[i].score == one[i].score);
    CHECK(many[i].score == Approx(lin[i].score).epsilon(0.02));
  }
  ProxyOptions norms;
  norms.include_norms = true;
  CHECK_THROWS_AS(SpectralProxy(norms), Error);
}

TEST_CASE("spectral log-det over log layers beats #params on FlexiBERT by a wide margin", "[spectral][benchmarks]") {
  ZEROLM_REQUIRE_BENCHMARK(path, "nas-bench-bert/architectures.json");
  const Benchmark b = load_benchmark(path, "pytorch");
  const auto architectures = b.architectures();
  const auto truth = b.ground_truths();
  ProxyOptions options;
  options.aggregate = LayerAggregate::log;
  options.alpha = 0.5;
  std::vector<double> spectral, params;
  for (const auto& r : evaluate(*b.space, SpectralProxy(options), architectures)) spectral.push_back(r.score);
  for (const auto& r : evaluate(*b.space, ParamsProxy({}), architectures)) params.push_back(r.score);
  const double tau_spectral = stats::kendall_tau_b(spectral, truth);
  const double tau_params = stats::kendall_tau_b(params, truth);
  INFO("spectral " << tau_spectral << ", params " << tau_params);
  CHECK(tau_spectral > 0.70);
  CHECK(tau_spectral > tau_params + 0.2);
  // Where #params cannot help (pairs within 10% in size).
  const auto sizes = parameter_counts(*b.space, architectures);
  CHECK(stats::kendall_tau_b_similar_size(spectral, truth, sizes) > 0.45);
}

namespace {
// A proxy that is not a sum over layers: the square of the parameter count.
class SquaredParams final : public Proxy {
 public:
  std::string_view name() const override { return "squared_params"; }
  void score(std::span<const ModelSpec> specs, std::span<ProxyBreakdown> out) const override {
    for (std::size_t i = 0; i < specs.size(); ++i) {
      out[i].reset(specs[i].num_layers);
      const double p = static_cast<double>(specs[i].total_parameters());
      out[i].score = p * p;
    }
  }
};

void check_same_front(const std::vector<EvaluatedArchitecture>& exact,
                      const std::vector<EvaluatedArchitecture>& enumerated) {
  // Enumeration keeps every architecture tied at a front point (permuted layers);
  // exact search one per point: compare the points.
  std::vector<std::pair<double, double>> points;
  for (const auto& e : enumerated) {
    if (points.empty() || points.back().first != e.parameters()) points.push_back({e.parameters(), e.score});
  }
  REQUIRE(exact.size() == points.size());
  for (std::size_t i = 0; i < exact.size(); ++i) {
    CHECK(exact[i].parameters() == points[i].first);
    CHECK(exact[i].score == Approx(points[i].second).epsilon(1e-12));
  }
}
}  // namespace

TEST_CASE("exact search returns enumeration's Pareto front", "[search][exact]") {
  FlexiBertChoices narrow;
  narrow.hidden_sizes = {128, 256};
  narrow.layer_counts = {2, 3};
  narrow.mixers = {{MixerType::self_attention, 0}, {MixerType::linear_transform, 1}, {MixerType::separable_conv, 5}};
  for (auto protocol : {FlexiBertProtocol::pytorch, FlexiBertProtocol::trained}) {
    const FlexiBertSpace space(protocol, narrow);
    ProxyOptions spectral_log;
    spectral_log.aggregate = LayerAggregate::log;
    spectral_log.alpha = 0.4;
    ProxyOptions zerolm;
    zerolm.alpha = 0.7;
    const SpectralProxy spectral(spectral_log);
    const ZeroLmProxy zero(zerolm);
    const ParamsProxy params({});
    for (const Proxy* proxy : std::initializer_list<const Proxy*>{&spectral, &zero, &params}) {
      INFO(proxy->name());
      const auto enumerated = enumerate_space(space, *proxy, 0);
      const auto exact = exact_search(space, *proxy);
      CHECK(exact.architectures == static_cast<double>(enumerated.architectures));
      CHECK(exact.evaluations < enumerated.architectures / 4);
      check_same_front(exact.front, enumerated.front);
      // Under a budget: the front's part below it.
      const double budget = exact.front[exact.front.size() / 2].parameters();
      const auto capped = exact_search(space, *proxy, budget);
      std::vector<EvaluatedArchitecture> below;
      for (const auto& e : enumerated.front)
        if (e.parameters() <= budget) below.push_back(e);
      check_same_front(capped.front, below);
    }
  }
  const FlexiBertSpace space(FlexiBertProtocol::pytorch, narrow);
  CHECK_THROWS_WITH(exact_search(space, SquaredParams()), Catch::Contains("not additive"));
}
