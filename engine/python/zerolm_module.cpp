// zerolm._zerolm: the engine from Python (pybind11). The same calls the CLI's
// commands make, on the same registries; zerolm/__init__.py turns the columns
// returned here into NumPy arrays and pandas frames. Long work (sampling,
// scoring, ranking, searching) runs with the GIL released.
#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/calibration/calibrate.hpp"
#include "engine/config/architecture_files.hpp"
#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/parse_number.hpp"
#include "engine/core/resources.hpp"
#include "engine/export/export_formats.hpp"
#include "engine/export/run_export.hpp"
#include "engine/rank/rank.hpp"
#include "engine/runs/stored_search.hpp"
#include "engine/scoring/evaluate.hpp"
#include "engine/store/run_store.hpp"
#include "kernels/weight_statistics.hpp"

namespace py = pybind11;

namespace zerolm::python {

namespace {

// JSON crosses as text through Python's json module: exact for every value
// nlohmann holds, and NaN is refused on the way in (allow_nan=False).
py::object to_python(const nlohmann::json& value) { return py::module_::import("json").attr("loads")(value.dump()); }

nlohmann::json from_python(py::handle value, const std::string& context) {
  std::string text;
  try {
    text = py::module_::import("json").attr("dumps")(value, py::arg("allow_nan") = false).cast<std::string>();
  } catch (py::error_already_set& e) {
    ZEROLM_FAIL("{}: not representable as JSON ({})", context, e.what());
  }
  return parse_json(text, context);
}

std::string hex(std::uint64_t hash) { return fmt::format("{:016x}", hash); }

// A column as a NumPy array (copied: the vector is the caller's).
template <typename T>
py::array_t<T> column(const std::vector<T>& values) {
  return py::array_t<T>(static_cast<py::ssize_t>(values.size()), values.data());
}

// A space, shared by the architectures drawn from or read into it.
struct PySpace {
  std::shared_ptr<const SearchSpace> space;
  nlohmann::json choices = nlohmann::json::object();
};

struct PyArchitecture {
  Architecture architecture;
  std::shared_ptr<const SearchSpace> space;

  nlohmann::json to_json() const {
    return {{"space", space->name()},
            {"protocol", space->protocol()},
            {"hash", hex(architecture.hash())},
            {"architecture", space->to_json(architecture)}};
  }
};

PySpace make_space(const std::string& name, const std::optional<std::string>& protocol, py::object choices) {
  SpaceOptions options;
  if (protocol) options.protocol = *protocol;
  if (!choices.is_none()) {
    options.choices = from_python(choices, "choices");
    ZEROLM_CHECK(options.choices.is_object(), "choices: value {} is not a mapping", options.choices.dump());
  }
  return {std::shared_ptr<const SearchSpace>(make_search_space(name, options)), options.choices};
}

// An export record ({"space", "protocol", "architecture"}), a bare architecture of
// `space`, or a config document a space reads (a Hugging Face config.json).
PyArchitecture architecture_from_json(py::object value, py::object space) {
  nlohmann::json j = py::isinstance<py::str>(value) ? parse_json(value.cast<std::string>(), "from_json")
                                                    : from_python(value, "from_json");
  ZEROLM_CHECK(j.is_object(), "from_json: expected a mapping, got {}", j.type_name());
  if (!space.is_none()) {
    const PySpace& s = space.cast<const PySpace&>();
    if (j.contains("space")) {
      ZEROLM_CHECK(j["space"] == s.space->name(), "from_json: field 'space': value {} is not {}", j["space"].dump(),
                   s.space->name());
    }
    return {s.space->from_json(j.contains("architecture") ? j["architecture"] : j), s.space};
  }
  if (j.contains("space") && j.contains("architecture")) {
    ZEROLM_CHECK(j["space"].is_string(), "from_json: field 'space': value {} is not a space name", j["space"].dump());
    SpaceOptions options;
    if (j.contains("protocol")) {
      ZEROLM_CHECK(j["protocol"].is_string(), "from_json: field 'protocol': value {} is not a protocol name",
                   j["protocol"].dump());
      options.protocol = j["protocol"].get<std::string>();
    }
    std::shared_ptr<const SearchSpace> made(make_search_space(j["space"].get<std::string>(), options));
    return {made->from_json(j["architecture"]), made};
  }
  ArchitectureDocument document;
  try {
    document = read_architecture_document(j);
  } catch (const Error& e) {
    throw e.with_context("from_json (pass space= for a bare architecture)");
  }
  return {document.architecture, std::shared_ptr<const SearchSpace>(std::move(document.space))};
}

// A Hugging Face checkpoint folder (its config.json) or a config file.
PyArchitecture architecture_from_hf(const std::filesystem::path& path) {
  std::filesystem::path file(path);
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) file /= "config.json";
  ArchitectureFile read = read_architecture_file(file.string(), nullptr, false);
  ZEROLM_CHECK(read.kind != "zerolm export" && read.architectures.size() == 1,
               "{}: a zerolm export, not a Hugging Face config (read it with Architecture.from_json)", file.string());
  return {read.architectures.front(), std::shared_ptr<const SearchSpace>(std::move(read.space))};
}

// Keyword options as the CLI's flags: `alpha=0.5` is `--alpha 0.5`.
std::string option_text(py::handle value) {
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  if (py::isinstance<py::int_>(value) || py::isinstance<py::float_>(value)) {
    return py::repr(value).cast<std::string>();
  }
  ZEROLM_FAIL("value {} is not a number, string or bool", py::repr(value).cast<std::string>());
}

struct ProxyCall {
  std::string proxy;
  ProxySetting setting;
  std::string device = "auto";
  bool device_given = false;
};

// `seed` and `device` are the CLI's --seed and --device; every other keyword is
// the proxy's (mode, alpha, its registry options), read by the one proxy parser.
ProxyCall proxy_call(const std::string& proxy, const std::string& mode, const py::kwargs& options,
                     std::map<std::string, std::string>* others = nullptr,
                     const std::vector<std::string>& other_keys = {}) {
  ProxyCall call;
  call.proxy = proxy;
  std::vector<ProxyValue> values{{"mode", mode, "mode"}};
  std::uint64_t seed = 0;
  for (const auto& [key_object, value] : options) {
    const std::string key = key_object.cast<std::string>();
    if (value.is_none()) continue;
    std::string text;
    try {
      text = option_text(value);
    } catch (const Error& e) {
      throw e.with_context(key);
    }
    if (key == "seed") {
      const auto parsed = parse_integer(text, 0, std::numeric_limits<std::int64_t>::max());
      ZEROLM_CHECK(parsed.has_value(), "seed: value {} is not a whole number >= 0", text);
      seed = static_cast<std::uint64_t>(*parsed);
    } else if (key == "device") {
      call.device = text;
      call.device_given = true;
    } else if (others != nullptr && std::find(other_keys.begin(), other_keys.end(), key) != other_keys.end()) {
      (*others)[key] = text;
    } else if (key == "alpha" && text == "heuristic") {
      continue;  // the default
    } else {
      values.push_back({key, text, key});
    }
  }
  call.setting = parse_proxy_setting(proxy, "proxy", values);
  call.setting.options.seed = seed;
  const ProxyDescriptor& d = *call.setting.descriptor;
  ZEROLM_CHECK(!call.device_given || (call.setting.options.mode == ProxyMode::sampled && d.sampled_kernels),
               "device {}: proxy {} {} draws no weights, so nothing runs where device says (pass mode='sampled', or "
               "leave device out)",
               call.device, d.name, d.sampled_kernels ? "in the expected mode" : "reads shapes only and");
  call.setting.options.backend = &sampled_weights_backend(call.device, proxy);
  return call;
}

// Architectures grouped by space and protocol, in first-seen order, with the
// positions they came from. Pointers into the Python objects, which the caller's
// list keeps alive.
struct SpaceGroup {
  std::shared_ptr<const SearchSpace> space;
  std::vector<const Architecture*> architectures;
  std::vector<std::size_t> positions;
};

std::vector<SpaceGroup> group_by_space(const std::vector<const PyArchitecture*>& architectures) {
  std::vector<SpaceGroup> groups;
  for (std::size_t i = 0; i < architectures.size(); ++i) {
    const PyArchitecture& a = *architectures[i];
    SpaceGroup* group = groups.empty() || groups.back().space != a.space ? nullptr : &groups.back();
    for (std::size_t g = 0; group == nullptr && g < groups.size(); ++g) {
      const SearchSpace& s = *groups[g].space;
      if (groups[g].space == a.space || (s.name() == a.space->name() && s.protocol() == a.space->protocol())) {
        group = &groups[g];
      }
    }
    if (group == nullptr) group = &groups.emplace_back(SpaceGroup{a.space, {}, {}});
    group->architectures.push_back(&a.architecture);
    group->positions.push_back(i);
  }
  return groups;
}

std::vector<const PyArchitecture*> architecture_list(py::handle sequence) {
  std::vector<const PyArchitecture*> out;
  if (py::isinstance<PyArchitecture>(sequence)) {
    out.push_back(&sequence.cast<const PyArchitecture&>());
    return out;
  }
  ZEROLM_CHECK(py::isinstance<py::sequence>(sequence) && !py::isinstance<py::str>(sequence),
               "architectures: expected a list of zerolm.Architecture, got {}",
               py::str(py::type::handle_of(sequence).attr("__name__")).cast<std::string>());
  // A list or tuple is read in place; one item costs a type test and a pointer.
  const py::object fast = py::reinterpret_steal<py::object>(PySequence_Fast(sequence.ptr(), "architectures"));
  if (!fast) throw py::error_already_set();
  const auto n = static_cast<std::size_t>(PySequence_Fast_GET_SIZE(fast.ptr()));
  PyObject** items = PySequence_Fast_ITEMS(fast.ptr());
  const auto* type = reinterpret_cast<PyTypeObject*>(py::type::of<PyArchitecture>().ptr());
  out.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    PyObject* item = items[i];
    if (Py_TYPE(item) == type) {
      out[i] = static_cast<const PyArchitecture*>(
          reinterpret_cast<py::detail::instance*>(item)->get_value_and_holder().value_ptr());
      continue;
    }
    ZEROLM_CHECK(py::isinstance<PyArchitecture>(item), "architectures: item {} is a {}, not a zerolm.Architecture", i,
                 py::str(py::type::handle_of(item).attr("__name__")).cast<std::string>());
    out[i] = &py::handle(item).cast<const PyArchitecture&>();
  }
  return out;
}

// Architectures per batch of the parallel loop: the same grain as a search's.
constexpr std::size_t kScoreBatch = 64;

py::array_t<double> score(py::object architectures, const std::string& proxy_name, const std::string& mode,
                          py::kwargs options) {
  const ProxyCall call = proxy_call(proxy_name, mode, options);
  const auto list = architecture_list(architectures);
  py::array_t<double> scores(static_cast<py::ssize_t>(list.size()));
  double* out = scores.mutable_data();
  const auto groups = group_by_space(list);
  {
    py::gil_scoped_release release;
    for (const SpaceGroup& g : groups) {
      ProxyOptions resolved = call.setting.options;
      apply_alpha(call.setting.alpha, *g.space, proxy_name, resolved);  // as `zerolm score`: per space
      const auto proxy = make_proxy(proxy_name, resolved);
      if (groups.size() == 1) {  // in list order: straight into the array
        evaluate_scores(
            *g.space, *proxy, g.architectures.size(),
            [&](std::size_t i) -> const Architecture& { return *g.architectures[i]; },
            std::span<double>(out, list.size()), kScoreBatch);
        continue;
      }
      std::vector<double> group_scores(g.architectures.size());
      evaluate_scores(
          *g.space, *proxy, g.architectures.size(),
          [&](std::size_t i) -> const Architecture& { return *g.architectures[i]; }, group_scores, kScoreBatch);
      for (std::size_t k = 0; k < group_scores.size(); ++k) out[g.positions[k]] = group_scores[k];
    }
  }
  return scores;
}

// The alpha `score` combines with for this space (the heuristic's when not given).
double resolved_alpha(const PySpace& space, const std::string& proxy_name, const std::string& mode,
                      py::kwargs options) {
  const ProxyCall call = proxy_call(proxy_name, mode, options);
  ZEROLM_CHECK(call.setting.descriptor->combines_modules, "proxy {} combines no modules: it has no alpha", proxy_name);
  ProxyOptions resolved = call.setting.options;
  py::gil_scoped_release release;
  apply_alpha(call.setting.alpha, *space.space, proxy_name, resolved);
  return resolved.alpha;
}

// Columns of parameter counts, as `zerolm params`.
py::dict params(py::object architectures) {
  const auto list = architecture_list(architectures);
  const auto groups = group_by_space(list);
  const std::size_t n = list.size();
  std::vector<std::int64_t> total(n), non_embedding(n), attention(n), ffn(n), embedding(n), norm(n), layers(n);
  {
    py::gil_scoped_release release;
    for (const SpaceGroup& g : groups) {
      std::vector<Architecture> copies;
      copies.reserve(g.architectures.size());
      for (const Architecture* a : g.architectures) copies.push_back(*a);
      const auto counts = parameter_breakdowns(*g.space, copies);
      for (std::size_t k = 0; k < counts.size(); ++k) {
        const std::size_t i = g.positions[k];
        total[i] = counts[k].total;
        non_embedding[i] = counts[k].non_embedding();
        attention[i] = counts[k].attention;
        ffn[i] = counts[k].ffn;
        embedding[i] = counts[k].embedding;
        norm[i] = counts[k].norm;
        layers[i] = counts[k].layers;
      }
    }
  }
  std::vector<std::string> hashes(n);
  for (std::size_t i = 0; i < n; ++i) hashes[i] = hex(list[i]->architecture.hash());
  py::dict out;
  out["total"] = column(total);
  out["non_embedding"] = column(non_embedding);
  out["attention"] = column(attention);
  out["ffn"] = column(ffn);
  out["embedding"] = column(embedding);
  out["norm"] = column(norm);
  out["layers"] = column(layers);
  out["hash"] = hashes;
  return out;
}

py::dict correlations(const Correlations& c) {
  py::dict d;
  d["spearman"] = c.spearman;
  d["kendall"] = c.kendall;
  d["pearson"] = c.pearson;
  d["kendall_10pct"] = c.kendall_10pct;
  return d;
}

// `zerolm rank`: the same figures as `rank --json`, and each record's row.
py::dict rank(const std::string& benchmark, const std::string& proxy_name, const std::optional<std::string>& protocol,
              const std::string& mode, py::kwargs options) {
  static const std::vector<std::string> kRankKeys{"format", "baselines", "calibrate_on", "sample", "repeats"};
  std::map<std::string, std::string> rank_options;
  const ProxyCall call = proxy_call(proxy_name, mode, options, &rank_options, kRankKeys);
  RankRequest request;
  request.benchmark = benchmark;
  request.protocol = protocol.value_or("");
  request.format = rank_options.count("format") ? rank_options["format"] : "";
  request.baselines = rank_options.count("baselines") ? rank_options["baselines"] : "";
  request.proxy = proxy_name;
  request.options = call.setting.options;
  request.alpha = call.setting.alpha;
  const bool calibrated = rank_options.count("calibrate_on") > 0;
  ZEROLM_CHECK(calibrated || (!rank_options.count("sample") && !rank_options.count("repeats")),
               "sample and repeats choose calibration records: they need calibrate_on=FILE");
  if (calibrated) {
    ZEROLM_CHECK(request.alpha.kind == AlphaChoice::Kind::heuristic, "alpha and calibrate_on exclude each other");
    request.alpha.kind = AlphaChoice::Kind::calibrated;
    CalibrationRequest c;
    c.file = rank_options["calibrate_on"];
    // The CLI's bounds (--sample 1..1e7, --repeats 1..10000).
    struct Count {
      const char* key;
      std::size_t* target;
      std::int64_t maximum;
    };
    for (const Count& count : {Count{"sample", &c.sample, 10000000}, Count{"repeats", &c.repeats, 10000}}) {
      if (!rank_options.count(count.key)) continue;
      const auto parsed = parse_integer(rank_options[count.key], 1, count.maximum);
      ZEROLM_CHECK(parsed.has_value(), "{}: value {} is not a whole number in 1..{}", count.key,
                   rank_options[count.key], count.maximum);
      *count.target = static_cast<std::size_t>(*parsed);
    }
    request.calibration = c;
  }
  RankReport r;
  {
    py::gil_scoped_release release;
    r = rank_benchmark(request);
  }
  const bool combines = proxy_combines_modules(r.proxy);
  py::dict out;
  out["n"] = r.n;
  out["benchmark"] = r.benchmark;
  out["protocol"] = r.protocol;
  out["proxy"] = r.proxy;
  out["mode"] = r.mode;
  out["ground_truth"] = r.ground_truth;
  for (const auto& [key, value] : correlations(r.proxy_correlations)) out[key] = value;
  out["seconds_per_arch"] = r.seconds_per_arch;
  out["alpha"] = combines ? py::object(py::float_(r.alpha)) : py::object(py::none());
  if (r.repeats > 0) {
    out["spearman_sd"] = r.spearman_sd;
    out["kendall_sd"] = r.kendall_sd;
    if (combines) out["alpha_sd"] = r.alpha_sd;
  }
  py::dict baselines;
  for (const auto& [name, c] : r.baselines) baselines[py::str(name)] = correlations(c);
  out["baselines"] = baselines;
  py::dict undefined;
  for (const auto& [name, why] : r.undefined_baselines) undefined[py::str(name)] = why;
  out["undefined_baselines"] = undefined;
  std::vector<std::string> ids, hashes;
  std::vector<double> truths, scores, parameters;
  for (const RankedRecord& record : r.records) {
    ids.push_back(record.id);
    hashes.push_back(hex(record.hash));
    truths.push_back(record.ground_truth);
    scores.push_back(record.score);
    parameters.push_back(record.parameters);
  }
  py::dict records;
  records["id"] = ids;
  records["hash"] = hashes;
  records["ground_truth"] = column(truths);
  records["score"] = column(scores);
  records["parameters"] = column(parameters);
  out["records"] = records;
  return out;
}

py::dict summary_dict(const SearchSummary& s) {
  py::dict d;
  d["directory"] = s.directory;
  d["best_score"] = s.best_score;
  d["best"] = s.best;
  d["archive_size"] = s.archive_size;
  d["hypervolume"] = s.hypervolume;
  d["evaluations"] = s.evaluations;
  d["seconds"] = s.seconds;
  d["finished"] = s.finished;
  return d;
}

// One search, as `zerolm search`: a config (YAML/JSON text, named `name`) and
// `--set` overrides, or `resume` a stored run. `progress(generation, evaluations,
// best, hypervolume)` runs with the GIL after each logged generation; Ctrl-C (or
// an exception in `progress`) stops the run after the generation it is in, and
// the interrupt is raised once the store is consistent.
py::dict search(const std::optional<std::string>& config_text, const std::string& name,
                const std::vector<std::string>& overrides, const std::optional<std::string>& out,
                const std::optional<std::string>& resume, const std::optional<std::string>& device, bool overwrite,
                py::object progress) {
  ZEROLM_CHECK(config_text.has_value() != resume.has_value(), "search takes a config or resume=DIR (one of them)");
  ZEROLM_CHECK(!overwrite || !resume, "overwrite and resume exclude each other: overwrite starts the run again");
  SearchRunConfig c;
  std::optional<RunStore> store;
  if (resume) {
    store.emplace(RunStore::open(*resume));
    c = resumed_search_config(*store, overrides);
  } else {
    c = parse_search_config(*config_text, name, overrides);
    if (out) c.output = *out;
    ZEROLM_CHECK(!c.output.empty(), "{}: no output folder: set 'output' in the config or pass out=DIR", name);
    if (overwrite) RunStore::remove(c.output);
  }
  if (device) c.device = *device;
  const auto* backend = &sampled_weights_backend(c.device, c.proxy);

  std::exception_ptr failure;  // from `progress`, raised when the search has stopped
  bool interrupted = false;
  const auto on_generation = [&](const GenerationRecord& r, double) {
    if (progress.is_none() || failure) return;
    py::gil_scoped_acquire gil;
    try {
      progress(r.generation, r.evaluations, r.best_score, r.hypervolume);
    } catch (py::error_already_set& e) {
      // Ctrl-C while Python code runs arrives as KeyboardInterrupt here.
      if (e.matches(PyExc_KeyboardInterrupt)) {
        interrupted = true;
      } else {
        failure = std::current_exception();
      }
    }
  };
  const auto stop = [&] {
    if (failure || interrupted) return true;
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      PyErr_Clear();
      interrupted = true;
    }
    return interrupted;
  };
  SearchSummary s;
  {
    py::gil_scoped_release release;
    s = run_stored_search(c, std::move(store), backend, on_generation, stop);
  }
  if (failure) std::rethrow_exception(failure);
  if (interrupted) {
    PyErr_SetString(PyExc_KeyboardInterrupt,
                    fmt::format("zerolm: interrupted after {} evaluations; the run in {} continues with "
                                "zerolm.search(resume='{}')",
                                s.evaluations, s.directory, s.directory)
                        .c_str());
    throw py::error_already_set();
  }
  return summary_dict(s);
}

RunSelection selection_of(const std::string& kind, std::size_t top, std::optional<std::int64_t> island) {
  RunSelection s;
  if (kind == "pareto") {
    s.kind = RunSelection::Kind::pareto;
  } else if (kind == "top") {
    s.kind = RunSelection::Kind::top;
    ZEROLM_CHECK(top >= 1, "top: value {} must be at least 1", top);
    s.top = top;
  } else if (kind == "population") {
    s.kind = RunSelection::Kind::population;
  } else {
    ZEROLM_ASSERT(false, "selection '{}' is none of pareto, top, population", kind);
  }
  s.island = island;
  return s;
}

// The export table of a run's selection: the csv export's columns and cells.
py::dict run_table(const std::string& directory, const std::string& kind, std::size_t top,
                   std::optional<std::int64_t> island) {
  ExportTable table;
  {
    py::gil_scoped_release release;
    const SelectedArchitectures selected = select_from_run(directory, selection_of(kind, top, island));
    table = export_table(*selected.space, selected.config, selected.chosen);
  }
  py::dict out;
  out["columns"] = table.columns;
  nlohmann::json rows = nlohmann::json::array();
  for (auto& row : table.rows) rows.push_back(std::move(row));
  out["rows"] = to_python(rows);
  return out;
}

void run_export_to(const std::string& directory, const std::string& kind, std::size_t top,
                   std::optional<std::int64_t> island, const std::string& format, const std::string& out,
                   std::optional<std::uint64_t> seed, bool weights) {
  RunExport request;
  request.format = format;
  request.out = out;
  request.seed = seed;
  request.weights = weights;
  py::gil_scoped_release release;
  export_run(directory, selection_of(kind, top, island), request);
}

py::dict run_info(const std::string& directory) {
  const RunStore store = RunStore::open_read_only(directory);
  py::dict out;
  out["config"] = to_python(store.config());
  out["islands"] = store.islands();
  out["summary"] = summary_dict(summarize_run(store));
  return out;
}

}  // namespace

}  // namespace zerolm::python

PYBIND11_MODULE(_zerolm, m) {
  using namespace zerolm;
  using namespace zerolm::python;
  m.doc() = "zerolm's engine (use the zerolm package, not this module)";

  // zerolm.Error: the CLI's one-line message, as a ValueError.
  static py::exception<Error> error(m, "Error", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      error(e.user_line().c_str());
    } catch (const InternalError& e) {
      PyErr_SetString(PyExc_RuntimeError,
                      fmt::format("zerolm: internal error: {} [{}]; this is a bug in zerolm, not in the input",
                                  e.what(), e.origin())
                          .c_str());
    }
  });

  m.def("spaces", &search_space_names, "The search spaces (registry order)");
  m.def("proxies", &proxy_names, "The proxies (registry order)");
  m.def("space_protocols", [](const std::string& name) {
    std::vector<std::string> out;
    for (const auto& p : search_space_descriptor(name).protocols) out.push_back(p.name);
    return out;
  });

  py::class_<PySpace>(m, "Space")
      .def(py::init(&make_space), py::arg("name"), py::arg("protocol") = py::none(), py::arg("choices") = py::none())
      .def_property_readonly("name", [](const PySpace& s) { return std::string(s.space->name()); })
      .def_property_readonly("protocol", [](const PySpace& s) { return std::string(s.space->protocol()); })
      .def_property_readonly("choices", [](const PySpace& s) { return to_python(s.choices); })
      .def_property_readonly("size",
                             [](const PySpace& s) -> py::object {
                               const auto size = s.space->size();
                               return size ? py::object(py::int_(*size)) : py::object(py::none());
                             })
      .def(
          "sample",
          [](const PySpace& s, std::size_t n, std::uint64_t seed) {
            // As `zerolm score --sample`: each held architecture costs about 1 KiB
            // (here with its Python object); refused, not attempted, past memory.
            check_fits_in_memory(static_cast<double>(n) * 1024.0, fmt::format("sample({})", n));
            std::vector<Architecture> drawn;
            {
              py::gil_scoped_release release;
              drawn = sample_architectures(*s.space, n, seed);
            }
            py::list out(n);
            for (std::size_t i = 0; i < n; ++i) {
              out[i] = py::cast(PyArchitecture{std::move(drawn[i]), s.space});
            }
            return out;
          },
          py::arg("n"), py::arg("seed") = 0, "n architectures, as `zerolm score --sample n --seed seed` draws them")
      .def("alpha", &resolved_alpha, py::arg("proxy") = "zerolm", py::arg("mode") = "expected",
           "The alpha score() combines modules with on this space (the data-free heuristic unless alpha= is given)")
      .def("__repr__", [](const PySpace& s) {
        return fmt::format("zerolm.Space('{}', protocol='{}')", s.space->name(), s.space->protocol());
      });

  py::class_<PyArchitecture>(m, "Architecture")
      .def_static("from_json", &architecture_from_json, py::arg("value"), py::arg("space") = py::none(),
                  "An export record, a to_dict() result, a config document (a Hugging Face config.json's "
                  "contents), or with space= a bare architecture; a dict or JSON text")
      .def_static("from_hf", &architecture_from_hf, py::arg("path"),
                  "A Hugging Face checkpoint folder (its config.json) or config file")
      .def_property_readonly("hash", [](const PyArchitecture& a) { return hex(a.architecture.hash()); })
      .def_property_readonly("space",
                             [](const PyArchitecture& a) {
                               return PySpace{a.space, {}};
                             })
      .def_property_readonly("summary", [](const PyArchitecture& a) { return a.space->summary(a.architecture); })
      .def("to_dict", [](const PyArchitecture& a) { return to_python(a.to_json()); })
      .def("__eq__",
           [](const PyArchitecture& a, py::object other) {
             return py::isinstance<PyArchitecture>(other) &&
                    a.architecture == other.cast<const PyArchitecture&>().architecture &&
                    a.space->protocol() == other.cast<const PyArchitecture&>().space->protocol();
           })
      .def("__hash__", [](const PyArchitecture& a) { return static_cast<py::ssize_t>(a.architecture.hash() >> 1); })
      .def("__repr__", [](const PyArchitecture& a) {
        return fmt::format("zerolm.Architecture({}, {}: {})", hex(a.architecture.hash()), a.space->name(),
                           a.space->summary(a.architecture));
      });

  m.def("score", &score, py::arg("architectures"), py::arg("proxy") = "zerolm", py::arg("mode") = "expected");
  m.def("params", &params, py::arg("architectures"));
  m.def("rank", &rank, py::arg("benchmark"), py::arg("proxy") = "zerolm", py::arg("protocol") = py::none(),
        py::arg("mode") = "expected");
  m.def("search", &search, py::arg("config_text"), py::arg("name"), py::arg("overrides"), py::arg("out"),
        py::arg("resume"), py::arg("device"), py::arg("overwrite"), py::arg("progress"));
  m.def("run_table", &run_table, py::arg("directory"), py::arg("kind"), py::arg("top") = 0,
        py::arg("island") = py::none());
  m.def("run_export", &run_export_to, py::arg("directory"), py::arg("kind"), py::arg("top"), py::arg("island"),
        py::arg("format"), py::arg("out"), py::arg("seed"), py::arg("weights"));
  m.def("run_info", &run_info, py::arg("directory"));
  m.def("export_formats", [] {
    std::vector<std::string> names;
    for (const auto& f : export_format_registry()) names.push_back(f.name);
    return names;
  });
}
