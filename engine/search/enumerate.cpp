#include "engine/search/enumerate.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>

#include "engine/core/error.hpp"
#include "engine/scoring/evaluate.hpp"

namespace zerolm {

namespace {
// Strict order for "better": higher score, then lower hash (deterministic ties).
bool better(const EvaluatedArchitecture& a, const EvaluatedArchitecture& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.architecture.hash() < b.architecture.hash();
}
}  // namespace

double enumeration_size(const SearchSpace& space) {
  if (const auto size = space.size()) return static_cast<double>(*size);
  const auto families = space.layered_families();
  if (families.empty()) return std::numeric_limits<double>::infinity();
  double total = 0.0;
  for (const auto& family : families) total += std::pow(static_cast<double>(family.options.size()), family.layers);
  return total;
}

EnumerationResult enumerate_space(const SearchSpace& space, const Proxy& proxy, std::size_t top_k,
                                  std::size_t batch_size) {
  ZEROLM_CHECK(space.size().has_value(), "enumerate: search space '{}' is not finite", space.name());
  const auto started = std::chrono::steady_clock::now();
  EnumerationResult result;
  std::vector<EvaluatedArchitecture> top;  // a heap: worst on top
  // Per parameter count, the best score and every architecture reaching it: the
  // 2-D front is then a sweep over parameter counts.
  std::map<double, std::pair<double, std::vector<Architecture>>> best_by_parameters;
  std::vector<Architecture> batch;
  batch.reserve(batch_size);
  auto flush = [&] {
    const auto scores = evaluate(space, proxy, batch);
    const auto counts = parameter_counts(space, batch);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      EvaluatedArchitecture e{batch[i], scores[i].score, CostValues{counts[i]}};
      result.largest_parameters = std::max(result.largest_parameters, e.parameters());
      if (top_k > 0 && (top.size() < top_k || better(e, top.front()))) {
        top.push_back(e);
        std::push_heap(top.begin(), top.end(), better);
        if (top.size() > top_k) {
          std::pop_heap(top.begin(), top.end(), better);
          top.pop_back();
        }
      }
      auto [slot, inserted] = best_by_parameters.try_emplace(e.parameters(), e.score, std::vector<Architecture>{});
      auto& [best, members] = slot->second;
      if (e.score > best) {
        best = e.score;
        members.clear();
      }
      if (e.score == best) members.push_back(e.architecture);
    }
    result.architectures += batch.size();
    batch.clear();
  };
  space.enumerate([&](const Architecture& a) {
    batch.push_back(a);
    if (batch.size() == batch_size) flush();
  });
  if (!batch.empty()) flush();

  std::sort_heap(top.begin(), top.end(), better);
  result.top = std::move(top);
  // Sweep by parameters ascending: a count is on the front when its best score
  // beats every smaller count's.
  double record = -INFINITY;
  for (const auto& [parameters, slot] : best_by_parameters) {
    if (slot.first > record) {
      for (const auto& a : slot.second) result.front.push_back({a, slot.first, CostValues{parameters}});
      record = slot.first;
    }
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace zerolm
