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
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/search/pareto_archive.hpp"
#include "proxies/proxy.hpp"
#include "search_spaces/search_space.hpp"

namespace zerolm {

struct EvaluatedArchitecture {
  Architecture architecture;
  double score = 0.0;
  double parameters = 0.0;
  double latency = 0.0;                   // 0 until a latency model is configured
  double non_embedding_parameters = 0.0;  // parameters minus the embedding tables and the LM head
  double memory = 0.0;                    // predicted peak MB; 0 until a memory model is configured

  Objectives objectives() const { return {score, parameters, latency, memory}; }
};

class LatencyModel;
class MemoryModel;

// What an architecture costs: parameters (total and non-embedding), predicted
// latency (ms) and peak memory (MB); each 0 without its model.
struct Cost {
  double parameters = 0.0;
  double latency = 0.0;
  double non_embedding_parameters = 0.0;
  double memory = 0.0;
};

// Proxy scores, parameter counts, latencies and memories, cached by canonical hash.
class Evaluator {
 public:
  Evaluator(const SearchSpace& space, const Proxy& proxy, const LatencyModel* latency = nullptr,
            const MemoryModel* memory = nullptr)
      : space_(space), proxy_(proxy), latency_(latency), memory_(memory) {}
  // One proxy call for the architectures not yet in the cache.
  std::vector<EvaluatedArchitecture> evaluate(std::span<const Architecture> architectures);
  Cost cost(const Architecture& architecture) const;
  std::size_t cache_hits() const { return cache_hits_; }
  // Seeds the cache (a resumed run's earlier evaluations).
  void remember(const EvaluatedArchitecture& e) { cache_[e.architecture.hash()] = e; }

 private:
  const SearchSpace& space_;
  const Proxy& proxy_;
  const LatencyModel* latency_;
  const MemoryModel* memory_;
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
  // The parameter budget: min_parameters <= count <= max_parameters, where the
  // count is the total or the non-embedding one (NSC's budgets are non-embedding).
  double min_parameters = 0.0;
  double max_parameters = std::numeric_limits<double>::infinity();
  ParameterCount parameter_budget = ParameterCount::total;
  double max_latency = std::numeric_limits<double>::infinity();  // ms, with a latency model
  const LatencyModel* latency = nullptr;                         // predicts each architecture's latency
  double max_memory = std::numeric_limits<double>::infinity();   // peak MB, with a memory model
  const MemoryModel* memory = nullptr;                           // predicts each architecture's peak memory
  std::uint64_t seed = 0;
  ObjectiveSet objectives = ObjectiveSet::proxy_parameters;
  // Hypervolume reference; parameters <= 0 means "twice the largest of the first batch".
  Objectives reference{0.0, 0.0, 0.0};
  // The initial population's first members (the rest is sampled); each must be
  // within the limits.
  std::vector<Architecture> seeds;

  // The count the parameter budget bounds, and whether `cost` is within every limit.
  double budgeted_parameters(const Cost& cost) const {
    return parameter_budget == ParameterCount::total ? cost.parameters : cost.non_embedding_parameters;
  }
  bool within_limits(const Cost& cost) const {
    const double p = budgeted_parameters(cost);
    return p >= min_parameters && p <= max_parameters && cost.latency <= max_latency && cost.memory <= max_memory;
  }
  // The limits in words, for errors: "total parameters in [0, 1e+06] and latency within 3 ms".
  std::string limits_text() const;
  // One line when the objectives or limits need a model that is absent (the
  // latency or memory model); empty when they have what they need.
  std::string missing_model(bool has_latency_model, bool has_memory_model) const;
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

// The hypervolume reference of a search: the config's, or, when its parameters are
// <= 0, (score 0, the parameter budget or twice the largest of the first batch,
// twice the slowest and twice the largest peak memory of the first batch).
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
