// The benchmarks' own published formats: an LTS/archai run folder (the input is
// one record's model_config.yaml beside fixed summaries) and NAS-Bench-BERT's
// BERT_results_activation.csv (the input, beside the BERT_benchmark.json records
// that $ZEROLM_FUZZ_BERT_JSON names; seed_corpora.sh writes three). An input
// starting with "csv\n" is the CSV; any other is the YAML.
#include <cstdlib>
#include <filesystem>

#include "engine/benchmarks/benchmark_file.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/output_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

void lower_all(const zerolm::Benchmark& b) {
  zerolm::ModelSpec spec;
  for (const auto& r : b.records) {
    b.space->lower(r.architecture, spec);
    (void)spec.total_parameters();
  }
}

// A run folder of one record: config_0/j0/model_config.yaml is the input.
void run_folder(const std::string& text) {
  const std::string config =
      zerolm::fuzz::as_file(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), "model_config.yaml");
  const auto root = std::filesystem::path(config).parent_path() / "run";
  static const bool made = [&] {
    std::filesystem::create_directories(root / "config_0" / "j0");
    zerolm::write_file_atomic((root / "ppl_summary.yaml").string(),
                              "config_0_j0:\n  valid_ppl: 30.5\n  test_ppl: 31.0\n");
    zerolm::write_file_atomic((root / "params_summary.yaml").string(),
                              "config_0_j0:\n  Attn: 1000\n  FFN: 2000\n  nonembedding: 3100\n  total: 9000\n");
    return true;
  }();
  (void)made;
  std::filesystem::copy_file(config, root / "config_0" / "j0" / "model_config.yaml",
                             std::filesystem::copy_options::overwrite_existing);
  lower_all(zerolm::load_benchmark(root.string()));
}

void published_csv(const std::string& text) {
  const char* records = std::getenv("ZEROLM_FUZZ_BERT_JSON");
  if (records == nullptr) return;  // no fixture: only the YAML half is fuzzed
  const std::string csv =
      zerolm::fuzz::as_file(reinterpret_cast<const std::uint8_t*>(text.data()), text.size(), "baselines.csv");
  lower_all(zerolm::load_benchmark(records, zerolm::BenchmarkOptions{"", "", csv}));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  return zerolm::fuzz::accept_errors([&] {
    if (input.starts_with("csv\n")) {
      published_csv(input.substr(4));
    } else {
      run_folder(input);
    }
  });
}
