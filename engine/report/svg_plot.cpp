#include "engine/report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace zerolm::report {

namespace {

struct Range {
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  bool empty() const { return !(low <= high); }
};

// 1, 2 or 5 times a power of ten, about `count` steps across the range.
std::vector<double> nice_ticks(double low, double high, int count) {
  // A range too narrow for doubles at its magnitude (1e17 and 1e17 + 16, or one
  // value) is widened relative to it, so that a step moves the value.
  if (!(high - low > 1e-9 * std::max(std::abs(low), std::abs(high)))) {
    const double pad = std::max(1e-6 * std::max(std::abs(low), std::abs(high)), 1.0);
    low -= pad;
    high += pad;
  }
  const double raw = (high - low) / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= raw) {
      step = m * magnitude;
      break;
    }
  }
  // By index, never by accumulation, and never more than a plot can show.
  std::vector<double> ticks;
  const double first = std::ceil(low / step) * step;
  for (int k = 0; k <= 10 * count; ++k) {
    const double t = first + k * step;
    if (!(t <= high + 1e-9 * step)) break;
    ticks.push_back(std::abs(t) < 1e-12 * step ? 0.0 : t);
  }
  return ticks;
}

std::string number(double v) {
  const double a = std::abs(v);
  if (a != 0.0 && (a >= 1e6 || a < 1e-3)) return fmt::format("{:.3g}", v);
  return fmt::format("{:.6g}", v);
}

// A perceptually ordered scale (viridis stops), t in [0, 1].
std::string scale_color(double t) {
  static const std::array<std::array<int, 3>, 5> stops{
      {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}}};
  t = std::clamp(std::isfinite(t) ? t : 0.0, 0.0, 1.0) * 4.0;
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(t), 3);
  const double f = t - static_cast<double>(i);
  std::array<int, 3> c{};
  for (std::size_t k = 0; k < 3; ++k) {
    c[k] = static_cast<int>(std::lround(stops[i][k] + f * (stops[i + 1][k] - stops[i][k])));
  }
  return fmt::format("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
}

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_svg(const Plot& plot) {
  const double left = 78, right = plot.scale_label.empty() ? 20 : 70, top = 46, bottom = 52;
  const double w = plot.width - left - right, h = plot.height - top - bottom;
  Range xr, yr, vr;
  std::size_t points = 0;
  for (const auto& s : plot.series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (plot.log_x && !(s.x[i] > 0)) continue;
      xr.add(plot.log_x ? std::log10(s.x[i]) : s.x[i]);
      yr.add(s.y[i]);
      ++points;
    }
    for (double v : s.values) vr.add(v);
  }
  if (xr.empty()) xr = {0, 1};
  if (yr.empty()) yr = {0, 1};
  const double xpad = (xr.high - xr.low) * 0.04 + (xr.high == xr.low ? 0.5 : 0.0);
  const double ypad = (yr.high - yr.low) * 0.06 + (yr.high == yr.low ? 0.5 : 0.0);
  xr = {xr.low - xpad, xr.high + xpad};
  yr = {yr.low - ypad, yr.high + ypad};
  const auto px = [&](double x) { return left + ((plot.log_x ? std::log10(x) : x) - xr.low) / (xr.high - xr.low) * w; };
  const auto py = [&](double y) { return top + h - (y - yr.low) / (yr.high - yr.low) * h; };

  std::string svg = fmt::format(
      "<svg class=\"plot\" id=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" width=\"{}\" "
      "height=\"{}\" "
      "data-points=\"{}\" role=\"img\" aria-label=\"{}\">\n",
      escape(plot.id), plot.width, plot.height, plot.width, plot.height, points, escape(plot.title));
  svg += fmt::format("<text x=\"{}\" y=\"22\" class=\"title\">{}</text>\n", left, escape(plot.title));
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"frame\"/>\n", left, top, w, h);
  // Ticks and grid.
  if (plot.log_x) {
    // Decades, and 2x and 5x between them when the range spans less than two.
    const bool fine = xr.high - xr.low < 2.0;
    for (int e = static_cast<int>(std::floor(xr.low)); e <= static_cast<int>(std::ceil(xr.high)); ++e) {
      for (double m : fine ? std::vector<double>{1.0, 2.0, 5.0} : std::vector<double>{1.0}) {
        const double value = m * std::pow(10.0, e), position = std::log10(value);
        if (position < xr.low || position > xr.high) continue;
        const double x = left + (position - xr.low) / (xr.high - xr.low) * w;
        svg += fmt::format(
            "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" class=\"grid\"/>"
            "<text x=\"{0:.1f}\" y=\"{3}\" class=\"tick\" text-anchor=\"middle\">{4}</text>\n",
            x, top, top + h, top + h + 16, number(value));
      }
    }
  } else {
    for (double t : nice_ticks(xr.low, xr.high, 6)) {
      svg += fmt::format(
          "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2}\" class=\"grid\"/>"
          "<text x=\"{0:.1f}\" y=\"{3}\" class=\"tick\" text-anchor=\"middle\">{4}</text>\n",
          px(t), top, top + h, top + h + 16, number(t));
    }
  }
  for (double t : nice_ticks(yr.low, yr.high, 6)) {
    svg += fmt::format(
        "<line x1=\"{0}\" x2=\"{1}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" class=\"grid\"/>"
        "<text x=\"{3}\" y=\"{4:.1f}\" class=\"tick\" text-anchor=\"end\">{5}</text>\n",
        left, left + w, py(t), left - 6, py(t) + 4, number(t));
  }
  svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"label\" text-anchor=\"middle\">{}</text>\n", left + w / 2,
                     plot.height - 12, escape(plot.x_label));
  svg += fmt::format(
      "<text x=\"16\" y=\"{0}\" class=\"label\" text-anchor=\"middle\" transform=\"rotate(-90 16 {0})\">{1}</text>\n",
      top + h / 2, escape(plot.y_label));
  // Series.
  for (const auto& s : plot.series) {
    if (s.kind == Series::Kind::line) {
      std::string path;
      std::size_t n = 0;
      for (std::size_t i = 0; i < s.x.size(); ++i) {
        if (plot.log_x && !(s.x[i] > 0)) continue;
        path += fmt::format("{:.1f},{:.1f} ", px(s.x[i]), py(s.y[i]));
        ++n;
      }
      svg += fmt::format(
          "<polyline class=\"line\" data-n=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"/>\n", n,
          s.color, path);
      continue;
    }
    svg += fmt::format("<g class=\"series\" data-name=\"{}\">\n", escape(s.name));
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (plot.log_x && !(s.x[i] > 0)) continue;
      const std::string color = !s.values.empty() && !vr.empty()
                                    ? scale_color(vr.high > vr.low ? (s.values[i] - vr.low) / (vr.high - vr.low) : 0.5)
                                    : s.color;
      const std::string paint = s.ring ? fmt::format("fill=\"none\" stroke=\"{}\" stroke-width=\"2\"", color)
                                       : fmt::format("fill=\"{}\" fill-opacity=\"{}\"", color, s.opacity);
      svg += fmt::format("<circle class=\"pt\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" {}>", px(s.x[i]), py(s.y[i]),
                         s.radius, paint);
      if (i < s.labels.size()) svg += "<title>" + escape(s.labels[i]) + "</title>";
      svg += "</circle>\n";
    }
    svg += "</g>\n";
  }
  // Legend.
  double ly = top + 8;
  for (const auto& s : plot.series) {
    if (s.name.empty()) continue;
    const std::string color = !s.values.empty() ? scale_color(0.6) : s.color;
    svg += s.kind == Series::Kind::line
               ? fmt::format("<line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"2\"/>",
                             left + 10, left + 24, ly, color)
               : fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4\" {}/>", left + 17, ly,
                             s.ring ? fmt::format("fill=\"none\" stroke=\"{}\" stroke-width=\"2\"", color)
                                    : fmt::format("fill=\"{}\"", color));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"legend\">{}</text>\n", left + 30, ly + 4, escape(s.name));
    ly += 16;
  }
  // Colour scale.
  if (!plot.scale_label.empty() && !vr.empty()) {
    const double x = left + w + 18;
    for (int k = 0; k < 20; ++k) {
      svg += fmt::format("<rect x=\"{}\" y=\"{:.1f}\" width=\"14\" height=\"{:.1f}\" fill=\"{}\"/>", x,
                         top + h - (k + 1) * h / 20.0, h / 20.0 + 0.5, scale_color(k / 19.0));
    }
    svg += fmt::format(
        "\n<text x=\"{}\" y=\"{}\" class=\"tick\">{}</text><text x=\"{}\" y=\"{}\" class=\"tick\">{}</text>"
        "<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{}</text>\n",
        x + 17, top + 10, fmt::format("{:.3g}", vr.high), x + 17, top + h, fmt::format("{:.3g}", vr.low), x + 14,
        top - 8, escape(plot.scale_label));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace zerolm::report
