#include "engine/search/evolution.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>

#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"

namespace zerolm {

SearchStrategy parse_search_strategy(const std::string& text) {
  if (text == "evolution" || text == "regularized_evolution") return SearchStrategy::evolution;
  if (text == "random") return SearchStrategy::random;
  ZEROLM_FAIL("unknown search strategy '{}' (expected evolution|random)", text);
}

double Evaluator::parameters(const Architecture& architecture) const {
  thread_local ModelSpec spec;
  space_.lower(architecture, spec);
  return static_cast<double>(spec.total_parameters());
}

std::vector<EvaluatedArchitecture> Evaluator::evaluate(std::span<const Architecture> architectures) {
  std::vector<Architecture> fresh;
  for (const auto& a : architectures) {
    if (cache_.count(a.hash()) == 0 &&
        std::none_of(fresh.begin(), fresh.end(), [&](const Architecture& f) { return f == a; })) {
      fresh.push_back(a);
    }
  }
  if (!fresh.empty()) {
    const auto scores = zerolm::evaluate(space_, proxy_, fresh);
    const auto counts = parameter_counts(space_, fresh);
    for (std::size_t i = 0; i < fresh.size(); ++i) cache_[fresh[i].hash()] = {fresh[i], scores[i].score, counts[i], 0.0};
    scored_ += fresh.size();
  }
  cache_hits_ += architectures.size() - fresh.size();
  std::vector<EvaluatedArchitecture> out;
  out.reserve(architectures.size());
  for (const auto& a : architectures) out.push_back(cache_.at(a.hash()));
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;

// Draws from `make` until the hard limits hold (filtering before scoring).
template <typename Make>
Architecture within_limits(const Evaluator& evaluator, const SearchConfig& config, Make make) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    Architecture a = make(attempt);
    if (evaluator.parameters(a) <= config.max_parameters) return a;
  }
  ZEROLM_FAIL("constraints: no architecture within max_parameters {} after 1000 draws", config.max_parameters);
}

}  // namespace

SearchResult run_search(const SearchSpace& space, const Proxy& proxy, const SearchConfig& config,
                        const std::function<void(const GenerationRecord&)>& on_generation) {
  ZEROLM_CHECK(config.population >= 1, "search: population {} must be at least 1", config.population);
  ZEROLM_CHECK(config.children >= 1, "search: children per step {} must be at least 1", config.children);
  ZEROLM_CHECK(config.tournament >= 1 && config.tournament <= config.population,
               "search: tournament {} must be in 1..population ({})", config.tournament, config.population);
  const auto started = Clock::now();
  Evaluator evaluator(space, proxy);
  SearchResult result;
  result.archive = ParetoArchive(config.objectives);
  bool have_best = false;

  auto absorb = [&](const std::vector<EvaluatedArchitecture>& batch) {
    for (const auto& e : batch) {
      result.archive.offer(e.architecture, {e.score, e.parameters, e.latency});
      if (!have_best || e.score > result.best.score) {
        result.best = e;
        have_best = true;
      }
    }
    result.evaluations += batch.size();
  };
  auto out_of_budget = [&] {
    return result.evaluations >= config.max_evaluations ||
           (config.max_seconds > 0 && std::chrono::duration<double>(Clock::now() - started).count() >= config.max_seconds);
  };
  auto record = [&](std::size_t generation) {
    GenerationRecord r{generation,           result.evaluations, result.best.score, result.archive.size(),
                       result.archive.hypervolume(result.reference),
                       std::chrono::duration<double>(Clock::now() - started).count()};
    result.history.push_back(r);
    if (on_generation) on_generation(r);
  };

  // Generation 0: the initial population, sampled (stream 0 of the seed).
  const std::size_t first = std::min(config.population, config.max_evaluations);
  std::vector<Architecture> initial;
  for (std::size_t i = 0; i < first; ++i) {
    initial.push_back(within_limits(evaluator, config, [&](int attempt) {
      CounterRng rng(config.seed, (static_cast<std::uint64_t>(i) << 20) + static_cast<std::uint64_t>(attempt));
      return space.sample(rng);
    }));
  }
  std::deque<EvaluatedArchitecture> population;
  {
    const auto batch = evaluator.evaluate(initial);
    result.reference = config.reference;
    if (result.reference.parameters <= 0.0) {
      double largest = 0.0, slowest = 0.0;
      for (const auto& e : batch) {
        largest = std::max(largest, e.parameters);
        slowest = std::max(slowest, e.latency);
      }
      result.reference.parameters = std::isfinite(config.max_parameters) ? config.max_parameters : 2.0 * largest;
      result.reference.latency = 2.0 * slowest;
    }
    absorb(batch);
    population.assign(batch.begin(), batch.end());
  }
  record(0);

  for (std::size_t generation = 1; !out_of_budget(); ++generation) {
    const std::size_t count = std::min(config.children, config.max_evaluations - result.evaluations);
    std::vector<Architecture> children;
    for (std::size_t c = 0; c < count; ++c) {
      const std::uint64_t stream = (static_cast<std::uint64_t>(generation) << 32) + (static_cast<std::uint64_t>(c) << 10);
      children.push_back(within_limits(evaluator, config, [&](int attempt) {
        CounterRng rng(config.seed, stream + static_cast<std::uint64_t>(attempt));
        if (config.strategy == SearchStrategy::random) return space.sample(rng);
        // Tournament: the best of S members drawn without replacement.
        const EvaluatedArchitecture* parent = nullptr;
        std::vector<std::size_t> index(population.size());
        for (std::size_t k = 0; k < index.size(); ++k) index[k] = k;
        for (std::size_t k = 0; k < config.tournament; ++k) {
          std::swap(index[k], index[k + rng.below(index.size() - k)]);
          const auto& candidate = population[index[k]];
          if (parent == nullptr || candidate.score > parent->score) parent = &candidate;
        }
        return space.mutate(parent->architecture, rng);
      }));
    }
    const auto batch = evaluator.evaluate(children);
    absorb(batch);
    // Aging: the children join, the oldest leave.
    for (const auto& e : batch) population.push_back(e);
    while (population.size() > config.population) population.pop_front();
    record(generation);
  }
  result.cache_hits = evaluator.cache_hits();
  return result;
}

}  // namespace zerolm
