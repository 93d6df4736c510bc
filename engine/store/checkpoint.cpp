#include "engine/store/checkpoint.hpp"

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/parse_number.hpp"

namespace zerolm {

std::string hash_hex(std::uint64_t hash) { return fmt::format("{:016x}", hash); }

std::uint64_t parse_hash_hex(const std::string& text) {
  const auto hash = parse_hex64(text);
  ZEROLM_CHECK(hash.has_value() && text.find_first_not_of("0123456789abcdef") == std::string::npos,
               "'{}' is not an architecture hash (16 hex digits)", text);
  return *hash;
}

EvaluatedArchitecture evaluated_of(const SearchSpace& space, const EvaluationRow& row) {
  return {space.from_json(nlohmann::json::parse(row.architecture)), row.score, row.costs};
}

nlohmann::json Checkpoint::to_json(const CostSet& costs) const {
  return {{"generation", generation},
          {"evaluations", evaluations},
          {"have_best", have_best},
          {"best",
           {{"hash", hash_hex(best.hash)},
            {"architecture", best.architecture},
            {"score", best.score},
            {"costs", costs.to_json(best.costs)}}},
          {"reference", {{"proxy", reference.proxy}, {"costs", costs.to_json(reference.costs)}}},
          {"seconds", seconds},
          {"islands", islands},
          {"joined", joined},
          {"archive_position", archive_position}};
}

Checkpoint Checkpoint::from_json(const nlohmann::json& value, const CostSet& costs) {
  Checkpoint c;
  try {
    ZEROLM_CHECK(value.is_object(), "the checkpoint is not a JSON object");
    c.generation = json_whole<std::size_t>(value.at("generation"), "generation");
    c.evaluations = json_whole<std::size_t>(value.at("evaluations"), "evaluations");
    c.have_best = value.at("have_best").get<bool>();
    const auto& best = value.at("best");
    c.best.hash = parse_hash_hex(best.at("hash").get<std::string>());
    c.best.architecture = best.at("architecture").get<std::string>();
    c.best.score = best.at("score").get<double>();
    // A best that no generation has set yet (have_best false) holds zeros.
    c.best.costs = costs.from_json(best.at("costs"), "field 'best.costs'", !c.have_best);
    const auto& r = value.at("reference");
    c.reference.proxy = r.at("proxy").get<double>();
    // A cost the reference lacks (a store migrated from before it) is 0: it was no objective then.
    c.reference.costs = costs.from_json(r.at("costs"), "field 'reference.costs'", /*missing_is_zero=*/true);
    c.seconds = value.at("seconds").get<double>();
    c.islands = json_whole<std::size_t>(value.at("islands"), "islands");
    c.joined = json_whole<std::int64_t>(value.at("joined"), "joined");
    c.archive_position = json_whole<std::int64_t>(value.at("archive_position"), "archive_position");
  } catch (const nlohmann::json::exception& e) {
    ZEROLM_FAIL("the checkpoint is malformed: {}", e.what());
  } catch (const Error& e) {
    throw e.with_context("the checkpoint");
  }
  return c;
}

// A stored checkpoint's text; errors name `where`.
Checkpoint read_checkpoint(const std::string& text, const std::string& where, const CostSet& costs) {
  try {
    return Checkpoint::from_json(nlohmann::json::parse(text), costs);
  } catch (const nlohmann::json::exception& e) {
    ZEROLM_FAIL("{}: the checkpoint is not JSON: {}", where, e.what());
  } catch (const Error& e) {
    throw e.with_context(where);
  }
}

}  // namespace zerolm
