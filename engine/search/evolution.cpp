#include "engine/search/evolution.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>

#include <tbb/parallel_for.h>

#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"

namespace zerolm {

SearchStrategy parse_search_strategy(const std::string& text) {
  if (text == "evolution") return SearchStrategy::evolution;
  if (text == "random") return SearchStrategy::random;
  if (text == "exact") return SearchStrategy::exact;
  ZEROLM_FAIL("unknown search strategy '{}' (expected evolution|random|exact)", text);
}

Objectives hypervolume_reference(const SearchConfig& config, std::span<const EvaluatedArchitecture> first_batch) {
  if (config.reference) return *config.reference;
  Objectives reference;
  for (std::size_t k = 0; k < config.costs.size(); ++k) {
    const CostTerm& t = config.costs[k];
    double largest = 0.0;
    for (const auto& e : first_batch) largest = std::max(largest, e.costs[k]);
    reference.costs[k] = t.descriptor->reference_at_bound && std::isfinite(t.max) ? t.max : 2.0 * largest;
  }
  return reference;
}

std::string_view search_strategy_name(SearchStrategy strategy) {
  switch (strategy) {
    case SearchStrategy::evolution: return "evolution";
    case SearchStrategy::random: return "random";
    case SearchStrategy::exact: return "exact";
  }
  return "evolution";
}

Evaluator::Evaluator(const SearchSpace& space, const Proxy& proxy, CostSet costs)
    : space_(space), proxy_(proxy), costs_(std::move(costs)) {
  const std::string missing = costs_.missing_section();
  ZEROLM_CHECK(missing.empty(), "search: {}", missing);
  if (!costs_.instantiated()) costs_.instantiate(space_);
}

CostValues Evaluator::cost(const Architecture& architecture) const {
  thread_local ModelSpec spec;
  space_.lower(architecture, spec);
  return costs_.measure(architecture, spec);
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
    std::vector<CostValues> costs(fresh.size());
    tbb::parallel_for(std::size_t{0}, fresh.size(), [&](std::size_t i) { costs[i] = cost(fresh[i]); });
    for (std::size_t i = 0; i < fresh.size(); ++i) cache_[fresh[i].hash()] = {fresh[i], scores[i].score, costs[i]};
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
    if (config.costs.within_limits(evaluator.cost(a))) return a;
  }
  ZEROLM_FAIL("constraints: no architecture with {} after 1000 draws", config.costs.limits_text());
}

}  // namespace

SearchRun::SearchRun(const SearchSpace& space, const Proxy& proxy, SearchConfig config)
    : space_(space), config_(std::move(config)), evaluator_(space, proxy, config_.costs), started_(Clock::now()) {
  ZEROLM_CHECK(config_.population >= 1, "search: population {} must be at least 1", config_.population);
  ZEROLM_CHECK(config_.children >= 1, "search: children per step {} must be at least 1", config_.children);
  ZEROLM_CHECK(config_.tournament >= 1 && config_.tournament <= config_.population,
               "search: tournament {} must be in 1..population ({})", config_.tournament, config_.population);
  ZEROLM_CHECK(config_.seeds.size() <= std::min(config_.population, config_.max_evaluations),
               "search.seed_architectures: {} seeds for an initial population of {}", config_.seeds.size(),
               std::min(config_.population, config_.max_evaluations));
  state_.archive = ParetoArchive(config_.costs.objectives());
}

void SearchRun::restore(SearchState state, const std::vector<EvaluatedArchitecture>& cache) {
  state_ = std::move(state);
  for (const auto& e : cache) evaluator_.remember(e);
  started_ = Clock::now();
}

double SearchRun::elapsed() const {
  return state_.seconds + std::chrono::duration<double>(Clock::now() - started_).count();
}

bool SearchRun::finished() const {
  return state_.generation > 0 && (state_.evaluations >= config_.max_evaluations ||
                                   (config_.max_seconds > 0 && elapsed() >= config_.max_seconds));
}

Architecture SearchRun::draw_child(std::size_t generation, std::size_t child) const {
  if (generation == 0 && child < config_.seeds.size()) {
    const Architecture& seed = config_.seeds[child];
    const CostValues c = evaluator_.cost(seed);
    ZEROLM_CHECK(config_.costs.within_limits(c), "search.seed_architectures[{}] ({}): {}: outside the constraints ({})",
                 child, space_.summary(seed), config_.costs.values_text(c), config_.costs.limits_text());
    return seed;
  }
  return within_limits(evaluator_, config_, [&](int attempt) {
    if (generation == 0) {  // the initial population
      CounterRng rng(config_.seed, (static_cast<std::uint64_t>(child) << 20) + static_cast<std::uint64_t>(attempt));
      return space_.sample(rng);
    }
    const std::uint64_t stream =
        (static_cast<std::uint64_t>(generation) << 32) + (static_cast<std::uint64_t>(child) << 10);
    CounterRng rng(config_.seed, stream + static_cast<std::uint64_t>(attempt));
    if (config_.strategy == SearchStrategy::random) return space_.sample(rng);
    // Some parents come from the Pareto archive, uniformly: mutations of small
    // front members fill the front's low-parameter end, which a tournament on the
    // proxy alone leaves to chance.
    if (config_.archive_parents > 0.0 && !state_.archive.entries().empty() && rng.uniform() < config_.archive_parents) {
      const auto& front = state_.archive.entries();
      return space_.mutate(front[rng.below(front.size())].architecture, rng);
    }
    // Tournament: the best of S members drawn without replacement.
    const auto& population = state_.population;
    const EvaluatedArchitecture* parent = nullptr;
    std::vector<std::size_t> index(population.size());
    for (std::size_t k = 0; k < index.size(); ++k) index[k] = k;
    for (std::size_t k = 0; k < config_.tournament && k < index.size(); ++k) {
      std::swap(index[k], index[k + rng.below(index.size() - k)]);
      const auto& candidate = population[index[k]];
      if (parent == nullptr || candidate.score > parent->score) parent = &candidate;
    }
    return space_.mutate(parent->architecture, rng);
  });
}

std::vector<EvaluatedArchitecture> SearchRun::step() {
  const std::size_t generation = state_.generation;
  const std::size_t count = generation == 0 ? std::min(config_.population, config_.max_evaluations)
                                            : std::min(config_.children, config_.max_evaluations - state_.evaluations);
  std::vector<Architecture> children;
  for (std::size_t c = 0; c < count; ++c) children.push_back(draw_child(generation, c));
  const auto batch = evaluator_.evaluate(children);
  if (generation == 0) state_.reference = hypervolume_reference(config_, batch);
  for (const auto& e : batch) join(e);
  state_.evaluations += batch.size();
  state_.history.push_back({generation, state_.evaluations, state_.best.score, state_.archive.size(),
                            state_.archive.hypervolume(state_.reference), elapsed()});
  state_.generation = generation + 1;
  return batch;
}

std::vector<EvaluatedArchitecture> SearchRun::emigrants(std::size_t count) const {
  std::vector<const EvaluatedArchitecture*> members;
  for (const auto& e : state_.population) members.push_back(&e);
  std::sort(members.begin(), members.end(), [](const EvaluatedArchitecture* a, const EvaluatedArchitecture* b) {
    if (a->score != b->score) return a->score > b->score;
    return a->architecture.hash() < b->architecture.hash();
  });
  std::vector<EvaluatedArchitecture> out;
  for (const auto* e : members) {
    if (out.size() == count) break;
    if (out.empty() || out.back().architecture.hash() != e->architecture.hash()) out.push_back(*e);
  }
  return out;
}

void SearchRun::immigrate(std::span<const EvaluatedArchitecture> arrivals) {
  for (const auto& e : arrivals) {
    evaluator_.remember(e);
    join(e);
  }
}

void SearchRun::join(const EvaluatedArchitecture& e) {
  state_.archive.offer(e.architecture, e.objectives());
  if (!state_.have_best || e.score > state_.best.score) {
    state_.best = e;
    state_.have_best = true;
  }
  // Aging: the newcomer joins, the oldest leaves.
  state_.population.push_back(e);
  if (state_.population.size() > config_.population) state_.population.pop_front();
}

SearchResult run_search(const SearchSpace& space, const Proxy& proxy, const SearchConfig& config,
                        const std::function<void(const GenerationRecord&)>& on_generation) {
  SearchRun run(space, proxy, config);
  do {
    run.step();
    if (on_generation) on_generation(run.state().history.back());
  } while (!run.finished());
  SearchResult result;
  result.archive = run.state().archive;
  result.best = run.state().best;
  result.history = run.state().history;
  result.evaluations = run.state().evaluations;
  result.cache_hits = run.cache_hits();
  result.reference = run.state().reference;
  return result;
}

}  // namespace zerolm
