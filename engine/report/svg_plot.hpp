// Small, dependency-free SVG charts for the HTML report: scatter and line
// series on linear or log axes with nice ticks, a legend, and an optional colour
// scale. Every point is a <circle class="pt">, every line a <polyline
// class="line" data-n="...">, so a page check can count what each plot drew.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace zerolm::report {

struct Series {
  enum class Kind { points, line };
  std::string name;
  Kind kind = Kind::points;
  std::string color = "#1f77b4";  // ignored for points with `values` (the colour scale)
  std::vector<double> x, y;
  std::vector<double> values;       // optional: colours points on the plot's scale
  std::vector<std::string> labels;  // optional: a tooltip per point
  double radius = 3.0;
  double opacity = 0.9;
  bool ring = false;  // drawn as rings (marked points)

  static Series make(std::string name, Kind kind, std::string color) {
    Series s;
    s.name = std::move(name);
    s.kind = kind;
    s.color = std::move(color);
    return s;
  }
};

struct Plot {
  std::string id;
  std::string title;
  std::string x_label, y_label;
  bool log_x = false;
  std::string scale_label;  // the colour scale's name, when a series has values
  std::vector<Series> series;
  int width = 620, height = 420;
};

std::string render_svg(const Plot& plot);

// Text safe inside HTML/SVG.
std::string escape(const std::string& text);

}  // namespace zerolm::report
