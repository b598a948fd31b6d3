#include "distributed/process_group.h"

#include <mpi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>

namespace tg::distributed {
namespace {

// MPI counts are ints: larger buffers travel in pieces of at most this many bytes.
constexpr std::size_t kMaxMessageBytes = std::size_t{1} << 30;

std::weak_ptr<ProcessGroupMPI>& world_group() {
  static std::weak_ptr<ProcessGroupMPI> group;
  return group;
}
std::mutex& world_mutex() {
  static std::mutex m;
  return m;
}
int world_rank_for_messages = -1;

void finalize_mpi() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

// An exception escaping main on one rank must not leave the others waiting forever.
[[noreturn]] void terminate_job() {
  std::string what = "unknown exception";
  if (auto e = std::current_exception()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
  } else {
    what = "std::terminate called without an active exception";
  }
  std::cerr << "tapegrad distributed: rank " << world_rank_for_messages
            << " failed: " << what << "; aborting the job" << std::endl;
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

const char* op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::SUM: return "SUM";
    case ReduceOp::AVG: return "AVG";
    case ReduceOp::MAX: return "MAX";
    case ReduceOp::MIN: return "MIN";
  }
  return "?";
}

// The layout every rank reports before a checked collective.
struct LayoutSignature {
  int64_t dtype;
  int64_t ndim;
  int64_t dims[8];
  int64_t numel;
  bool operator==(const LayoutSignature& o) const { return std::memcmp(this, &o, sizeof(o)) == 0; }
};

LayoutSignature signature_of(const Tensor& t) {
  LayoutSignature s{};
  s.dtype = static_cast<int64_t>(t.dtype());
  s.ndim = t.dim();
  for (int64_t d = 0; d < std::min<int64_t>(t.dim(), 8); ++d) s.dims[d] = t.size(d);
  s.numel = t.numel();
  return s;
}

std::string describe(const LayoutSignature& s) {
  std::ostringstream os;
  os << dtype_name(static_cast<DType>(s.dtype)) << " [";
  for (int64_t d = 0; d < std::min<int64_t>(s.ndim, 8); ++d) os << (d ? ", " : "") << s.dims[d];
  if (s.ndim > 8) os << ", ...";
  os << "] (" << s.numel << " elements)";
  return os.str();
}

template <class T>
void combine(T* acc, const T* in, std::size_t n, ReduceOp op) {
  // acc = in (op) acc: the value arriving around the ring comes first, a fixed order.
  switch (op) {
    case ReduceOp::SUM:
    case ReduceOp::AVG:
      for (std::size_t i = 0; i < n; ++i) acc[i] = in[i] + acc[i];
      break;
    case ReduceOp::MAX:
      for (std::size_t i = 0; i < n; ++i) acc[i] = std::max(in[i], acc[i]);
      break;
    case ReduceOp::MIN:
      for (std::size_t i = 0; i < n; ++i) acc[i] = std::min(in[i], acc[i]);
      break;
  }
}

}  // namespace

// ---------------------------------------------------------------- Work
void Work::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  done_cv_.wait(lock, [&] { return done_; });
  if (error_) std::rethrow_exception(error_);
}

bool Work::is_completed() {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_;
}

void Work::finish(std::exception_ptr error, double seconds) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    seconds_ = seconds;
    error_ = std::move(error);
  }
  done_cv_.notify_all();
}

// ---------------------------------------------------------------- setup
bool ProcessGroupMPI::launched_by_mpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
         std::getenv("PMIX_RANK") != nullptr;
}

std::shared_ptr<ProcessGroupMPI> ProcessGroupMPI::create(ProcessGroupOptions options) {
  std::lock_guard<std::mutex> lock(world_mutex());
  if (auto existing = world_group().lock()) return existing;
  if (const char* t = std::getenv("TG_DIST_TIMEOUT")) {
    char* end = nullptr;
    double seconds = std::strtod(t, &end);
    TG_CHECK(end != t && *end == '\0' && seconds > 0, "ProcessGroupMPI: TG_DIST_TIMEOUT='", t,
             "' is not a positive number of seconds");
    options.timeout_seconds = seconds;
  }
  TG_CHECK(options.timeout_seconds > 0, "ProcessGroupMPI: timeout_seconds must be positive, got ",
           options.timeout_seconds);
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
    TG_CHECK(provided >= MPI_THREAD_SERIALIZED, "ProcessGroupMPI: MPI provides thread level ",
             provided, ", at least MPI_THREAD_SERIALIZED is needed");
    std::atexit(finalize_mpi);
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  world_rank_for_messages = rank;
  std::set_terminate(terminate_job);
  std::shared_ptr<ProcessGroupMPI> group(new ProcessGroupMPI(rank, size, options));
  world_group() = group;
  return group;
}

ProcessGroupMPI::ProcessGroupMPI(int rank, int size, ProcessGroupOptions options)
    : rank_(rank), size_(size), options_(options) {
  comm_thread_ = std::thread([this] { run_queue(); });
}

ProcessGroupMPI::~ProcessGroupMPI() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (comm_thread_.joinable()) comm_thread_.join();
}

void ProcessGroupMPI::abort(const std::string& message) const {
  std::cerr << "tapegrad distributed: rank " << rank_ << " of " << size_ << ": " << message
            << "; aborting the job" << std::endl;
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::abort();
}

// ---------------------------------------------------------------- the queue
std::shared_ptr<Work> ProcessGroupMPI::enqueue(std::function<void()> task) {
  auto work = std::make_shared<Work>();
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    TG_CHECK(!stopping_, "ProcessGroupMPI: the process group is shutting down");
    queue_.emplace_back(std::move(task), work);
  }
  queue_cv_.notify_one();
  return work;
}

void ProcessGroupMPI::run_queue() {
  for (;;) {
    std::pair<std::function<void()>, std::shared_ptr<Work>> item;
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and every queued collective has run
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    try {
      ++collectives_;
      item.first();
      item.second->finish(nullptr, elapsed());
    } catch (...) {
      item.second->finish(std::current_exception(), elapsed());
    }
  }
}

void ProcessGroupMPI::wait_requests(const char* op, void* requests, int count) {
  auto* reqs = static_cast<MPI_Request*>(requests);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + std::chrono::duration<double>(options_.timeout_seconds);
  for (int spins = 0;; ++spins) {
    int done = 0;
    int rc = MPI_Testall(count, reqs, &done, MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS) abort(std::string(op) + ": MPI error " + std::to_string(rc));
    if (done) return;
    // Spin briefly for latency, then back off so a waiting collective leaves the cores
    // to the computation it overlaps with.
    if (spins > 200) std::this_thread::sleep_for(std::chrono::microseconds(spins > 2000 ? 200 : 20));
    if (std::chrono::steady_clock::now() > deadline) {
      std::ostringstream os;
      os << op << " (collective #" << collectives_ << ") did not complete within "
         << options_.timeout_seconds << " s: another rank has stopped, hangs, or called a "
         << "different collective";
      abort(os.str());
    }
  }
}

void ProcessGroupMPI::check_same_layout(const char* op, const Tensor& t) {
  LayoutSignature mine = signature_of(t);
  std::vector<LayoutSignature> all(size_);
  MPI_Request req;
  MPI_Iallgather(&mine, sizeof(mine), MPI_BYTE, all.data(), sizeof(mine), MPI_BYTE,
                 MPI_COMM_WORLD, &req);
  wait_requests(op, &req, 1);
  for (int r = 0; r < size_; ++r) {
    TG_CHECK(all[r] == all[0], op, ": every rank must pass the same dtype and shape, but rank 0 "
             "has ", describe(all[0]), " and rank ", r, " has ", describe(all[r]));
  }
}

// ---------------------------------------------------------------- collectives
std::shared_ptr<Work> ProcessGroupMPI::allreduce(Tensor tensor, ReduceOp op) {
  TG_CHECK(tensor.defined(), "allreduce: the tensor is undefined");
  TG_CHECK(tensor.is_contiguous(), "allreduce: the tensor must be contiguous (shape ",
           tensor.shape(), ")");
  TG_CHECK(op != ReduceOp::AVG || tensor.is_floating_point(), "allreduce: AVG needs a floating "
           "tensor, got ", dtype_name(tensor.dtype()));
  return enqueue([this, tensor, op] {
    check_same_layout("allreduce", tensor);
    allreduce_unchecked(tensor, op)->wait();  // runs inline: we are on the comm thread
  });
}

std::shared_ptr<Work> ProcessGroupMPI::allreduce_unchecked(Tensor flat, ReduceOp op) {
  auto body = [this, flat, op] {
    const int64_t n = flat.numel();
    if (n == 0 || size_ == 1) return;
    if (!flat.is_floating_point()) {
      // Integers and bools are exact in any order: let MPI reduce them.
      MPI_Datatype type = flat.dtype() == DType::Int64 ? MPI_INT64_T : MPI_C_BOOL;
      MPI_Op mop = flat.dtype() == DType::Bool
                       ? (op == ReduceOp::MIN ? MPI_LAND : MPI_LOR)
                       : (op == ReduceOp::MAX ? MPI_MAX : op == ReduceOp::MIN ? MPI_MIN : MPI_SUM);
      const std::size_t item = itemsize(flat.dtype());
      char* p = static_cast<char*>(flat.raw_data());
      for (int64_t at = 0; at < n;) {
        int64_t len = std::min<int64_t>(n - at, kMaxMessageBytes / item);
        MPI_Request req;
        MPI_Iallreduce(MPI_IN_PLACE, p + at * item, static_cast<int>(len), type, mop,
                       MPI_COMM_WORLD, &req);
        wait_requests("allreduce", &req, 1);
        at += len;
      }
      return;
    }
    TG_DISPATCH_FLOATING(flat.dtype(), "allreduce", [&] {
      // Ring reduce-scatter then ring allgather over point-to-point messages: chunk c
      // starts at rank c and collects the others in ring order, so its sum is the same
      // expression on every run and every rank.
      scalar_t* data = flat.data_ptr<scalar_t>();
      const int P = size_;
      const int right = (rank_ + 1) % P, left = (rank_ + P - 1) % P;
      auto begin = [&](int c) { return static_cast<int64_t>(n * static_cast<double>(c) / P); };
      auto chunk_begin = [&](int c) { return c == P ? n : std::min<int64_t>(n, begin(c)); };
      const int64_t max_chunk = n / P + 1;
      std::vector<scalar_t> incoming(static_cast<std::size_t>(max_chunk));
      const int64_t piece = static_cast<int64_t>(kMaxMessageBytes / sizeof(scalar_t));
      auto exchange = [&](int send_c, int recv_c, scalar_t* recv_into) {
        const int64_t s0 = chunk_begin(send_c), s1 = chunk_begin(send_c + 1);
        const int64_t r0 = chunk_begin(recv_c), r1 = chunk_begin(recv_c + 1);
        for (int64_t off = 0; off < max_chunk; off += piece) {  // same count on every rank
          MPI_Request reqs[2];
          int count = 0;
          int64_t slen = std::clamp<int64_t>(s1 - s0 - off, 0, piece);
          int64_t rlen = std::clamp<int64_t>(r1 - r0 - off, 0, piece);
          MPI_Irecv(recv_into + off, static_cast<int>(rlen * sizeof(scalar_t)), MPI_BYTE, left,
                    7, MPI_COMM_WORLD, &reqs[count++]);
          MPI_Isend(data + s0 + off, static_cast<int>(slen * sizeof(scalar_t)), MPI_BYTE, right,
                    7, MPI_COMM_WORLD, &reqs[count++]);
          wait_requests("allreduce", reqs, count);
        }
        return r1 - r0;
      };
      for (int step = 0; step < P - 1; ++step) {
        const int send_c = (rank_ - step + P) % P, recv_c = (rank_ - step - 1 + 2 * P) % P;
        int64_t len = exchange(send_c, recv_c, incoming.data());
        combine(data + chunk_begin(recv_c), incoming.data(), static_cast<std::size_t>(len), op);
      }
      for (int step = 0; step < P - 1; ++step) {
        const int send_c = (rank_ + 1 - step + P) % P, recv_c = (rank_ - step + P) % P;
        exchange(send_c, recv_c, data + chunk_begin(recv_c));
      }
      if (op == ReduceOp::AVG) {
        const scalar_t scale = scalar_t(1) / static_cast<scalar_t>(P);
        for (int64_t i = 0; i < n; ++i) data[i] *= scale;
      }
    });
  };
  if (std::this_thread::get_id() == comm_thread_.get_id()) {
    auto work = std::make_shared<Work>();
    body();
    work->finish();
    return work;
  }
  return enqueue(body);
}

std::shared_ptr<Work> ProcessGroupMPI::broadcast(Tensor tensor, int root) {
  TG_CHECK(tensor.defined(), "broadcast: the tensor is undefined");
  TG_CHECK(tensor.is_contiguous(), "broadcast: the tensor must be contiguous (shape ",
           tensor.shape(), ")");
  TG_CHECK(root >= 0 && root < size_, "broadcast: root ", root, " is not a rank of a group of ",
           size_);
  return enqueue([this, tensor, root] {
    check_same_layout("broadcast", tensor);
    char* p = static_cast<char*>(tensor.raw_data());
    const std::size_t bytes = tensor.numel() * itemsize(tensor.dtype());
    for (std::size_t at = 0; at < bytes; at += kMaxMessageBytes) {
      MPI_Request req;
      MPI_Ibcast(p + at, static_cast<int>(std::min(kMaxMessageBytes, bytes - at)), MPI_BYTE, root,
                 MPI_COMM_WORLD, &req);
      wait_requests("broadcast", &req, 1);
    }
    tensor.storage()->bump_version();
  });
}

std::shared_ptr<Work> ProcessGroupMPI::allgather(std::vector<Tensor>& outputs, Tensor input) {
  TG_CHECK(input.defined(), "allgather: the input tensor is undefined");
  Tensor in = input.contiguous();
  outputs.assign(size_, Tensor());
  std::vector<Tensor>* out = &outputs;
  return enqueue([this, in, out] {
    check_same_layout("allgather", in);
    const std::size_t bytes = in.numel() * itemsize(in.dtype());
    TG_CHECK(bytes * size_ <= kMaxMessageBytes, "allgather: ", size_, " x ", bytes,
             " bytes is more than one message can carry (", kMaxMessageBytes, ")");
    Tensor gathered = empty({static_cast<int64_t>(size_) * in.numel()}, in.dtype());
    MPI_Request req;
    MPI_Iallgather(in.raw_data(), static_cast<int>(bytes), MPI_BYTE, gathered.raw_data(),
                   static_cast<int>(bytes), MPI_BYTE, MPI_COMM_WORLD, &req);
    wait_requests("allgather", &req, 1);
    for (int r = 0; r < size_; ++r)
      (*out)[r] = gathered.narrow(0, r * in.numel(), in.numel()).view(in.shape()).clone();
  });
}

std::shared_ptr<Work> ProcessGroupMPI::barrier() {
  return enqueue([this] {
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    wait_requests("barrier", &req, 1);
  });
}

}  // namespace tg::distributed
