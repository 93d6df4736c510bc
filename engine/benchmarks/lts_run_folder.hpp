// LiteTransformerSearch (archai) run folders as LTS and LPZero publish them
// (`saved_logs/<run>/`): one model_config.yaml per architecture and YAML summaries
// keyed by the architecture (docs/BENCHMARKS.md, "LTS run folders").
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace zerolm {

// Whether `folder` is an LTS run folder: it holds ppl_summary.yaml or params_summary.yaml.
bool is_lts_run_folder(const std::string& folder);

// The folder's records as the lts-gpt2 records the gpt2 space reads: one per
// config_N/jM/model_config.yaml (id config_N_jM) or MK/model_config.yaml (id MK),
// in numeric order, each {id, config, valid_ppl, test_ppl?, params, published_proxies,
// latency_ms?, memory_mb?, source}. Records without ground truth are left out and
// counted in one line on stderr. Errors name the file and the record.
nlohmann::json read_lts_run_folder(const std::string& folder);

}  // namespace zerolm
