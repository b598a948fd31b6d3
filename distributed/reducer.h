// Gradient averaging for DistributedDataParallel: parameters are grouped into buckets of
// about `bucket_cap_mb` (the first one smaller; in reverse registration order, roughly the order backward produces
// their gradients), and a bucket's allreduce starts on the communication thread as soon as
// every gradient in it has been computed, while backward goes on with the layers below.
// At the end of backward the averaged gradients replace every parameter's .grad.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "distributed/process_group.h"
#include "nn/module.h"

namespace tg::distributed {

struct DDPOptions {
  // Target bucket size in MiB (PyTorch's default: 25).
  DDPOptions& bucket_cap_mb(double mb) { bucket_cap_mb_ = mb; return *this; }
  // The first bucket (the last layers' gradients, ready first) is smaller, so that
  // communication starts early in backward (PyTorch: 1 MiB).
  DDPOptions& first_bucket_mb(double mb) { first_bucket_mb_ = mb; return *this; }
  // Copy rank 0's buffers (BatchNorm running statistics...) to every rank before forward.
  DDPOptions& broadcast_buffers(bool on) { broadcast_buffers_ = on; return *this; }
  double bucket_cap_mb_ = 25.0;
  double first_bucket_mb_ = 1.0;
  bool broadcast_buffers_ = true;
};

class Reducer {
 public:
  Reducer(std::shared_ptr<nn::Module> module, std::shared_ptr<ProcessGroupMPI> group,
          DDPOptions options);
  ~Reducer();
  Reducer(const Reducer&) = delete;
  Reducer& operator=(const Reducer&) = delete;

  // Called before each forward: copies rank 0's buffers to every rank (if enabled).
  void prepare_forward();
  void set_sync(bool on) { sync_ = on; }
  bool sync() const { return sync_; }

  struct Bucket {
    Tensor flat;                      // the gradients of its parameters, end to end
    std::vector<std::size_t> params;  // indices into params_
    std::vector<int64_t> offsets;     // element offset of each parameter in flat
    std::size_t pending = 0;          // gradients still to come in this backward
    std::shared_ptr<Work> work;
  };
  const std::vector<Bucket>& buckets() const { return buckets_; }
  // Of the last backward's allreduce time, the share that ran while backward was still
  // computing (0..1): communication hidden behind computation.
  double last_overlap() const { return last_overlap_; }
  // Seconds the last backward spent waiting for allreduces after its computation ended.
  double last_exposed_seconds() const { return last_exposed_; }

 private:
  void check_same_structure();
  void broadcast_state();
  void on_grad(std::size_t param, const Tensor& grad);
  void launch_ready_buckets();
  void finalize();
  void reset_pass();

  std::shared_ptr<nn::Module> module_;
  std::shared_ptr<ProcessGroupMPI> group_;
  DDPOptions options_;
  std::vector<std::string> names_;
  std::vector<Tensor> params_;
  std::vector<std::pair<std::size_t, std::size_t>> where_;  // param -> (bucket, slot)
  std::vector<Bucket> buckets_;
  std::vector<char> ready_;  // per parameter, in this backward
  std::vector<int> hook_handles_;
  std::size_t next_launch_ = 0;
  bool pass_active_ = false;
  bool sync_ = true;
  double last_overlap_ = 0;
  double last_exposed_ = 0;
};

}  // namespace tg::distributed
