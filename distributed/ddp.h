// DistributedDataParallel: the same model on every process, each on its share of the
// batch; gradients are averaged across processes during backward, so after backward every
// rank holds the gradient of the whole global batch and the optimizers stay in step.
//
//   auto pg = tg::distributed::ProcessGroupMPI::create();
//   Net net;                                            // any TG_MODULE / ModuleHolder
//   tg::distributed::DistributedDataParallel<Net> ddp(net, pg);
//   tg::optim::SGD opt(net->parameters(), 0.1);
//   auto loss = F::cross_entropy(ddp(x_local), y_local);
//   loss.backward();                                    // averages in ~25 MB buckets
//   opt.step();
//   { auto guard = ddp.no_sync(); loss2.backward(); }   // accumulate locally
//
// Construction checks that every rank holds the same parameter names and shapes, then
// copies rank 0's parameters and buffers everywhere. Before each forward, rank 0's
// buffers (BatchNorm running statistics) are copied to every rank, as PyTorch does; use
// SyncBatchNorm to normalise over the global batch.
#pragma once
#include <memory>
#include <utility>

#include "distributed/reducer.h"

namespace tg::distributed {

template <class ModuleType>
class DistributedDataParallel {
 public:
  DistributedDataParallel(ModuleType module, std::shared_ptr<ProcessGroupMPI> group,
                          DDPOptions options = {})
      : module_(std::move(module)),
        reducer_(std::make_unique<Reducer>(module_.ptr(), std::move(group), options)) {}

  template <class... Args>
  auto forward(Args&&... args) {
    reducer_->prepare_forward();
    return module_->forward(std::forward<Args>(args)...);
  }
  template <class... Args>
  auto operator()(Args&&... args) {
    return forward(std::forward<Args>(args)...);
  }

  ModuleType& module() { return module_; }
  ModuleType* operator->() { return &module_; }
  Reducer& reducer() { return *reducer_; }

  // While the returned guard lives, backward accumulates gradients locally; the first
  // backward after it averages the accumulated gradients.
  class NoSyncGuard {
   public:
    explicit NoSyncGuard(Reducer& r) : reducer_(r), previous_(r.sync()) { r.set_sync(false); }
    ~NoSyncGuard() { reducer_.set_sync(previous_); }
    NoSyncGuard(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(const NoSyncGuard&) = delete;

   private:
    Reducer& reducer_;
    bool previous_;
  };
  [[nodiscard]] NoSyncGuard no_sync() { return NoSyncGuard(*reducer_); }

 private:
  ModuleType module_;
  std::unique_ptr<Reducer> reducer_;
};

}  // namespace tg::distributed
