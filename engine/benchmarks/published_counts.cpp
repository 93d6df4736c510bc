#include "engine/benchmarks/published_counts.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <utility>

#include "engine/core/error.hpp"

namespace zerolm {

namespace {

struct Published {
  std::optional<double> attention, ffn, non_embedding, total;
};

std::optional<Published> published_of(const BenchmarkRecord& record) {
  const nlohmann::json& raw = record.raw;
  Published p;
  auto number = [](const nlohmann::json& object, const char* key) -> std::optional<double> {
    if (object.is_object() && object.contains(key) && object[key].is_number()) return object[key].get<double>();
    return std::nullopt;
  };
  if (raw.contains("params") && raw["params"].is_object()) {
    const auto& c = raw["params"];
    p.attention = number(c, "Attn");
    p.ffn = number(c, "FFN");
    p.non_embedding = number(c, "nonembedding");
    p.total = number(c, "total");
  } else if (raw.contains("params") && raw["params"].is_number()) {
    p.total = raw["params"].get<double>();
  } else if (raw.contains("published_proxies")) {
    p.total = number(raw["published_proxies"], "number_of_parameters");
  }
  // NAS-Bench-BERT as published keeps its count in the CSV beside it, read as a baseline.
  if (!p.total && record.baselines.contains("number_of_parameters"))
    p.total = record.baselines.at("number_of_parameters");
  if (!p.attention && !p.ffn && !p.non_embedding && !p.total) return std::nullopt;
  return p;
}

// Empty when every published count equals the spec's, else the first difference.
std::string compare(const Published& p, const ModelSpec& spec) {
  const auto total = spec.total_parameters();
  const std::pair<const char*, std::pair<std::optional<double>, std::int64_t>> counts[] = {
      {"attention", {p.attention, spec.parameters_with_role(Role::attention)}},
      {"ffn", {p.ffn, spec.parameters_with_role(Role::ffn)}},
      {"non-embedding", {p.non_embedding, total - spec.parameters_with_role(Role::embedding)}},
      {"total", {p.total, total}}};
  for (const auto& [name, value] : counts) {
    const auto& [published, ours] = value;
    if (published && std::llround(*published) != ours) {
      return fmt::format("{} {} vs published {}", name, ours, std::llround(*published));
    }
  }
  return {};
}

CountCheck check_with(const Benchmark& benchmark, const SearchSpace& space, bool reread) {
  CountCheck check;
  check.protocol = std::string(space.protocol());
  ModelSpec spec;
  for (const auto& record : benchmark.records) {
    const auto published = published_of(record);
    if (!published) continue;
    ++check.checked;
    std::string why;
    try {
      const auto reread_record = [&] {
        return benchmark.reader->architecture ? benchmark.reader->architecture(space, record.raw)
                                              : space.from_record(record.raw);
      };
      space.lower(reread ? reread_record() : record.architecture, spec);
      why = compare(*published, spec);
    } catch (const Error& e) {
      why = fmt::format("not read under {}: {}", check.protocol, e.message());
    }
    if (why.empty()) {
      ++check.reproduced;
    } else if (check.first_mismatch.empty()) {
      check.first_mismatch = fmt::format("record {}: {}", record.id, why);
    }
  }
  return check;
}

}  // namespace

bool has_published_counts(const Benchmark& benchmark) {
  for (const auto& record : benchmark.records) {
    if (published_of(record)) return true;
  }
  return false;
}

CountCheck check_published_counts(const Benchmark& benchmark) {
  ZEROLM_ASSERT(benchmark.space != nullptr, "a loaded benchmark has a space");
  return check_with(benchmark, *benchmark.space, false);
}

std::vector<CountCheck> check_published_counts_all(const Benchmark& benchmark) {
  ZEROLM_ASSERT(benchmark.space != nullptr, "a loaded benchmark has a space");
  const SpaceDescriptor& descriptor = search_space_descriptor(benchmark.space->name());
  std::vector<CountCheck> out;
  for (const auto& protocol : descriptor.protocols) {
    SpaceOptions options;
    options.protocol = protocol.name;
    const auto space = descriptor.make(options);
    out.push_back(check_with(benchmark, *space, true));
  }
  return out;
}

}  // namespace zerolm
