// Sweep files: a base search config plus axes, each a config key with a list of
// values. Axes combine as a grid; axes marked `zip: true` advance together (equal
// lengths) as one dimension of the grid.
//
//   base: flexibert-trained.yaml        # relative to the sweep file
//   set: {search.max_evaluations: 5000} # applied to every point
//   axes:
//     - {key: choices.hidden_size, values: [[128], [256]]}
//     - {key: proxy.alpha, values: [0.0, 0.2, 0.5]}
//   parallel: 2                         # points at once (CPU); GPU points run one by one
//   output: runs/my-sweep
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace zerolm {

struct SweepAxis {
  std::string key;
  std::vector<std::string> values;  // each as flow YAML ("[128, 256]", "0.5")
  bool zip = false;
};

struct SweepPoint {
  std::size_t index = 0;
  std::vector<std::pair<std::string, std::string>> values;  // (key, flow YAML), one per axis
  std::vector<std::string> overrides;                       // "key=value": `set` first, then the axes
  std::string folder() const;                               // "point-007"
};

struct SweepConfig {
  std::string file;  // the sweep file, for messages
  std::string base;  // the base search config (resolved path)
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<SweepAxis> axes;
  std::size_t parallel = 1;
  std::string output;

  // Every point, in order: the grid's last dimension varies fastest.
  std::vector<SweepPoint> points() const;
  // How many points, without building them (saturates at SIZE_MAX).
  std::size_t point_count() const;
};

// Sweeps beyond this many points are refused unless forced (a typo in an axis
// should not start a million searches; docs/RELIABILITY.md).
inline constexpr std::size_t kMaxSweepPoints = 10000;

SweepConfig load_sweep_config(const std::string& path);

}  // namespace zerolm
