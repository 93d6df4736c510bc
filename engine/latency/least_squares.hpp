// Least squares on relative error, shared by the latency models' fits: the x that
// minimises sum_r ((a_r . x - y_r) / y_r)^2 + ridge * |x|^2 (ridge relative to the
// mean diagonal, so a term no record determines gets 0 instead of a failure).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace zerolm {

// One record: its non-zero coefficients (unknown index, value) and its measurement.
struct SparseRow {
  std::vector<std::pair<std::size_t, double>> terms;
  double measured = 0.0;
};

std::vector<double> relative_least_squares(std::span<const SparseRow> rows, std::size_t unknowns, double ridge);

// The same with every constant at least 0, by an active set: fit the free terms,
// pin the most negative at 0, refit. `terms[r]` are record r's values of every
// term; a term no record moves (or one collinear with others) shares its weight
// through the tiny ridge instead of failing. Returns one constant per term;
// `what` names the fit in errors ("latency fit").
std::vector<double> nonnegative_relative_least_squares(std::span<const std::vector<double>> terms,
                                                       std::span<const double> measured, double ridge,
                                                       const char* what);

// A fitted latency cost: rounding residue around zero (|value| below 1e-9 of the
// largest cost) becomes 0; a clearly negative cost means the records do not
// determine that term, and is an error naming it.
double nonnegative_cost(double value, double largest, const std::string& term);

}  // namespace zerolm
