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

// Thrown on the other ranks when rank 0 reported an error (which rank 0 prints):
// they end with exit code 2 and print nothing.
struct FailedOnAnotherRank : std::exception {
  const char* what() const noexcept override { return "failed on another rank"; }
};

// This process's rank as the launcher's environment says (0 when not launched
// by one), readable before MPI is initialised.
int launcher_rank();

// Whether zerolm was built with MPI.
bool mpi_built();

// Whether this process was started by an MPI launcher (mpirun, srun) with more
// than one rank.
bool launched_with_several_ranks();

// Initialises MPI (once per process; finalised when the communicator is
// destroyed). An Error when zerolm was built without MPI.
std::unique_ptr<Communicator> make_mpi_communicator();

}  // namespace zerolm
