// Least squares on relative error, shared by the latency models' fits: the x that
// minimises sum_r ((a_r . x - y_r) / y_r)^2 + ridge * |x|^2 (ridge relative to the
// mean diagonal, so a term no record determines gets 0 instead of a failure).
#pragma once

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

namespace zerolm {

// One record: its non-zero coefficients (unknown index, value) and its measurement.
struct SparseRow {
  std::vector<std::pair<std::size_t, double>> terms;
  double measured = 0.0;
};

std::vector<double> relative_least_squares(std::span<const SparseRow> rows, std::size_t unknowns, double ridge);

}  // namespace zerolm
