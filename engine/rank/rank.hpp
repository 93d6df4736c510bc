// `zerolm rank`: score every record of a benchmark file and correlate with its
// ground truth, beside the file's published proxies on exactly the same rows.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "proxies/proxy.hpp"

namespace zerolm {

struct CalibrationRequest {
  std::string file;  // benchmark file to draw the K records from
  std::size_t sample = 50;
  std::size_t repeats = 1;
};

struct RankRequest {
  std::string benchmark;
  std::string protocol;   // empty: the format's default
  std::string format;     // empty: detected
  std::string baselines;  // a published-proxies file (empty: the format's default)
  std::string proxy = "zerolm";
  ProxyOptions options;
  AlphaChoice alpha;  // without `calibration` (with it, alpha is chosen per calibration sample)
  std::optional<CalibrationRequest> calibration;
};

struct Correlations {
  double spearman = 0.0;
  double kendall = 0.0;
  double pearson = 0.0;
  double kendall_10pct = 0.0;
};

// One benchmark record as ranked: what a scatter plot or a per-record table shows.
struct RankedRecord {
  std::string id;             // the record's id in the benchmark file
  std::uint64_t hash = 0;     // its architecture's
  double ground_truth = 0.0;  // oriented higher-is-better, as correlated
  double score = 0.0;         // the proxy's (with the evaluation's alpha)
  double parameters = 0.0;    // total, as the space counts them (Kendall-10%'s size groups)
};

struct RankReport {
  std::size_t n = 0;  // evaluation rows (per repeat)
  std::string benchmark;
  std::string protocol;
  std::string proxy;
  std::string mode;
  std::string ground_truth;
  Correlations proxy_correlations;  // mean over repeats
  double spearman_sd = 0.0, kendall_sd = 0.0;
  std::size_t repeats = 0;  // 0: no calibration
  double alpha = 0.0;       // mean alpha over repeats
  double alpha_sd = 0.0;
  double seconds_per_arch = 0.0;
  std::map<std::string, Correlations> baselines;  // mean over repeats, same rows
  // Published proxies whose correlation is undefined on these rows (constant
  // there), with why: left out of `baselines`.
  std::map<std::string, std::string> undefined_baselines;
  // One evaluation's rows, in record order (the first repeat's held-out rows when
  // calibrated): what the figures above are computed on.
  std::vector<RankedRecord> records;
};

RankReport rank_benchmark(const RankRequest& request);

}  // namespace zerolm
