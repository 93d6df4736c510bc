// Exact search on the gpt2 space's layered families (lts and transxl protocols)
// against brute-force enumeration of narrowed spaces, and NSC's Transformer-XL
// space as shipped (experiments/txl-wt103-nsc-dp.yaml).
#include <catch2/catch.hpp>

#include "engine/search/exact_search.hpp"
#include "proxies/spectral_proxy.hpp"
#include "proxies/zerolm_proxy.hpp"
#include "search_spaces/gpt2/gpt2.hpp"
#include "tests/test_support.hpp"

using namespace zerolm;
using zerolm::testing::check_exact_front;

namespace {
std::unique_ptr<SearchSpace> narrow(const std::string& protocol, bool nsc_heads) {
  SpaceOptions options;
  options.protocol = protocol;
  options.choices = nlohmann::json::parse(R"({"d_model": [64, 128], "n_layer_values": [2, 3],
    "d_inner_values": [256, 512, 768], "n_head": [2, 4], "d_embed": [64], "div_val": [1]})");
  if (nsc_heads) options.choices["head_rule"] = "nsc";
  return make_search_space("gpt2", options);
}
}  // namespace

TEST_CASE("gpt2: exact search equals brute force on narrowed lts and transxl spaces", "[search][exact][transxl]") {
  ProxyOptions spectral_options;
  const SpectralProxy spectral(spectral_options);
  ProxyOptions zerolm_options;
  zerolm_options.alpha = 0.6;
  const ZeroLmProxy zero(zerolm_options);
  for (const std::string protocol : {"lts", "transxl"}) {
    for (bool nsc_heads : {false, true}) {
      const auto space = narrow(protocol, nsc_heads);
      std::size_t count = 0;
      space->enumerate([&](const Architecture&) { ++count; });
      // 2 widths x (6^2 + 6^3) with 2 head counts, x (3^2 + 3^3) with NSC's one head.
      CHECK(count == (nsc_heads ? 2 * (9 + 27) : 2 * (36 + 216)));
      for (const Proxy* proxy : std::initializer_list<const Proxy*>{&spectral, &zero}) {
        INFO(protocol << ", nsc heads " << nsc_heads << ", proxy " << proxy->name());
        std::vector<AdditiveCost> costs{total_parameters_cost(), non_embedding_parameters_cost()};
        costs[0].objective = true;
        check_exact_front(*space, *proxy, costs);
        const auto front = exact_search(*space, *proxy, costs).front;
        REQUIRE(front.size() > 4);
        costs[1].min = front[front.size() / 4].non_embedding_parameters();
        costs[1].max = front[3 * front.size() / 4].non_embedding_parameters();
        check_exact_front(*space, *proxy, costs);
      }
    }
  }
}

TEST_CASE("gpt2: NSC's head rule", "[transxl]") {
  SpaceOptions options;
  options.protocol = "transxl";
  options.choices = nlohmann::json::parse(R"({"head_rule": "nsc", "d_inner_values": [512]})");
  const auto space = make_search_space("gpt2", options);
  const auto& gpt2 = dynamic_cast<const Gpt2Space&>(*space);
  std::map<std::int64_t, std::int64_t> heads;  // d_model -> heads, from the families
  for (const auto& family : space->layered_families()) {
    const Gpt2Architecture a = gpt2.decode(space->assemble(family, std::vector<std::size_t>(family.layers, 0)));
    heads[a.d_model] = a.layers.front().n_head;
  }
  // The default widths 64, 128, 256, 512: the largest of 1..16 with heads >= 32 wide.
  CHECK(heads == std::map<std::int64_t, std::int64_t>{{64, 2}, {128, 4}, {256, 8}, {512, 16}});
}
