// Distributed search: an island model over the ranks of an MPI job. Each rank
// evolves its own population (its own seed and share of the evaluation budget,
// on its node's GPU when it has one); every `islands.migrate_every` generations
// each island sends its best `islands.migrants` members to the next rank in a
// ring. Every generation, rank 0 gathers what each island evaluated and how its
// population and archive changed, merges the islands' archives into the global
// Pareto archive and commits all of it, with every island's checkpoint, in one
// run-store transaction: a resumed run (same number of ranks) continues exactly.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "engine/config/search_config.hpp"
#include "engine/distributed/communicator.hpp"
#include "engine/runs/stored_search.hpp"

namespace zerolm {

namespace kernels {
class WeightStatisticsBackend;
}

struct DistributedSearchOptions {
  // Rank 0 only: reads a new run's config (output folder set); or the folder to
  // resume.
  std::function<SearchRunConfig()> load_config;
  std::string resume;
  std::string device;  // overrides the config's device when set
  // Rank 0 only: after every `log_every`-th generation, with the global record
  // and the rate (evaluations/s) since the previous call.
  std::function<void(const SearchRunConfig&, const GenerationRecord&, double rate)> progress;
};

// Every rank calls this. Returns the run's summary on rank 0 and an empty one
// elsewhere. When rank 0 cannot start the run, it prints why and every rank
// throws ErrorAlreadyReported. An error on any rank once the
// run is going is printed by that rank and ends the whole job (exit code 2).
SearchSummary run_distributed_search(Communicator& communicator, const DistributedSearchOptions& options);

// The seed of island `island`: island 0 keeps the config's seed.
std::uint64_t island_seed(std::uint64_t seed, std::size_t island);

}  // namespace zerolm
