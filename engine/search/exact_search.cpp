#include "engine/search/exact_search.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <map>

#include <tbb/parallel_for.h>

#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"

namespace zerolm {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
// Dimensions of the program: costs that are objectives or bounded, after
// merging costs that move together within a family.
constexpr std::size_t kMaxDimensions = 4;

using Values = std::array<double, kMaxDimensions>;

struct State {
  double score;
  Values cost;
  std::uint32_t option;    // chosen for this layer
  std::uint32_t previous;  // index in the previous layer's states
};

// How a state is traced back to its layer choices.
struct Step {
  std::uint32_t option, previous;
};

// Scores that differ by float rounding alone (the same sum in another order) are
// ties: within 1e-12 relative.
double tie_tolerance(double score) { return 1e-12 * std::max(1.0, std::abs(score)); }

// The program's sums may differ from a measured cost by rounding: windows are
// widened by this while pruning (and safety narrowed); the final check on the
// measured values is exact.
double slack(double bound) { return std::isfinite(bound) ? 1e-9 * std::max(1.0, std::abs(bound)) : 0.0; }

// A does not lose to B in any completion: score and every cost at least as good,
// and, on a dimension with a lower bound, either A can no longer fall below it
// (`safe_from`) or A equals B there (then both fall below it together). Without
// the last rule a cheaper state would prune a dearer one that only its extra
// cost lifts into the window.
bool dominates(const State& a, const State& b, std::size_t dims, std::span<const double> safe_from) {
  if (a.score < b.score - tie_tolerance(b.score)) return false;
  for (std::size_t d = 0; d < dims; ++d) {
    if (a.cost[d] > b.cost[d]) return false;
    if (a.cost[d] < safe_from[d] && a.cost[d] != b.cost[d]) return false;
  }
  return true;
}

// The states no other state dominates (one of any group of equal states: the
// first in input order). Sorted by the first cost ascending, score descending.
// One and two dimensions without lower bounds (the common cases) are sweeps; the
// rest compares each state with those kept.
std::vector<State> prune(std::vector<State> candidates, std::size_t dims, std::span<const double> safe_from) {
  std::stable_sort(candidates.begin(), candidates.end(), [dims](const State& a, const State& b) {
    if (a.cost[0] != b.cost[0]) return a.cost[0] < b.cost[0];
    if (a.score != b.score) return a.score > b.score;
    for (std::size_t d = 1; d < dims; ++d) {
      if (a.cost[d] != b.cost[d]) return a.cost[d] < b.cost[d];
    }
    return false;
  });
  std::vector<State> kept;
  const bool lower_bounds = std::any_of(safe_from.begin(), safe_from.begin() + static_cast<std::ptrdiff_t>(dims),
                                        [](double v) { return v > -kInfinity; });
  if (dims == 1) {
    // Every earlier state costs no more. A safe one prunes by score alone; an
    // unsafe one only states of its own cost (the first of a group scores best).
    double record = -kInfinity, group_best = -kInfinity, group_cost = kInfinity;
    for (const State& s : candidates) {
      if (s.cost[0] != group_cost) {
        group_cost = s.cost[0];
        group_best = -kInfinity;
      }
      if (s.score <= std::max(record, group_best) + tie_tolerance(s.score)) continue;
      kept.push_back(s);
      group_best = std::max(group_best, s.score);
      if (s.cost[0] >= safe_from[0]) record = std::max(record, s.score);
    }
    return kept;
  }
  if (dims == 2 && !lower_bounds) {
    // A staircase of the kept states over the second cost: scores increase with
    // it, so the best score at or below a cost is the last step there.
    std::map<double, double> staircase;
    for (const State& s : candidates) {
      auto at = staircase.upper_bound(s.cost[1]);
      if (at != staircase.begin() && std::prev(at)->second >= s.score - tie_tolerance(s.score)) continue;
      kept.push_back(s);
      at = staircase.insert_or_assign(s.cost[1], s.score).first;
      for (auto next = std::next(at); next != staircase.end() && next->second <= s.score;) next = staircase.erase(next);
    }
    return kept;
  }
  for (const State& s : candidates) {
    bool dominated = false;
    for (auto k = kept.rbegin(); k != kept.rend() && !dominated; ++k) dominated = dominates(*k, s, dims, safe_from);
    if (!dominated) kept.push_back(s);
  }
  return kept;
}

// One dimension of a family's program: the costs whose per-layer contributions
// are equal there (total and non-embedding parameters, when the embedding is a
// family constant), as the first one's value with the members' windows shifted
// onto it.
struct ProgramDimension {
  std::vector<std::size_t> costs;
  std::vector<double> offsets;  // cost value minus the first cost's value, per member
  bool objective = false;
  double min = -kInfinity, max = kInfinity;
};

// A final partial sum of a family as the program predicts it.
struct PredictedPoint {
  double score;
  std::vector<std::pair<std::size_t, double>> costs;  // tracked cost index, predicted value
  std::vector<double> objectives;                     // the objective costs' predicted values
  bool at_bound = false;                              // within rounding of a window's end
  std::uint32_t index = 0;                            // its state, or its candidate
};

struct Candidate {
  Architecture architecture;
  PredictedPoint predicted;
};

// The points no other point dominates by the predicted sums; a point within
// rounding of a bound may turn out infeasible when measured, so it is kept
// unless a surely feasible point dominates it, and it prunes nothing.
template <class Point, class Of>
std::vector<std::size_t> predicted_front(const std::vector<Point>& points, std::size_t objectives, Of predicted_of) {
  std::array<double, kMaxDimensions> no_bounds;
  no_bounds.fill(-kInfinity);
  std::vector<State> inside;
  std::vector<std::size_t> kept, edges;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const PredictedPoint& p = predicted_of(points[i]);
    if (p.at_bound) {
      edges.push_back(i);
      continue;
    }
    State st{p.score, {}, 0, static_cast<std::uint32_t>(i)};
    for (std::size_t d = 0; d < objectives; ++d) st.cost[d] = p.objectives[d];
    inside.push_back(st);
  }
  const auto front = prune(std::move(inside), objectives, no_bounds);
  for (const State& st : front) kept.push_back(st.previous);
  for (std::size_t i : edges) {
    const PredictedPoint& p = predicted_of(points[i]);
    State st{p.score, {}, 0, 0};
    for (std::size_t d = 0; d < objectives; ++d) st.cost[d] = p.objectives[d];
    if (std::none_of(front.begin(), front.end(),
                     [&](const State& f) { return dominates(f, st, objectives, no_bounds); }))
      kept.push_back(i);
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

// The costs of each architecture (lowered once each), in parallel.
std::vector<std::vector<double>> measure_costs(const SearchSpace& space, std::span<const AdditiveCost> costs,
                                               std::span<const Architecture> architectures) {
  std::vector<std::vector<double>> out(architectures.size(), std::vector<double>(costs.size()));
  tbb::parallel_for(std::size_t{0}, architectures.size(), [&](std::size_t i) {
    thread_local ModelSpec spec;
    space.lower(architectures[i], spec);
    for (std::size_t k = 0; k < costs.size(); ++k) out[i][k] = costs[k].measure(architectures[i], spec);
  });
  return out;
}

bool close_to(double measured, double predicted) {
  return std::abs(measured - predicted) <= 1e-9 * std::max(1.0, std::abs(predicted));
}

bool within(const AdditiveCost& c, double value) { return value >= c.min && value <= c.max; }

}  // namespace

AdditiveCost total_parameters_cost() {
  return {"total parameters", CostSet::kParameters,
          [](const Architecture&, const ModelSpec& spec) { return static_cast<double>(spec.total_parameters()); }};
}

AdditiveCost non_embedding_parameters_cost() {
  return {"non-embedding parameters", CostSet::kNonEmbeddingParameters, [](const Architecture&, const ModelSpec& spec) {
            return static_cast<double>(spec.total_parameters() - spec.parameters_with_role(Role::embedding));
          }};
}

std::vector<AdditiveCost> exact_costs(const CostSet& set) {
  std::vector<AdditiveCost> costs;
  for (std::size_t k = 0; k < set.size(); ++k) {
    const CostTerm& t = set[k];
    ZEROLM_ASSERT(t.model != nullptr, "exact search: cost '{}' was not instantiated", t.name());
    const CostModel* model = t.model.get();
    costs.push_back({t.descriptor->words, k,
                     [model](const Architecture& a, const ModelSpec& spec) { return model->measure(a, spec); },
                     t.objective, t.min, t.max, model->additive()});
    ZEROLM_CHECK(costs.back().additive || (!t.objective && !t.bounded()),
                 "search strategy exact: the {} cost is not a sum over layers here (a {} model that times the "
                 "network); use one that is, or leave it out of the objectives and constraints",
                 t.name(), t.name());
  }
  return costs;
}

ExactSearchResult exact_search(const SearchSpace& space, const Proxy& proxy, double max_parameters) {
  std::vector<AdditiveCost> costs{total_parameters_cost()};
  costs[0].objective = true;
  costs[0].max = max_parameters;
  return exact_search(space, proxy, costs);
}

ExactSearchResult exact_search(const SearchSpace& space, const Proxy& proxy, std::span<const AdditiveCost> costs) {
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::size_t> objectives;
  for (std::size_t k = 0; k < costs.size(); ++k) {
    ZEROLM_ASSERT(costs[k].measure != nullptr, "exact search: cost '{}' has no measure", costs[k].name);
    ZEROLM_CHECK(costs[k].min <= costs[k].max, "search strategy exact: the {} window [{}, {}] is empty", costs[k].name,
                 costs[k].min, costs[k].max);
    if (costs[k].objective) objectives.push_back(k);
  }
  ZEROLM_CHECK(!objectives.empty(), "search strategy exact: no cost is an objective");
  ZEROLM_CHECK(objectives.size() <= kMaxDimensions, "search strategy exact: {} objectives, at most {}",
               objectives.size(), kMaxDimensions);
  const auto families = space.layered_families();
  ZEROLM_CHECK(!families.empty(), "search strategy exact: space '{}' is not a union of independent-layer families",
               space.name());
  ExactSearchResult result;
  result.families = families.size();
  std::vector<Candidate> candidates;
  // Bound: the best score of a finished family's front point at or below each
  // parameter count (a staircase). A partial sum whose best completion cannot
  // beat it is dropped. With one cost objective only (the front's parameters).
  std::map<double, double> incumbents;
  const bool bounded_by_incumbents = objectives.size() == 1;
  const auto incumbent_at = [&](double parameters) {
    auto at = incumbents.upper_bound(parameters);
    return at == incumbents.begin() ? -kInfinity : std::prev(at)->second;
  };
  for (const LayeredFamily& family : families) {
    const auto layers = static_cast<std::size_t>(family.layers);
    const std::size_t options = family.options.size();
    ZEROLM_CHECK(layers >= 1 && options >= 1, "search strategy exact: an empty layer family in space '{}'",
                 space.name());
    result.architectures += std::pow(static_cast<double>(options), static_cast<double>(layers));

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
    const auto measured = measure_costs(space, costs, probes);
    result.evaluations += probes.size();
    const auto probe = [&](std::size_t l, std::size_t o) { return o == 0 ? 0 : 1 + l * (options - 1) + (o - 1); };
    const auto delta_score = [&](std::size_t l, std::size_t o) { return scores[probe(l, o)].score - scores[0].score; };
    const auto delta_cost = [&](std::size_t k, std::size_t l, std::size_t o) {
      return measured[probe(l, o)][k] - measured[0][k];
    };

    // The program's dimensions: objectives and bounded costs, merged where they
    // move together.
    std::vector<ProgramDimension> dims;
    for (std::size_t k = 0; k < costs.size(); ++k) {
      const AdditiveCost& c = costs[k];
      if (!c.objective && c.min == -kInfinity && c.max == kInfinity) continue;
      ProgramDimension* same = nullptr;
      for (auto& d : dims) {
        bool equal = true;
        for (std::size_t l = 0; l < layers && equal; ++l)
          for (std::size_t o = 1; o < options && equal; ++o)
            equal = delta_cost(k, l, o) == delta_cost(d.costs[0], l, o);
        if (equal) {
          same = &d;
          break;
        }
      }
      if (same == nullptr) {
        dims.emplace_back();
        same = &dims.back();
        same->costs.push_back(k);
        same->offsets.push_back(0.0);
      } else {
        same->costs.push_back(k);
        same->offsets.push_back(measured[0][k] - measured[0][same->costs[0]]);
      }
      const double offset = same->offsets.back();
      same->objective = same->objective || c.objective;
      same->min = std::max(same->min, c.min - offset);
      same->max = std::min(same->max, c.max - offset);
    }
    ZEROLM_CHECK(dims.size() <= kMaxDimensions,
                 "search strategy exact: {} independent objectives and bounded costs, at most {}", dims.size(),
                 kMaxDimensions);
    const std::size_t D = dims.size();
    if (std::any_of(dims.begin(), dims.end(), [](const ProgramDimension& d) { return d.min > d.max; })) continue;

    // What the remaining layers can add at least and at most, per dimension:
    // partial sums that cannot end inside a window are dropped early.
    std::vector<Values> rest_min(layers + 1), rest_max(layers + 1);
    rest_min[layers].fill(0.0);
    rest_max[layers].fill(0.0);
    for (std::size_t l = layers; l-- > 0;) {
      for (std::size_t d = 0; d < D; ++d) {
        double low = kInfinity, high = -kInfinity;
        for (std::size_t o = 0; o < options; ++o) {
          low = std::min(low, delta_cost(dims[d].costs[0], l, o));
          high = std::max(high, delta_cost(dims[d].costs[0], l, o));
        }
        rest_min[l][d] = rest_min[l + 1][d] + low;
        rest_max[l][d] = rest_max[l + 1][d] + high;
      }
    }

    // Per layer, the options no other option beats on the score and every
    // dimension (on a lower-bounded one they must be equal): a state that takes a
    // beaten option is beaten by the same state taking the better one.
    std::vector<std::vector<std::uint32_t>> useful(layers);
    for (std::size_t l = 0; l < layers; ++l) {
      std::vector<State> as_states;
      std::array<double, kMaxDimensions> exact_on;
      exact_on.fill(-kInfinity);
      for (std::size_t d = 0; d < D; ++d) {
        if (dims[d].min > -kInfinity) exact_on[d] = kInfinity;  // never "safe": only equal values dominate
      }
      for (std::size_t o = 0; o < options; ++o) {
        State n{delta_score(l, o), {}, static_cast<std::uint32_t>(o), 0};
        for (std::size_t d = 0; d < D; ++d) n.cost[d] = delta_cost(dims[d].costs[0], l, o);
        as_states.push_back(n);
      }
      for (const State& kept : prune(std::move(as_states), D, exact_on)) useful[l].push_back(kept.option);
      std::sort(useful[l].begin(), useful[l].end());
    }

    // The most the remaining layers can add to the score, and where the front's
    // parameter count sits among the dimensions.
    std::vector<double> rest_score(layers + 1, 0.0);
    for (std::size_t l = layers; l-- > 0;) {
      double best = -kInfinity;
      for (std::size_t o = 0; o < options; ++o) best = std::max(best, delta_score(l, o));
      rest_score[l] = rest_score[l + 1] + best;
    }
    std::size_t parameter_dim = 0;
    double parameter_offset = 0.0;
    for (std::size_t d = 0; d < D; ++d) {
      for (std::size_t m = 0; m < dims[d].costs.size(); ++m) {
        if (dims[d].costs[m] == objectives[0]) {
          parameter_dim = d;
          parameter_offset = dims[d].offsets[m];
        }
      }
    }

    State start{scores[0].score, {}, 0, 0};
    for (std::size_t d = 0; d < D; ++d) start.cost[d] = measured[0][dims[d].costs[0]];
    std::vector<State> current{start};
    std::vector<std::vector<Step>> steps;
    for (std::size_t l = 0; l < layers; ++l) {
      std::vector<State> next;
      next.reserve(current.size() * useful[l].size());
      std::array<double, kMaxDimensions> safe_from;
      safe_from.fill(-kInfinity);
      for (std::size_t d = 0; d < D; ++d) {
        if (dims[d].min > -kInfinity) safe_from[d] = dims[d].min - rest_min[l + 1][d] + slack(dims[d].min);
      }
      for (std::size_t s = 0; s < current.size(); ++s) {
        for (const std::uint32_t o : useful[l]) {
          State n{current[s].score + delta_score(l, o), current[s].cost, o, static_cast<std::uint32_t>(s)};
          bool feasible = true;
          for (std::size_t d = 0; d < D && feasible; ++d) {
            n.cost[d] += delta_cost(dims[d].costs[0], l, o);
            const double low = n.cost[d] + rest_min[l + 1][d], high = n.cost[d] + rest_max[l + 1][d];
            feasible = low <= dims[d].max + slack(dims[d].max) && high >= dims[d].min - slack(dims[d].min);
          }
          if (!feasible) continue;
          if (bounded_by_incumbents && incumbent_at(n.cost[parameter_dim] + parameter_offset +
                                                    rest_min[l + 1][parameter_dim]) >= n.score + rest_score[l + 1])
            continue;  // a finished family's point is at least as good as any completion
          next.push_back(n);
        }
      }
      current = prune(std::move(next), D, safe_from);
      std::vector<Step> stage(current.size());
      for (std::size_t s = 0; s < current.size(); ++s) stage[s] = {current[s].option, current[s].previous};
      steps.push_back(std::move(stage));
      result.states += current.size();
    }
    // The family's front by the program's sums (objectives only), before any
    // architecture is built.
    std::vector<PredictedPoint> points;
    for (std::size_t s = 0; s < current.size(); ++s) {
      PredictedPoint p{current[s].score, {}, {}, false, static_cast<std::uint32_t>(s)};
      for (std::size_t d = 0; d < D; ++d) {
        for (std::size_t m = 0; m < dims[d].costs.size(); ++m) {
          const std::size_t k = dims[d].costs[m];
          const double v = current[s].cost[d] + dims[d].offsets[m];
          p.costs.emplace_back(k, v);
          p.at_bound = p.at_bound || std::abs(v - costs[k].min) <= slack(costs[k].min) ||
                       std::abs(v - costs[k].max) <= slack(costs[k].max);
        }
      }
      for (std::size_t k : objectives) {
        for (const auto& [cost, v] : p.costs)
          if (cost == k) p.objectives.push_back(v);
      }
      ZEROLM_ASSERT(p.objectives.size() == objectives.size(), "exact search: an objective is not tracked");
      points.push_back(std::move(p));
    }
    for (std::size_t i : predicted_front(points, objectives.size(),
                                         [](const PredictedPoint& p) -> const PredictedPoint& { return p; })) {
      std::size_t at = points[i].index;
      for (std::size_t l = layers; l >= 1; --l) {
        choice[l - 1] = steps[l - 1][at].option;
        at = steps[l - 1][at].previous;
      }
      const PredictedPoint& p = points[i];
      if (bounded_by_incumbents && !p.at_bound && incumbent_at(p.objectives[0]) < p.score) {
        const auto step = incumbents.insert_or_assign(p.objectives[0], p.score).first;
        for (auto next = std::next(step); next != incumbents.end() && next->second <= p.score;)
          next = incumbents.erase(next);
      }
      candidates.push_back({space.assemble(family, choice), std::move(points[i])});
    }
  }
  // Re-score and re-measure the families' fronts: the proxy's and the costs' own
  // numbers, and the additivity checks.
  std::vector<Architecture> architectures;
  for (const auto& c : candidates) architectures.push_back(c.architecture);
  const auto scores = evaluate(space, proxy, architectures);
  const auto measured = measure_costs(space, costs, architectures);
  result.evaluations += candidates.size();
  std::vector<State> feasible;
  std::array<double, kMaxDimensions> no_bounds;
  no_bounds.fill(-kInfinity);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& c = candidates[i];
    ZEROLM_CHECK(close_to(scores[i].score, c.predicted.score),
                 "search strategy exact: proxy '{}' is not additive over layers in space '{}' ({} scores {}, the layer "
                 "sums predict {})",
                 proxy.name(), space.name(), space.summary(c.architecture), scores[i].score, c.predicted.score);
    for (const auto& [k, predicted] : c.predicted.costs) {
      ZEROLM_CHECK(close_to(measured[i][k], predicted),
                   "search strategy exact: {} is not additive over layers in space '{}' ({} measures {}, the layer "
                   "sums predict {})",
                   costs[k].name, space.name(), space.summary(c.architecture), measured[i][k], predicted);
    }
    bool inside = true;
    for (std::size_t k = 0; k < costs.size(); ++k) inside = inside && within(costs[k], measured[i][k]);
    if (!inside) continue;
    State s{scores[i].score, {}, 0, static_cast<std::uint32_t>(i)};
    for (std::size_t d = 0; d < objectives.size(); ++d) s.cost[d] = measured[i][objectives[d]];
    feasible.push_back(s);
  }
  ModelSpec spec;
  for (const State& s : prune(std::move(feasible), objectives.size(), no_bounds)) {
    const Architecture& a = candidates[s.previous].architecture;
    const auto& values = measured[s.previous];
    // Both counts on every point, whichever the budget bounds.
    space.lower(a, spec);
    const auto total = spec.total_parameters();
    EvaluatedArchitecture e{a, s.score, {}};
    e.costs[CostSet::kParameters] = static_cast<double>(total);
    e.costs[CostSet::kNonEmbeddingParameters] = static_cast<double>(total - spec.parameters_with_role(Role::embedding));
    for (std::size_t k = 0; k < costs.size(); ++k) {
      if (costs[k].slot != AdditiveCost::kNoSlot) e.costs[costs[k].slot] = values[k];
    }
    result.front.push_back(std::move(e));
    result.front_costs.push_back(values);
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace zerolm
