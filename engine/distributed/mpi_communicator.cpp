// The MPI implementation of Communicator (the only file that includes mpi.h).
#include "engine/distributed/communicator.hpp"

#include <fmt/format.h>

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string_view>
#include <thread>

#include "engine/core/error.hpp"
#include "engine/core/parse_number.hpp"

#if ZEROLM_HAVE_MPI
#include <mpi.h>
#endif

namespace zerolm {

bool mpi_built() { return ZEROLM_HAVE_MPI != 0; }

bool launched_with_several_ranks() {
  // OpenMPI's mpirun, PMIx launchers (srun --mpi=pmix) and MPICH/PMI.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"}) {
    const char* value = std::getenv(name);
    const auto size = value != nullptr ? parse_integer(value, 0, std::int64_t{1} << 40) : std::nullopt;
    if (size && *size > 1) return true;
  }
  return false;
}

void stop_after_rank_zero_reports(Communicator& communicator, std::exception_ptr error, const std::string& fallback) {
  if (communicator.rank() == 0) {
    std::string line = fallback;
    try {
      if (error) std::rethrow_exception(error);
    } catch (const Error& e) {
      line = e.user_line();
    } catch (const std::exception& e) {
      line = e.what();
    }
    fmt::print(stderr, "zerolm: error: {}\n", line);
    std::fflush(stderr);
  }
  (void)communicator.all(true);  // rank 0 has printed
  throw ErrorAlreadyReported();
}

std::size_t threads_per_rank(const Communicator& communicator) {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t share = std::max<std::size_t>(1, cores / static_cast<std::size_t>(communicator.local_size()));
  cpu_set_t mask;
  CPU_ZERO(&mask);
  std::size_t bound = cores;
  if (sched_getaffinity(0, sizeof mask, &mask) == 0) bound = static_cast<std::size_t>(CPU_COUNT(&mask));
  if (bound < share && communicator.rank() == 0) {
    fmt::print(stderr,
               "zerolm: note: the launcher binds each rank to {} of this node's {} cores, so a rank uses {} threads "
               "instead of its share of {}; with mpirun, add --bind-to none (or --map-by slot:PE={})\n",
               bound, cores, bound, share, share);
  }
  return std::max<std::size_t>(1, std::min(bound, share));
}

#if ZEROLM_HAVE_MPI

namespace {

void check_mpi(int status, std::string_view what) {
  if (status == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, text, &length);
  ZEROLM_FAIL("MPI {} failed: {}", what, std::string(text, static_cast<std::size_t>(length)));
}

int as_count(std::size_t bytes) {
  ZEROLM_CHECK(bytes <= static_cast<std::size_t>(std::numeric_limits<int>::max()),
               "MPI message of {} bytes exceeds 2 GiB", bytes);
  return static_cast<int>(bytes);
}

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator() {
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) check_mpi(MPI_Init(nullptr, nullptr), "init");
    check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &rank_), "rank");
    check_mpi(MPI_Comm_size(MPI_COMM_WORLD, &size_), "size");
    MPI_Comm node;
    check_mpi(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node), "node split");
    check_mpi(MPI_Comm_rank(node, &local_rank_), "local rank");
    check_mpi(MPI_Comm_size(node, &local_size_), "local size");
    MPI_Comm_free(&node);
  }
  ~MpiCommunicator() override {
    int finalised = 0;
    MPI_Finalized(&finalised);
    if (!finalised) MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  int local_rank() const override { return local_rank_; }
  int local_size() const override { return local_size_; }

  std::string broadcast(const std::string& bytes, int root) override {
    unsigned long long length = bytes.size();
    check_mpi(MPI_Bcast(&length, 1, MPI_UNSIGNED_LONG_LONG, root, MPI_COMM_WORLD), "broadcast");
    std::string out = rank_ == root ? bytes : std::string(length, '\0');
    check_mpi(MPI_Bcast(out.data(), as_count(length), MPI_BYTE, root, MPI_COMM_WORLD), "broadcast");
    return out;
  }

  std::vector<std::string> gather(const std::string& bytes, int root) override {
    const int length = as_count(bytes.size());
    std::vector<int> lengths(rank_ == root ? static_cast<std::size_t>(size_) : 0);
    check_mpi(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, root, MPI_COMM_WORLD), "gather");
    std::vector<int> offsets(lengths.size());
    std::size_t total = 0;
    for (std::size_t r = 0; r < lengths.size(); ++r) {
      offsets[r] = as_count(total);
      total += static_cast<std::size_t>(lengths[r]);
    }
    std::string all(total, '\0');
    check_mpi(MPI_Gatherv(bytes.data(), length, MPI_BYTE, all.data(), lengths.data(), offsets.data(), MPI_BYTE, root,
                          MPI_COMM_WORLD),
              "gather");
    std::vector<std::string> out;
    for (std::size_t r = 0; r < lengths.size(); ++r) {
      out.push_back(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r])));
    }
    return out;
  }

  std::string ring_shift(const std::string& bytes) override {
    const int next = (rank_ + 1) % size_, previous = (rank_ + size_ - 1) % size_;
    unsigned long long length = bytes.size(), incoming = 0;
    check_mpi(MPI_Sendrecv(&length, 1, MPI_UNSIGNED_LONG_LONG, next, 1, &incoming, 1, MPI_UNSIGNED_LONG_LONG, previous,
                           1, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
              "ring exchange");
    std::string out(incoming, '\0');
    check_mpi(MPI_Sendrecv(bytes.data(), as_count(length), MPI_BYTE, next, 2, out.data(), as_count(incoming), MPI_BYTE,
                           previous, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
              "ring exchange");
    return out;
  }

  bool all(bool value) override {
    int mine = value ? 1 : 0, every = 0;
    check_mpi(MPI_Allreduce(&mine, &every, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD), "allreduce");
    return every != 0;
  }

  [[noreturn]] void abort(int code) override {
    MPI_Abort(MPI_COMM_WORLD, code);
    std::_Exit(code);
  }

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
};

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator() { return std::make_unique<MpiCommunicator>(); }

#else

std::unique_ptr<Communicator> make_mpi_communicator() {
  ZEROLM_FAIL("--distributed: zerolm was built without MPI (install libopenmpi-dev, then configure and build again)");
}

#endif

}  // namespace zerolm
