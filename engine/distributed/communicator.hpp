// The few collective operations a distributed search needs, behind a plain C++
// interface so that only one translation unit includes MPI and the build works
// without it. Messages are byte strings (CBOR-encoded JSON in practice).
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace zerolm {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // The rank among the processes on this node (picks the node's GPU).
  virtual int local_rank() const = 0;
  virtual int local_size() const = 0;
  // Root's bytes, on every rank.
  virtual std::string broadcast(const std::string& bytes, int root) = 0;
  // At root: every rank's bytes, by rank; elsewhere: nothing.
  virtual std::vector<std::string> gather(const std::string& bytes, int root) = 0;
  // Sends to rank + 1 and receives from rank - 1 (a ring).
  virtual std::string ring_shift(const std::string& bytes) = 0;
  // Logical and over every rank's value.
  virtual bool all(bool value) = 0;
  // Ends every rank of the job with `code` (an unrecoverable error on one rank).
  [[noreturn]] virtual void abort(int code) = 0;
};

// An error rank 0 has printed: every rank ends with exit code 2 and prints
// nothing more.
struct ErrorAlreadyReported : std::exception {
  const char* what() const noexcept override { return "error reported by rank 0"; }
};

// Every rank calls this when a collective check failed: rank 0 prints `error`
// (its own, or null when only another rank failed: `fallback` then), and the
// ranks wait for that before throwing ErrorAlreadyReported, so that the
// launcher, which ends the job at the first failed exit, cannot cut rank 0 off
// mid-line.
[[noreturn]] void stop_after_rank_zero_reports(Communicator& communicator, std::exception_ptr error,
                                               const std::string& fallback);

// Threads for this rank's TBB work: the node's cores shared by its ranks, and
// no more than the cores the launcher binds the rank to. Rank 0 prints a note
// when the binding leaves the rank fewer cores than its share (OpenMPI binds
// each rank to one core when it starts one or two ranks: use --bind-to none).
std::size_t threads_per_rank(const Communicator& communicator);

// Whether zerolm was built with MPI.
bool mpi_built();

// Whether this process was started by an MPI launcher (mpirun, srun) with more
// than one rank.
bool launched_with_several_ranks();

// Initialises MPI (once per process; finalised when the communicator is
// destroyed). An Error when zerolm was built without MPI.
std::unique_ptr<Communicator> make_mpi_communicator();

}  // namespace zerolm
