// Architecture search strategies behind one interface: batched regularized (aging)
// evolution, and random search as the baseline. Children are filtered by the hard
// limits before scoring, scored together in one proxy call per step, served from
// an evaluation cache when already seen, and offered to the Pareto archive.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/costs/cost.hpp"
#include "engine/search/pareto_archive.hpp"
#include "proxies/proxy.hpp"
#include "search_spaces/search_space.hpp"

namespace zerolm {

struct EvaluatedArchitecture {
  Architecture architecture;
  double score = 0.0;
  CostValues costs{};  // in the search's CostSet order

  double parameters() const { return costs[CostSet::kParameters]; }
  double non_embedding_parameters() const { return costs[CostSet::kNonEmbeddingParameters]; }
  Objectives objectives() const { return {score, costs}; }
};

// Proxy scores and costs, cached by canonical hash.
class Evaluator {
 public:
  // `costs` is instantiated here when it is not yet (its models are shared
  // with the caller's copy).
  Evaluator(const SearchSpace& space, const Proxy& proxy, CostSet costs = {});
  // One proxy call for the architectures not yet in the cache.
  std::vector<EvaluatedArchitecture> evaluate(std::span<const Architecture> architectures);
  CostValues cost(const Architecture& architecture) const;
  std::size_t cache_hits() const { return cache_hits_; }
  // Seeds the cache (a resumed run's earlier evaluations).
  void remember(const EvaluatedArchitecture& e) { cache_[e.architecture.hash()] = e; }

 private:
  const SearchSpace& space_;
  const Proxy& proxy_;
  CostSet costs_;
  std::unordered_map<std::uint64_t, EvaluatedArchitecture> cache_;
  std::size_t cache_hits_ = 0;
};

// exact: the dynamic program of engine/search/exact_search.hpp (additive proxies
// and budgets); SearchRun itself runs evolution and random.
enum class SearchStrategy { evolution, random, exact };
SearchStrategy parse_search_strategy(const std::string& text);
std::string_view search_strategy_name(SearchStrategy strategy);

struct SearchConfig {
  SearchStrategy strategy = SearchStrategy::evolution;
  std::size_t population = 256;   // P
  std::size_t tournament = 32;    // S
  std::size_t children = 64;      // B per step, scored together; the B oldest leave
  double archive_parents = 0.25;  // share of children mutated from a random Pareto-archive member
  std::size_t max_evaluations = 20000;
  double max_seconds = 0.0;  // 0: no time budget
  // What each architecture costs, which costs are objectives and which are
  // bounded (engine/costs/cost.hpp); instantiated before a search runs.
  CostSet costs;
  std::uint64_t seed = 0;
  // Hypervolume reference; a proxy above every score's means "from the first
  // batch" (hypervolume_reference).
  std::optional<Objectives> reference;
  // The initial population's first members (the rest is sampled); each must be
  // within the limits.
  std::vector<Architecture> seeds;
};

struct GenerationRecord {
  std::size_t generation = 0;
  std::size_t evaluations = 0;
  double best_score = 0.0;
  std::size_t archive_size = 0;
  double hypervolume = 0.0;
  double seconds = 0.0;
};

struct SearchResult {
  ParetoArchive archive;
  EvaluatedArchitecture best;
  std::vector<GenerationRecord> history;
  std::size_t evaluations = 0;  // every scored child, cache hits included
  std::size_t cache_hits = 0;
  Objectives reference;
};

// Everything a checkpoint must hold to continue a search exactly: with
// counter-based random streams per (seed, generation, child), the generation
// number is the generator state.
struct SearchState {
  std::size_t generation = 0;                    // the next generation to run (0: the initial population)
  std::deque<EvaluatedArchitecture> population;  // oldest first
  ParetoArchive archive;
  EvaluatedArchitecture best;
  bool have_best = false;
  std::size_t evaluations = 0;
  std::vector<GenerationRecord> history;
  Objectives reference;
  double seconds = 0.0;  // spent before the current process started
};

// The hypervolume reference of a search: the config's, or score 0 and for each
// cost its upper bound (costs whose descriptor says so, where bounded) or twice
// the largest of the first batch.
Objectives hypervolume_reference(const SearchConfig& config, std::span<const EvaluatedArchitecture> first_batch);

// A search that advances one generation at a time, so a run store can checkpoint
// between generations and a resumed run continues exactly.
class SearchRun {
 public:
  SearchRun(const SearchSpace& space, const Proxy& proxy, SearchConfig config);
  void restore(SearchState state, const std::vector<EvaluatedArchitecture>& cache);
  bool finished() const;
  // Runs the next generation and returns the architectures it evaluated.
  std::vector<EvaluatedArchitecture> step();
  // Island model: the best `count` distinct members of the population by score
  // (ties by hash), sent to the next island; and arrivals from the previous one,
  // which join as the youngest members (the oldest leave), enter the evaluation
  // cache and are offered to the archive. Neither counts as an evaluation.
  std::vector<EvaluatedArchitecture> emigrants(std::size_t count) const;
  void immigrate(std::span<const EvaluatedArchitecture> arrivals);
  const SearchState& state() const { return state_; }
  const SearchConfig& config() const { return config_; }
  std::size_t cache_hits() const { return evaluator_.cache_hits(); }

 private:
  Architecture draw_child(std::size_t generation, std::size_t child) const;
  // An evaluated architecture (a child or an immigrant) enters the archive, the
  // best and the population.
  void join(const EvaluatedArchitecture& e);
  double elapsed() const;

  const SearchSpace& space_;
  SearchConfig config_;
  Evaluator evaluator_;
  SearchState state_;
  std::chrono::steady_clock::time_point started_;
};

SearchResult run_search(const SearchSpace& space, const Proxy& proxy, const SearchConfig& config,
                        const std::function<void(const GenerationRecord&)>& on_generation = {});

}  // namespace zerolm
