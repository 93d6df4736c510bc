#include "engine/store/checkpoint.hpp"

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"

namespace zerolm {

std::string hash_hex(std::uint64_t hash) { return fmt::format("{:016x}", hash); }

std::uint64_t parse_hash_hex(const std::string& text) {
  ZEROLM_CHECK(text.size() == 16 && text.find_first_not_of("0123456789abcdef") == std::string::npos,
               "'{}' is not an architecture hash (16 hex digits)", text);
  return std::stoull(text, nullptr, 16);
}

EvaluatedArchitecture evaluated_of(const SearchSpace& space, const EvaluationRow& row) {
  EvaluatedArchitecture e{space.from_json(nlohmann::json::parse(row.architecture)), row.score, row.parameters,
                          row.latency};
  e.memory = row.memory;
  return e;
}

nlohmann::json Checkpoint::to_json() const {
  return {{"generation", generation},
          {"evaluations", evaluations},
          {"have_best", have_best},
          {"best",
           {{"hash", hash_hex(best.hash)},
            {"architecture", best.architecture},
            {"score", best.score},
            {"parameters", best.parameters},
            {"latency", best.latency},
            {"memory", best.memory}}},
          {"reference",
           {{"proxy", reference.proxy},
            {"parameters", reference.parameters},
            {"latency", reference.latency},
            {"memory", reference.memory}}},
          {"seconds", seconds},
          {"islands", islands},
          {"joined", joined},
          {"archive_position", archive_position}};
}

Checkpoint Checkpoint::from_json(const nlohmann::json& value) {
  Checkpoint c;
  try {
    ZEROLM_CHECK(value.is_object(), "the checkpoint is not a JSON object");
    c.generation = json_whole<std::size_t>(value.at("generation"), "generation");
    c.evaluations = json_whole<std::size_t>(value.at("evaluations"), "evaluations");
    c.have_best = value.at("have_best").get<bool>();
    const auto& best = value.at("best");
    c.best = {parse_hash_hex(best.at("hash").get<std::string>()),
              best.at("architecture").get<std::string>(),
              best.at("score").get<double>(),
              best.at("parameters").get<double>(),
              best.at("latency").get<double>(),
              best.at("memory").get<double>()};
    const auto& r = value.at("reference");
    c.reference = {r.at("proxy").get<double>(), r.at("parameters").get<double>(), r.at("latency").get<double>(),
                   r.at("memory").get<double>()};
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

}  // namespace zerolm
