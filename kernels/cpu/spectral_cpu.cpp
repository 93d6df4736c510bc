#include <Eigen/Dense>

#include <vector>

#include "engine/core/error.hpp"
#include "kernels/spectral.hpp"

namespace zerolm::kernels {

namespace {

using RowMajorFloat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

SpectralValues spectral_of_map(const Eigen::Map<const RowMajorFloat>& w, double gain) {
  const Eigen::MatrixXd wd = w.cast<double>();
  // The smaller Gram matrix has the same non-zero eigenvalues and costs less.
  const bool tall = wd.rows() >= wd.cols();
  const Eigen::Index k = tall ? wd.cols() : wd.rows();
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(k, k);
  if (tall) {
    gram.selfadjointView<Eigen::Lower>().rankUpdate(wd.transpose());
  } else {
    gram.selfadjointView<Eigen::Lower>().rankUpdate(wd);
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram, Eigen::EigenvaluesOnly);
  ZEROLM_CHECK(solver.info() == Eigen::Success, "eigensolver did not converge on a {} x {} Gram matrix", k, k);
  const Eigen::VectorXd& eigenvalues = solver.eigenvalues();
  return spectral_from_eigenvalues(eigenvalues.data(), eigenvalues.size(), gain);
}

}  // namespace

SpectralValues spectral_of_matrix(const float* weights, std::int64_t rows, std::int64_t cols, double gain) {
  ZEROLM_CHECK(rows > 0 && cols > 0, "spectral statistics of an empty {} x {} matrix", rows, cols);
  return spectral_of_map(Eigen::Map<const RowMajorFloat>(weights, rows, cols), gain);
}

SpectralValues spectral_of_sampled(Distribution distribution, float std, float cut, std::int64_t rows,
                                   std::int64_t cols, std::uint32_t tensor, std::uint32_t key0, std::uint32_t key1,
                                   double gain) {
  const std::int64_t n = rows * cols;
  std::vector<float> w(static_cast<std::size_t>((n + 3) / 4 * 4));
  for (std::int64_t block = 0; block * 4 < n; ++block) {
    weight_block(distribution, std, cut, static_cast<std::uint64_t>(block), tensor, key0, key1,
                 &w[static_cast<std::size_t>(block * 4)]);
  }
  return spectral_of_matrix(w.data(), rows, cols, gain);
}

}  // namespace zerolm::kernels
