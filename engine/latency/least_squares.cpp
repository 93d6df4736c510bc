#include "engine/latency/least_squares.hpp"

#include <cmath>

#include "engine/core/error.hpp"

namespace zerolm {

std::vector<double> relative_least_squares(std::span<const SparseRow> rows, std::size_t unknowns, double ridge) {
  ZEROLM_CHECK(unknowns > 0, "latency fit: nothing to fit");
  // Normal equations in fp64: (A^T W A + ridge) x = A^T W y, W = 1 / y^2.
  const std::size_t n = unknowns;
  std::vector<double> a(n * (n + 1), 0.0);
  const auto at = [&](std::size_t r, std::size_t c) -> double& { return a[r * (n + 1) + c]; };
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const SparseRow& row = rows[r];
    ZEROLM_CHECK(row.measured > 0, "latency fit: record {} has latency {} ms", r, row.measured);
    const double w = 1.0 / (row.measured * row.measured);
    for (const auto& [i, xi] : row.terms) {
      ZEROLM_CHECK(i < n, "latency fit: term {} of {}", i, n);
      for (const auto& [j, xj] : row.terms) at(i, j) += w * xi * xj;
      at(i, n) += w * xi * row.measured;
    }
  }
  double mean_diagonal = 0.0;
  for (std::size_t i = 0; i < n; ++i) mean_diagonal += at(i, i) / static_cast<double>(n);
  for (std::size_t i = 0; i < n; ++i) at(i, i) += at(i, i) == 0.0 ? 1.0 : ridge * mean_diagonal;
  // Gauss-Jordan with partial pivoting (the systems are small: a few to a few hundred).
  for (std::size_t c = 0; c < n; ++c) {
    std::size_t pivot = c;
    for (std::size_t r = c + 1; r < n; ++r) {
      if (std::abs(at(r, c)) > std::abs(at(pivot, c))) pivot = r;
    }
    if (pivot != c) {
      for (std::size_t k = 0; k <= n; ++k) std::swap(at(c, k), at(pivot, k));
    }
    ZEROLM_CHECK(std::abs(at(c, c)) > 1e-300, "latency fit: the records do not determine term {}", c);
    for (std::size_t r = 0; r < n; ++r) {
      if (r == c || at(r, c) == 0.0) continue;
      const double f = at(r, c) / at(c, c);
      for (std::size_t k = c; k <= n; ++k) at(r, k) -= f * at(c, k);
    }
  }
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = at(i, n) / at(i, i);
  return x;
}

}  // namespace zerolm

namespace zerolm {

double nonnegative_cost(double value, double largest, const std::string& term) {
  if (value >= 0.0) return value;
  ZEROLM_CHECK(value > -1e-9 * std::abs(largest),
               "the fit gives term {} a negative cost ({} ms): the records do not determine it; fit on more varied "
               "records",
               term, value);
  return 0.0;
}

}  // namespace zerolm

namespace zerolm {

std::vector<double> nonnegative_relative_least_squares(std::span<const std::vector<double>> terms,
                                                       std::span<const double> measured, double ridge,
                                                       const char* what) {
  ZEROLM_CHECK(!terms.empty() && terms.size() == measured.size(), "{}: {} records for {} measurements", what,
               terms.size(), measured.size());
  const std::size_t count = terms.front().size();
  std::vector<bool> active(count, true);
  for (;;) {
    std::vector<std::size_t> index;
    for (std::size_t k = 0; k < count; ++k) {
      if (active[k]) index.push_back(k);
    }
    ZEROLM_CHECK(!index.empty(), "{}: no term has a non-negative constant on these records", what);
    std::vector<SparseRow> rows(terms.size());
    for (std::size_t r = 0; r < terms.size(); ++r) {
      for (std::size_t j = 0; j < index.size(); ++j) {
        if (terms[r][index[j]] != 0.0) rows[r].terms.emplace_back(j, terms[r][index[j]]);
      }
      rows[r].measured = measured[r];
    }
    const std::vector<double> solution = relative_least_squares(rows, index.size(), ridge);
    std::size_t worst = index.size();
    for (std::size_t j = 0; j < index.size(); ++j) {
      if (solution[j] < 0.0 && (worst == index.size() || solution[j] < solution[worst])) worst = j;
    }
    if (worst == index.size()) {
      std::vector<double> constants(count, 0.0);
      for (std::size_t j = 0; j < index.size(); ++j) constants[index[j]] = solution[j];
      return constants;
    }
    active[index[worst]] = false;
  }
}

}  // namespace zerolm
