#include "engine/runs/sweep.hpp"

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <filesystem>
#include <mutex>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "kernels/weight_statistics.hpp"

namespace zerolm {

namespace {

namespace fs = std::filesystem;

nlohmann::json manifest(const SweepConfig& sweep, const std::vector<SweepPoint>& points) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : points) list.push_back({{"index", p.index}, {"folder", p.folder()}, {"overrides", p.overrides}});
  return {{"sweep_file", sweep.file}, {"base", sweep.base}, {"points", list}};
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void write_summaries(const fs::path& directory, const SweepConfig& sweep, const std::vector<SweepPointResult>& results) {
  nlohmann::json json = nlohmann::json::array();
  std::string csv = "point";
  for (const auto& axis : sweep.axes) csv += "," + csv_field(axis.key);
  csv += ",status,best_score,archive_size,hypervolume,evaluations,seconds,folder,best\n";
  for (const auto& r : results) {
    if (r.status.empty()) continue;  // not run yet
    nlohmann::json values = nlohmann::json::object();
    csv += std::to_string(r.point.index);
    for (const auto& [key, value] : r.point.values) {
      values[key] = parse_yaml(value);
      csv += "," + csv_field(value);
    }
    const auto& s = r.summary;
    json.push_back({{"point", r.point.index}, {"folder", r.point.folder()}, {"values", values}, {"status", r.status},
                    {"best_score", s.best_score}, {"archive_size", s.archive_size}, {"hypervolume", s.hypervolume},
                    {"evaluations", s.evaluations}, {"seconds", s.seconds}, {"best", s.best}});
    csv += fmt::format(",{},{},{},{},{},{},{},{}\n", csv_field(r.status), s.best_score, s.archive_size, s.hypervolume,
                       s.evaluations, s.seconds, r.point.folder(), csv_field(s.best));
  }
  write_text_file_atomic((directory / "summary.json").string(), json.dump(2) + "\n");
  write_text_file_atomic((directory / "summary.csv").string(), csv);
}

}  // namespace

std::vector<SweepPointResult> run_sweep(const SweepConfig& sweep, const SweepRunOptions& options) {
  const fs::path directory = options.directory;
  ZEROLM_CHECK(!options.directory.empty(), "{}: no output folder (set 'output' in the sweep or pass --out DIR)", sweep.file);
  const auto points = sweep.points();

  // Every point's config is read and checked before anything runs.
  std::vector<SearchRunConfig> configs;
  for (const auto& p : points) {
    try {
      configs.push_back(load_search_config(sweep.base, p.overrides));
    } catch (const Error& e) {
      std::string values;
      for (const auto& [key, value] : p.values) values += (values.empty() ? "" : ", ") + key + "=" + value;
      throw e.with_context(fmt::format("{}: point {} ({})", sweep.file, p.index, values));
    }
    configs.back().output = (directory / p.folder()).string();
    if (!options.device.empty()) configs.back().device = options.device;
  }

  // The folder holds this sweep or nothing.
  std::error_code ec;
  fs::create_directories(directory, ec);
  ZEROLM_CHECK(!ec, "{}: cannot create the sweep folder: {}", directory.string(), ec.message());
  const auto expected = manifest(sweep, points);
  const fs::path manifest_path = directory / "sweep.json";
  if (fs::exists(manifest_path)) {
    const auto stored = read_json_file(manifest_path.string());
    ZEROLM_CHECK(stored.value("points", nlohmann::json()) == expected["points"],
                 "{}: the folder holds a different sweep (its points differ from {}'s); use another --out",
                 directory.string(), sweep.file);
  } else {
    write_text_file_atomic(manifest_path.string(), expected.dump(2) + "\n");
  }

  std::vector<const kernels::WeightStatisticsBackend*> backends;
  bool on_gpu = false;
  for (const auto& c : configs) {
    backends.push_back(options.backend(c));
    on_gpu = on_gpu || (c.proxy_options.mode == ProxyMode::sampled && backends.back() != &kernels::cpu_backend());
  }

  if (options.on_start) options.on_start(points.size());
  std::vector<SweepPointResult> results(points.size());
  std::mutex mutex;
  const auto run_point = [&](std::size_t i) {
    SweepPointResult r;
    r.point = points[i];
    try {
      const fs::path folder = configs[i].output;
      if (fs::exists(folder / "run.sqlite") && !RunStore::initialised(folder.string())) {
        // Killed while its store was being created: nothing in it; start over.
        for (const char* name : {"run.sqlite", "run.sqlite-wal", "run.sqlite-shm"}) fs::remove(folder / name);
      }
      if (fs::exists(folder / "run.sqlite")) {
        RunStore store = RunStore::open(folder.string());
        if (store.finished()) {
          r.summary = summarize_run(store);
          r.status = "done earlier";
        } else {
          SearchRunConfig stored = SearchRunConfig::from_json(store.config());
          stored.output = folder.string();
          r.summary = run_stored_search(stored, std::move(store), backends[i]);
          r.status = "resumed";
        }
      } else {
        r.summary = run_stored_search(configs[i], std::nullopt, backends[i]);
        r.status = "finished";
      }
    } catch (const Error& e) {
      r.status = "failed: " + e.message();
    }
    const std::lock_guard lock(mutex);
    results[i] = r;
    write_summaries(directory, sweep, results);
    if (options.on_point) options.on_point(r);
  };
  if (on_gpu || sweep.parallel <= 1) {
    for (std::size_t i = 0; i < points.size(); ++i) run_point(i);
  } else {
    tbb::task_arena arena(static_cast<int>(sweep.parallel));
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, points.size(), 1),
                        [&](const tbb::blocked_range<std::size_t>& range) {
                          for (std::size_t i = range.begin(); i < range.end(); ++i) run_point(i);
                        },
                        tbb::simple_partitioner());
    });
  }
  std::string failed;
  for (const auto& r : results) {
    if (r.status.rfind("failed", 0) == 0) failed += fmt::format("{}point {} {}", failed.empty() ? "" : "; ", r.point.index, r.status);
  }
  ZEROLM_CHECK(failed.empty(), "{}: {} (the other points are stored; run the sweep again to retry)", sweep.file, failed);
  return results;
}

}  // namespace zerolm
