#include "engine/runs/sweep.hpp"

#include <fmt/format.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/output_file.hpp"
#include "engine/core/resources.hpp"
#include "engine/distributed/communicator.hpp"
#include "engine/runs/run_setup.hpp"
#include "kernels/weight_statistics.hpp"

namespace zerolm {

namespace {

namespace fs = std::filesystem;

// An exclusive lock on a file of the sweep folder, held while the sweep runs.
class FolderLock {
 public:
  FolderLock() = default;
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  void take(const fs::path& path, const std::string& folder) {
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ >= 0 && fd_ <= 2) {  // never a standard descriptor (closed stdout)
      const int moved = fcntl(fd_, F_DUPFD_CLOEXEC, 3);
      ::close(fd_);
      fd_ = moved;
    }
    ZEROLM_CHECK(fd_ >= 0, "{}: cannot open {}: {}", folder, path.string(), std::strerror(errno));
    ZEROLM_CHECK(flock(fd_, LOCK_EX | LOCK_NB) == 0,
                 "{}: another zerolm sweep is running in this folder (it holds {}); wait for it or use another --out",
                 folder, path.string());
  }

 private:
  int fd_ = -1;
};

// The keys in which two effective configs differ ("proxy.alpha, seed"), or
// empty when they are the same run; where they write to and run on aside.
std::string config_difference(const SearchRunConfig& stored, const SearchRunConfig& wanted) {
  nlohmann::json a = stored.to_json(), b = wanted.to_json();
  for (auto* c : {&a, &b}) {
    c->erase("output");
    c->erase("device");
  }
  std::string keys;
  for (const auto& [key, value] : a.items()) {
    if (b.contains(key) && b[key] == value) continue;
    if (value.is_object() && b.contains(key) && b[key].is_object()) {
      for (const auto& [inner, inner_value] : value.items()) {
        if (!b[key].contains(inner) || b[key][inner] != inner_value)
          keys += (keys.empty() ? "" : ", ") + key + "." + inner;
      }
      for (const auto& [inner, inner_value] : b[key].items()) {
        if (!value.contains(inner)) keys += (keys.empty() ? "" : ", ") + key + "." + inner;
      }
    } else {
      keys += (keys.empty() ? "" : ", ") + key;
    }
  }
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key)) keys += (keys.empty() ? "" : ", ") + key;
  }
  return keys.empty() ? "" : keys + " differ";
}

nlohmann::json manifest(const SweepConfig& sweep, const std::vector<SweepPoint>& points) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : points) list.push_back({{"index", p.index}, {"folder", p.folder()}, {"overrides", p.overrides}});
  return {{"sweep_file", sweep.file}, {"base", sweep.base}, {"points", list}};
}

void write_summaries(const fs::path& directory, const SweepConfig& sweep,
                     const std::vector<SweepPointResult>& results) {
  nlohmann::json json = nlohmann::json::array();
  std::string csv = "point";
  for (const auto& axis : sweep.axes) csv += "," + csv_field(axis.key);
  csv += ",status,best_score,archive_size,hypervolume,evaluations,seconds,folder,best\n";
  for (const auto& r : results) {
    if (r.status.empty()) continue;  // not run yet
    nlohmann::json values = nlohmann::json::object();
    csv += std::to_string(r.point.index);
    for (const auto& [key, value] : r.point.values) {
      values[key] = parse_yaml(value, "sweep axis " + key);
      csv += "," + csv_field(value);
    }
    const auto& s = r.summary;
    json.push_back({{"point", r.point.index},
                    {"folder", r.point.folder()},
                    {"values", values},
                    {"status", r.status},
                    {"best_score", s.best_score},
                    {"archive_size", s.archive_size},
                    {"hypervolume", s.hypervolume},
                    {"evaluations", s.evaluations},
                    {"seconds", s.seconds},
                    {"best", s.best}});
    csv += fmt::format(",{},{},{},{},{},{},{},{}\n", csv_field(r.status), s.best_score, s.archive_size, s.hypervolume,
                       s.evaluations, s.seconds, r.point.folder(), csv_field(s.best));
  }
  write_file_atomic((directory / "summary.json").string(), json.dump(2) + "\n");
  write_file_atomic((directory / "summary.csv").string(), csv);
}

nlohmann::json result_json(const SweepPointResult& r) {
  const auto& s = r.summary;
  return {{"index", r.point.index},
          {"status", r.status},
          {"directory", s.directory},
          {"best_score", s.best_score},
          {"best", s.best},
          {"archive_size", s.archive_size},
          {"hypervolume", s.hypervolume},
          {"evaluations", s.evaluations},
          {"seconds", s.seconds},
          {"finished", s.finished}};
}

void read_result(const nlohmann::json& j, SweepPointResult& r) {
  r.status = j.at("status").get<std::string>();
  auto& s = r.summary;
  s.directory = j.at("directory").get<std::string>();
  s.best_score = j.at("best_score").get<double>();
  s.best = j.at("best").get<std::string>();
  s.archive_size = j.at("archive_size").get<std::size_t>();
  s.hypervolume = j.at("hypervolume").get<double>();
  s.evaluations = j.at("evaluations").get<std::size_t>();
  s.seconds = j.at("seconds").get<double>();
  s.finished = j.at("finished").get<bool>();
}

}  // namespace

std::vector<SweepPointResult> run_sweep(const SweepConfig& sweep, const SweepRunOptions& options) {
  const fs::path directory = options.directory;
  ZEROLM_CHECK(!options.directory.empty(), "{}: no output folder (set 'output' in the sweep or pass --out DIR)",
               sweep.file);
  Communicator* const communicator = options.communicator;
  const int rank = communicator != nullptr ? communicator->rank() : 0;
  const int ranks = communicator != nullptr ? communicator->size() : 1;
  std::vector<SweepPoint> points;
  std::vector<SearchRunConfig> configs;
  std::vector<bool> restart;  // points whose stored run had another config
  std::exception_ptr failure;
  FolderLock sweep_lock;
  try {
    const std::size_t count = sweep.point_count();
    ZEROLM_CHECK(options.force || count <= kMaxSweepPoints,
                 "{}: the sweep has {} points, more than {}; check its axes, or pass --force to run them all",
                 sweep.file, count, kMaxSweepPoints);
    check_fits_in_memory(static_cast<double>(count) * 16384.0,
                         fmt::format("{}: a sweep of {} points", sweep.file, count));
    points = sweep.points();
    restart.assign(points.size(), false);
    // Every point's config is read and checked before anything runs.
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
    if (rank == 0) {
      // A second sweep in the same folder would interleave its summaries with this one's.
      sweep_lock.take(directory / "sweep.lock", directory.string());
      const fs::path manifest_path = directory / "sweep.json";
      if (fs::exists(manifest_path)) {
        const auto stored = read_json_file(manifest_path.string());
        ZEROLM_CHECK(stored.value("points", nlohmann::json()) == expected["points"],
                     "{}: the folder holds a different sweep (its points differ from {}'s); use another --out",
                     directory.string(), sweep.file);
      } else {
        write_file_atomic(manifest_path.string(), expected.dump(2) + "\n");
      }
    }
    // Every rank: a point that ran before ran this point's effective config, or the base
    // config or the sweep changed since: refused (or restarted) before anything runs.
    std::string changed;
    for (std::size_t i = 0; i < points.size(); ++i) {
      const fs::path folder = configs[i].output;
      if (!RunStore::initialised(folder.string())) continue;
      SearchRunConfig wanted = configs[i];
      prepare_new_run(wanted);
      const std::string difference =
          config_difference(SearchRunConfig::from_json(RunStore::open_read_only(folder.string()).config()), wanted);
      if (difference.empty()) continue;
      restart[i] = true;
      if (changed.size() < 400) changed += fmt::format("{}point {} ({})", changed.empty() ? "" : "; ", i, difference);
    }
    ZEROLM_CHECK(changed.empty() || options.restart_changed,
                 "{}: stored points were run with another config: {}; the base config or the sweep changed since. "
                 "Run the sweep with --restart-changed to start them again, or use another --out",
                 directory.string(), changed);
  } catch (const Error&) {
    failure = std::current_exception();
  }
  // Every rank starts, or none: rank 0 reports a bad sweep or folder.
  if (communicator != nullptr && !communicator->all(failure == nullptr)) {
    stop_after_rank_zero_reports(*communicator, failure,
                                 sweep.file + ": another rank could not read the sweep or its folder");
  }
  if (failure != nullptr) std::rethrow_exception(failure);

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
      const bool changed = restart[i];
      if (changed) {
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
        r.status = changed ? "finished (restarted: its config had changed)" : "finished";
      }
    } catch (const Error& e) {
      r.status = "failed: " + e.message();
    }
    const std::lock_guard lock(mutex);
    results[i] = r;
    if (rank == 0) write_summaries(directory, sweep, results);
    if (options.on_point) options.on_point(r);
  };
  std::vector<std::size_t> mine;  // this rank's points
  for (std::size_t i = static_cast<std::size_t>(rank); i < points.size(); i += static_cast<std::size_t>(ranks))
    mine.push_back(i);
  if (on_gpu || sweep.parallel <= 1) {
    for (std::size_t i : mine) run_point(i);
  } else {
    tbb::task_arena arena(static_cast<int>(sweep.parallel));
    arena.execute([&] {
      tbb::parallel_for(
          tbb::blocked_range<std::size_t>(0, mine.size(), 1),
          [&](const tbb::blocked_range<std::size_t>& range) {
            for (std::size_t k = range.begin(); k < range.end(); ++k) run_point(mine[k]);
          },
          tbb::simple_partitioner());
    });
  }
  if (communicator != nullptr && ranks > 1) {
    // Rank 0 collects every rank's points and writes the summaries.
    nlohmann::json done = nlohmann::json::array();
    for (std::size_t i : mine) done.push_back(result_json(results[i]));
    const auto parts = communicator->gather(done.dump(), 0);
    if (rank != 0) return results;
    for (const auto& part : parts) {
      for (const auto& j : nlohmann::json::parse(part)) read_result(j, results.at(j.at("index").get<std::size_t>()));
    }
    write_summaries(directory, sweep, results);
  }
  std::string failed;
  for (const auto& r : results) {
    if (r.status.rfind("failed", 0) == 0)
      failed += fmt::format("{}point {} {}", failed.empty() ? "" : "; ", r.point.index, r.status);
  }
  ZEROLM_CHECK(failed.empty(), "{}: {} (the other points are stored; run the sweep again to retry)", sweep.file,
               failed);
  return results;
}

}  // namespace zerolm
