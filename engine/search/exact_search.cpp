#include "engine/search/exact_search.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"

namespace zerolm {

namespace {

struct State {
  double parameters;
  double score;
  std::uint32_t option;    // chosen for this layer
  std::uint32_t previous;  // index in the previous layer's states
};

// Sorted by parameters ascending (score descending within), then only points whose
// score beats every cheaper point's survive: the non-dominated partial sums, and
// at the end the front (one point per parameter count, the first in input order).
template <class Point>
std::vector<Point> non_dominated(std::vector<Point> candidates) {
  std::stable_sort(candidates.begin(), candidates.end(), [](const Point& a, const Point& b) {
    return a.parameters != b.parameters ? a.parameters < b.parameters : a.score > b.score;
  });
  std::vector<Point> kept;
  double record = -INFINITY;
  for (const Point& s : candidates) {
    if (s.score > record) {
      kept.push_back(s);
      record = s.score;
    }
  }
  return kept;
}

}  // namespace

ExactSearchResult exact_search(const SearchSpace& space, const Proxy& proxy, double max_parameters) {
  const auto started = std::chrono::steady_clock::now();
  const auto families = space.layered_families();
  ZEROLM_CHECK(!families.empty(), "search strategy exact: space '{}' is not a union of independent-layer families",
               space.name());
  ExactSearchResult result;
  result.families = families.size();
  std::vector<Architecture> candidates;
  std::vector<double> predicted;
  for (const LayeredFamily& family : families) {
    const auto layers = static_cast<std::size_t>(family.layers);
    const std::size_t options = family.options.size();
    ZEROLM_CHECK(layers >= 1 && options >= 1, "search strategy exact: an empty layer family in space '{}'",
                 space.name());
    double size = 1.0;
    for (std::size_t l = 0; l < layers; ++l) size *= static_cast<double>(options);
    result.architectures += static_cast<std::uint64_t>(size);

    // Probes: the reference (option 0 everywhere) and each (layer, option) alone.
    std::vector<std::size_t> choice(layers, 0);
    std::vector<Architecture> probes{space.assemble(family, choice)};
    for (std::size_t l = 0; l < layers; ++l) {
      for (std::size_t o = 1; o < options; ++o) {
        choice.assign(layers, 0);
        choice[l] = o;
        probes.push_back(space.assemble(family, choice));
      }
    }
    const auto scores = evaluate(space, proxy, probes);
    const auto counts = parameter_counts(space, probes);
    result.evaluations += probes.size();
    auto delta_score = [&](std::size_t l, std::size_t o) {
      return o == 0 ? 0.0 : scores[1 + l * (options - 1) + (o - 1)].score - scores[0].score;
    };
    auto delta_parameters = [&](std::size_t l, std::size_t o) {
      return o == 0 ? 0.0 : counts[1 + l * (options - 1) + (o - 1)] - counts[0];
    };
    // The cheapest the remaining layers can be: partial sums that cannot come back
    // under the budget are dropped early.
    std::vector<double> cheapest_rest(layers + 1, 0.0);
    for (std::size_t l = layers; l-- > 0;) {
      double cheapest = INFINITY;
      for (std::size_t o = 0; o < options; ++o) cheapest = std::min(cheapest, delta_parameters(l, o));
      cheapest_rest[l] = cheapest_rest[l + 1] + cheapest;
    }

    std::vector<std::vector<State>> stages;
    stages.push_back({State{counts[0], scores[0].score, 0, 0}});
    for (std::size_t l = 0; l < layers; ++l) {
      std::vector<State> next;
      const auto& previous = stages.back();
      next.reserve(previous.size() * options);
      for (std::size_t s = 0; s < previous.size(); ++s) {
        for (std::size_t o = 0; o < options; ++o) {
          const double p = previous[s].parameters + delta_parameters(l, o);
          if (p + cheapest_rest[l + 1] > max_parameters) continue;
          next.push_back(
              {p, previous[s].score + delta_score(l, o), static_cast<std::uint32_t>(o), static_cast<std::uint32_t>(s)});
        }
      }
      stages.push_back(non_dominated(std::move(next)));
      result.states += stages.back().size();
    }
    // Walk each final state back to its layer choices.
    for (std::size_t s = 0; s < stages.back().size(); ++s) {
      std::size_t at = s;
      for (std::size_t l = layers; l >= 1; --l) {
        choice[l - 1] = stages[l][at].option;
        at = stages[l][at].previous;
      }
      candidates.push_back(space.assemble(family, choice));
      predicted.push_back(stages.back()[s].score);
    }
  }

  // Re-score the families' fronts: the proxy's own numbers, and the additivity check.
  const auto scores = evaluate(space, proxy, candidates);
  const auto counts = parameter_counts(space, candidates);
  result.evaluations += candidates.size();
  std::vector<EvaluatedArchitecture> all;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const double tolerance = 1e-9 * std::max(1.0, std::abs(predicted[i]));
    ZEROLM_CHECK(
        std::abs(scores[i].score - predicted[i]) <= tolerance,
        "search strategy exact: proxy '{}' is not additive over layers in space '{}' ({} scores {}, the layer sums "
        "predict {})",
        proxy.name(), space.name(), space.summary(candidates[i]), scores[i].score, predicted[i]);
    if (counts[i] <= max_parameters) all.push_back({candidates[i], scores[i].score, counts[i], 0.0});
  }
  result.front = non_dominated(std::move(all));
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace zerolm
