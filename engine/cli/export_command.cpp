// zerolm export DIR: the Pareto archive, the top-k or the population of a run, in
// any format of the export registry (engine/export/export_formats.hpp).
#include "engine/cli/commands.hpp"
#include "engine/core/error.hpp"
#include "engine/export/run_export.hpp"

namespace zerolm::cli {

int run_export(const CliParams& o) {
  ZEROLM_CHECK((o.pareto ? 1 : 0) + (o.export_top > 0 ? 1 : 0) + (o.population ? 1 : 0) == 1,
               "zerolm export needs exactly one of --pareto, --top K, --population");
  RunSelection selection;
  selection.kind =
      o.pareto ? RunSelection::Kind::pareto : (o.population ? RunSelection::Kind::population : RunSelection::Kind::top);
  selection.top = o.export_top;
  if (o.was_given("--island")) selection.island = o.island;
  RunExport request;
  request.format = o.format;
  request.out = o.out.empty() ? "-" : o.out;
  if (o.was_given("--seed")) request.seed = o.seed;
  request.weights = o.weights;
  export_run(o.directory, selection, request);
  return 0;
}

}  // namespace zerolm::cli
