#include "engine/report/html_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>

#include "engine/config/search_config.hpp"
#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"
#include "engine/core/output_file.hpp"
#include "engine/report/svg_plot.hpp"
#include "engine/store/run_store.hpp"

namespace zerolm::report {

namespace {

namespace fs = std::filesystem;

const char* kStyle = R"(
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px 32px; color: #222;
       max-width: 1400px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.meta { color: #555; font-size: 13px; }
.plots { display: flex; flex-wrap: wrap; gap: 16px; }
svg.plot { background: #fff; border: 1px solid #ddd; }
svg .title { font-size: 14px; font-weight: 600; } svg .tick { font-size: 11px; fill: #555; }
svg .label { font-size: 12px; fill: #333; } svg .legend { font-size: 11px; fill: #333; }
svg .grid { stroke: #eee; } svg .frame { fill: none; stroke: #999; }
table { border-collapse: collapse; font-size: 12px; margin-top: 8px; }
td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: right; } th { background: #f4f4f4; }
td.text { text-align: left; font-family: ui-monospace, monospace; }
)";

// Counts what every plot drew; a plot without points is a console error and is
// named on <body data-check>, which the report test reads.
const char* kCheck = R"(
(function () {
  var plots = document.querySelectorAll('svg.plot'), empty = [];
  for (var i = 0; i < plots.length; ++i) {
    var p = plots[i], n = p.querySelectorAll('circle.pt').length, lines = p.querySelectorAll('polyline.line');
    for (var j = 0; j < lines.length; ++j) n += parseInt(lines[j].getAttribute('data-n') || '0', 10);
    p.setAttribute('data-drawn', n);
    if (n === 0) empty.push(p.id);
  }
  if (empty.length) console.error('zerolm report: plots without points: ' + empty.join(', '));
  document.body.setAttribute('data-check', (empty.length ? 'empty:' + empty.join(',') : 'ok') + ':' + plots.length);
})();
)";

std::string page(const std::string& title, const std::string& body) {
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{}</style>"
      "</head>\n<body>\n{}\n<script>{}</script>\n</body></html>\n",
      escape(title), kStyle, body, kCheck);
}

const std::vector<std::string>& palette() {
  static const std::vector<std::string> colors{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  return colors;
}

struct RunData {
  SearchRunConfig config;
  std::unique_ptr<SearchSpace> space;
  SearchState state;
  std::vector<EvaluatedArchitecture> evaluated;
};

RunData read_run(const std::string& directory) {
  const RunStore store = RunStore::open_read_only(directory);
  RunData d;
  d.config = SearchRunConfig::from_json(store.config());
  d.space = d.config.make_space();
  ZEROLM_CHECK(store.has_checkpoint(), "{}: the run has no finished generation yet", directory);
  auto [state, cache] = store.load(*d.space, d.config.search.costs);
  d.state = std::move(state);
  d.evaluated = std::move(cache);
  return d;
}

// The front as a line (sorted by parameters) plus its points.
void add_front(Plot& plot, const ParetoArchive& archive, const std::string& name, const std::string& color) {
  std::vector<std::pair<double, double>> front;
  for (const auto& e : archive.entries())
    front.emplace_back(e.objectives.costs[CostSet::kParameters], e.objectives.proxy);
  std::sort(front.begin(), front.end());
  Series line = Series::make(name, Series::Kind::line, color);
  Series dots = Series::make("", Series::Kind::points, color);
  dots.radius = 2.5;
  for (const auto& [p, s] : front) {
    line.x.push_back(p);
    line.y.push_back(s);
    dots.x.push_back(p);
    dots.y.push_back(s);
  }
  plot.series.push_back(std::move(line));
  plot.series.push_back(std::move(dots));
}

std::string format_parameters(double p) {
  return p >= 1e6 ? fmt::format("{:.2f}M", p / 1e6) : fmt::format("{:.0f}", p);
}

}  // namespace

std::string run_report(const std::string& directory, std::size_t mark_top) {
  const RunData d = read_run(directory);
  const auto& c = d.config;
  // Columns and labels for every cost the run tracked beyond the two parameter
  // counts; the archive's colour is its first such objective, else the first such cost.
  const CostSet& costs = c.search.costs;
  std::vector<std::size_t> shown;
  for (std::size_t k = 0; k < costs.size(); ++k) {
    if (k != CostSet::kParameters && k != CostSet::kNonEmbeddingParameters) shown.push_back(k);
  }
  std::optional<std::size_t> colour;
  for (std::size_t k : costs.objectives()) {
    if (!colour && std::find(shown.begin(), shown.end(), k) != shown.end()) colour = k;
  }
  if (!colour && !shown.empty()) colour = shown.front();
  const auto title = [&](std::size_t k) {
    const CostDescriptor& cost = *costs[k].descriptor;
    return cost.unit.empty() ? cost.words : fmt::format("{} ({})", cost.words, cost.unit);
  };

  Plot front;
  front.id = "pareto-front";
  front.title =
      fmt::format("Pareto front: {} of {} evaluated architectures", d.state.archive.size(), d.evaluated.size());
  front.x_label = "parameters (log scale)";
  front.y_label = fmt::format("{} score", c.proxy);
  front.log_x = true;
  Series all = Series::make("evaluated", Series::Kind::points, "#b8b8b8");
  all.radius = 1.6;
  all.opacity = 0.5;
  const std::size_t stride = std::max<std::size_t>(1, d.evaluated.size() / 4000);  // at most ~4000 grey points
  for (std::size_t i = 0; i < d.evaluated.size(); i += stride) {
    all.x.push_back(d.evaluated[i].parameters());
    all.y.push_back(d.evaluated[i].score);
  }
  front.series.push_back(std::move(all));
  Series members = Series::make("Pareto archive", Series::Kind::points, "#1f77b4");
  members.radius = 3.2;
  for (const auto& e : d.state.archive.entries()) {
    members.x.push_back(e.objectives.costs[CostSet::kParameters]);
    members.y.push_back(e.objectives.proxy);
    if (colour) members.values.push_back(e.objectives.costs[*colour]);
    std::string extra;
    for (std::size_t k : shown) extra += fmt::format(", {:.4g} {}", e.objectives.costs[k], costs[k].descriptor->unit);
    members.labels.push_back(fmt::format("score {:.5g}, {} parameters{}: {}", e.objectives.proxy,
                                         format_parameters(e.objectives.costs[CostSet::kParameters]), extra,
                                         d.space->summary(e.architecture)));
  }
  if (colour) front.scale_label = title(*colour);
  front.series.push_back(std::move(members));
  // What `zerolm export --top K` writes.
  std::vector<EvaluatedArchitecture> top = d.evaluated;
  std::stable_sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.score > b.score; });
  top.resize(std::min(mark_top, top.size()));
  Series marked =
      Series::make(fmt::format("top {} (export --top {})", top.size(), top.size()), Series::Kind::points, "#d62728");
  marked.ring = true;
  marked.radius = 6;
  for (const auto& e : top) {
    marked.x.push_back(e.parameters());
    marked.y.push_back(e.score);
    marked.labels.push_back(d.space->summary(e.architecture));
  }
  if (!top.empty()) front.series.push_back(std::move(marked));

  Plot best, volume;
  best.id = "progress-best";
  best.title = "Best score vs evaluations";
  best.x_label = "evaluations";
  best.y_label = "best score";
  volume.id = "progress-hypervolume";
  volume.title = "Hypervolume vs evaluations";
  volume.x_label = "evaluations";
  volume.y_label = "hypervolume";
  Series best_line = Series::make("", Series::Kind::line, "#1f77b4");
  Series volume_line = Series::make("", Series::Kind::line, "#2ca02c");
  for (const auto& r : d.state.history) {
    best_line.x.push_back(static_cast<double>(r.evaluations));
    best_line.y.push_back(r.best_score);
    volume_line.x.push_back(static_cast<double>(r.evaluations));
    volume_line.y.push_back(r.hypervolume);
  }
  best.series.push_back(std::move(best_line));
  volume.series.push_back(std::move(volume_line));

  std::string table = "<table><tr><th>#</th><th>score</th><th>parameters</th>";
  for (std::size_t k : shown) table += fmt::format("<th>{}</th>", escape(title(k)));
  table += "<th>architecture</th></tr>\n";
  for (std::size_t i = 0; i < top.size(); ++i) {
    table += fmt::format("<tr><td>{}</td><td>{:.6g}</td><td>{}</td>", i + 1, top[i].score,
                         format_parameters(top[i].parameters()));
    for (std::size_t k : shown) table += fmt::format("<td>{:.4g}</td>", top[i].costs[k]);
    table += fmt::format("<td class=\"text\">{}</td></tr>\n", escape(d.space->summary(top[i].architecture)));
  }
  table += "</table>";

  const double seconds = d.state.history.empty() ? 0.0 : d.state.history.back().seconds;
  const std::string body = fmt::format(
      "<h1>zerolm search: {} / {}</h1>\n<p class=\"meta\">{} &middot; proxy {} ({} mode, alpha {:.4g}) &middot; {} "
      "&middot; {} evaluations in {:.2f} s &middot; seed {}</p>\n<h2>Pareto front</h2>\n<div class=\"plots\">{}</div>\n"
      "<h2>Search progress</h2>\n<div class=\"plots\">{}{}</div>\n<h2>Best architectures</h2>\n{}\n",
      escape(c.space), escape(c.protocol), escape(directory), escape(c.proxy), proxy_mode_name(c.proxy_options.mode),
      c.proxy_options.alpha, c.search.strategy == SearchStrategy::evolution ? "regularized evolution" : "random search",
      d.state.evaluations, seconds, c.search.seed, render_svg(front), render_svg(best), render_svg(volume), table);
  return page(fmt::format("zerolm report: {}", directory), body);
}

std::string sweep_report(const std::string& directory) {
  const auto manifest = read_json_file((fs::path(directory) / "sweep.json").string());
  const auto summary = read_json_file((fs::path(directory) / "summary.json").string());
  Plot fronts;
  fronts.id = "sweep-fronts";
  fronts.title = "Pareto fronts, one per sweep point";
  fronts.x_label = "parameters (log scale)";
  fronts.y_label = "score";
  fronts.log_x = true;
  std::string rows;
  std::size_t k = 0;
  for (const auto& point : summary) {
    const fs::path folder = fs::path(directory) / point.at("folder").get<std::string>();
    std::string values;
    for (const auto& [key, value] : point.at("values").items())
      values += fmt::format("{}{}={}", values.empty() ? "" : " ", key, value.dump());
    const std::string color = palette()[k++ % palette().size()];
    if (fs::exists(folder / "run.sqlite")) {
      const RunData d = read_run(folder.string());
      add_front(fronts, d.state.archive, fmt::format("{}: {}", point.at("point").get<int>(), values), color);
    }
    rows += fmt::format(
        "<tr><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{:.6g}</td><td>{}</td>"
        "<td>{:.6g}</td><td>{}</td><td>{:.2f}</td><td class=\"text\">{}</td></tr>\n",
        point.at("point").get<int>(), escape(values), escape(point.at("status").get<std::string>()),
        point.at("best_score").get<double>(), point.at("archive_size").get<std::size_t>(),
        point.at("hypervolume").get<double>(), point.at("evaluations").get<std::size_t>(),
        point.at("seconds").get<double>(), escape(point.at("best").get<std::string>()));
  }
  const std::string body = fmt::format(
      "<h1>zerolm sweep</h1>\n<p class=\"meta\">{} &middot; {} &middot; {} points</p>\n<h2>Fronts</h2>\n"
      "<div class=\"plots\">{}</div>\n<h2>Points</h2>\n<table><tr><th>point</th><th>values</th><th>status</th>"
      "<th>best score</th><th>archive</th><th>hypervolume</th><th>evaluations</th><th>seconds</th><th>best</th></tr>\n"
      "{}</table>\n",
      escape(directory), escape(manifest.value("sweep_file", "")), summary.size(), render_svg(fronts), rows);
  return page(fmt::format("zerolm sweep report: {}", directory), body);
}

std::string rank_report(const RankReport& r) {
  Plot scatter;
  scatter.id = "rank-scatter";
  scatter.title = fmt::format("{} vs {}: Spearman {:.3f}, Kendall {:.3f} (n = {})", r.proxy, r.ground_truth,
                              r.proxy_correlations.spearman, r.proxy_correlations.kendall, r.n);
  scatter.x_label = fmt::format("{} score ({} protocol{})", r.proxy, r.protocol,
                                r.repeats > 0 ? ", first calibration repeat's held-out rows" : "");
  scatter.y_label = r.ground_truth;
  Series points = Series::make("", Series::Kind::points, "#1f77b4");
  for (const RankedRecord& record : r.records) {
    points.x.push_back(record.score);
    points.y.push_back(record.ground_truth);
    points.labels.push_back(record.id);
  }
  points.radius = 3;
  points.opacity = 0.7;
  scatter.series.push_back(std::move(points));
  std::string rows = fmt::format(
      "<tr><td class=\"text\">{} ({})</td><td>{:.3f}</td><td>{:.3f}</td><td>{:.3f}</td></tr>\n", escape(r.proxy),
      escape(r.mode), r.proxy_correlations.spearman, r.proxy_correlations.kendall, r.proxy_correlations.pearson);
  for (const auto& [name, c] : r.baselines) {
    rows +=
        fmt::format("<tr><td class=\"text\">{} (published)</td><td>{:.3f}</td><td>{:.3f}</td><td>{:.3f}</td></tr>\n",
                    escape(name), c.spearman, c.kendall, c.pearson);
  }
  const std::string body = fmt::format(
      "<h1>zerolm rank: {}</h1>\n<p class=\"meta\">protocol {} &middot; {} rows{}{}</p>\n<div "
      "class=\"plots\">{}</div>\n"
      "<h2>Correlations (same rows)</h2>\n<table><tr><th>proxy</th><th>Spearman</th><th>Kendall "
      "tau-b</th><th>Pearson</th>"
      "</tr>\n{}</table>\n",
      escape(r.benchmark), escape(r.protocol), r.n,
      r.alpha != 0.0 ? fmt::format(" &middot; alpha {:.4g}", r.alpha) : "",
      r.repeats > 0 ? fmt::format(" &middot; mean of {} calibration repeats", r.repeats) : "", render_svg(scatter),
      rows);
  return page(fmt::format("zerolm rank: {}", r.benchmark), body);
}

void write_report(const std::string& path, const std::string& html) { write_file_atomic(path, html, "the report"); }

}  // namespace zerolm::report
