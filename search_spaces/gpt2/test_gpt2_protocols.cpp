// The gpt2 space's protocol units: the registry's protocol list is the unit
// table's, every unit's fields are what its network is made of (the spec's
// tensors show them), and gpt2_pytorch.py's PROTOCOLS states the same fields.
#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "search_spaces/gpt2/gpt2.hpp"
#include "search_spaces/gpt2/gpt2_protocols.hpp"

using namespace zerolm;

namespace {

// The `field=value` text of protocol `name`'s entry in the module's PROTOCOLS.
std::string python_entry(const std::string& module, std::string_view name) {
  const auto table = module.find("PROTOCOLS = {");
  REQUIRE(table != std::string::npos);
  const auto at = module.find(fmt::format("\"{}\": dict(", name), table);
  REQUIRE(at != std::string::npos);
  const auto end = module.find(')', at);
  std::string entry = module.substr(at, end - at);
  std::string flat;  // without line breaks and indentation
  for (char c : entry) {
    if (c != '\n' && !(c == ' ' && !flat.empty() && flat.back() == ' ')) flat += c;
  }
  return flat;
}

std::string python_bool(bool value) { return value ? "True" : "False"; }

std::set<std::string> tensor_names(const SearchSpace& space, const Architecture& a) {
  ModelSpec spec;
  space.lower(a, spec);
  std::set<std::string> names;
  for (const auto& t : spec.tensors()) {
    names.insert(t.layer < 0 ? std::string(t.name) : fmt::format("{}.{}.{}", spec.layer_prefix, t.layer, t.name));
  }
  return names;
}

}  // namespace

TEST_CASE("gpt2 protocol units: the registry lists every unit, the default first", "[gpt2][protocols]") {
  const SpaceDescriptor& d = search_space_descriptor("gpt2");
  REQUIRE(d.protocols.size() == gpt2_protocols().size());
  for (std::size_t i = 0; i < d.protocols.size(); ++i) {
    CHECK(d.protocols[i].name == gpt2_protocols()[i].name);
    CHECK(parse_gpt2_protocol(d.protocols[i].name) == gpt2_protocols()[i].id);
    CHECK(gpt2_protocol(gpt2_protocols()[i].id).name == d.protocols[i].name);
  }
  CHECK(d.protocol("").name == gpt2_protocols().front().name);
}

TEST_CASE("gpt2 protocol units: gpt2_pytorch.py states each unit's fields", "[gpt2][protocols]") {
  const std::string module = search_space_descriptor("gpt2").pytorch_module;
  for (const auto& unit : gpt2_protocols()) {
    const std::string entry = python_entry(module, unit.name);
    INFO(unit.name << ": " << entry);
    CHECK_THAT(entry,
               Catch::Contains(fmt::format("block=\"{}\"", unit.block == Gpt2BlockKind::gpt2 ? "gpt2" : "relative")));
    CHECK_THAT(entry, Catch::Contains(fmt::format("head_size={},", unit.head_size)));
    CHECK_THAT(entry, Catch::Contains("rotary=" + python_bool(unit.rotary) + ","));
    CHECK_THAT(entry, Catch::Contains("gated_mlp=" + python_bool(unit.gated_mlp) + ","));
    CHECK_THAT(entry, Catch::Contains(fmt::format("plain_positions={},", unit.plain_positions)));
    CHECK_THAT(entry, Catch::Contains("adaptive_positions=" + python_bool(unit.adaptive_positions) + ","));
    CHECK_THAT(entry, Catch::Contains("untied_head=" + python_bool(unit.untied_head) + ","));
    CHECK_THAT(entry, Catch::Contains("final_norm=" + python_bool(unit.final_norm) + ","));
    CHECK_THAT(entry, Catch::Contains(fmt::format("layer_prefix=\"{}\"", unit.layer_prefix)));
  }
}

TEST_CASE("gpt2 protocol units: each unit's fields show in its lowering", "[gpt2][protocols]") {
  for (const auto& unit : gpt2_protocols()) {
    INFO(unit.name);
    const Gpt2Space space(unit.id);
    Gpt2Architecture typed;
    typed.d_model = 128;
    typed.layers = {{2, 256}, {4, 512}};
    typed.adaptive = unit.adaptive_only;
    typed.adaptive_embedding.n_token = 1000;
    typed.adaptive_embedding.d_embed = 64;
    typed.adaptive_embedding.cutoffs = AdaptiveEmbedding::clean_cutoffs({200, 400}, 1000);
    typed.vocab_size = 1000;
    const auto names = tensor_names(space, space.encode(typed));
    const std::string layer0 = std::string(unit.layer_prefix) + ".0.";
    CHECK(names.contains(layer0 +
                         (unit.block == Gpt2BlockKind::gpt2 ? "attn.c_attn.weight" : "dec_attn.qkv_net.weight")));
    CHECK(names.contains(layer0 + "mlp.c_fc2.weight") == unit.gated_mlp);
    CHECK(names.contains("ln_f.weight") == unit.final_norm);
    if (unit.adaptive_only) {
      CHECK(names.contains("wpe.weight") == unit.adaptive_positions);
    } else {
      CHECK(names.contains("wpe.weight") == (unit.plain_positions > 0));
      CHECK(names.contains("lm_head.weight") == unit.untied_head);
    }
  }
}
