#include "distributed/reducer.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include "autograd/backward_callbacks.h"
#include "autograd/grad_mode.h"

namespace tg::distributed {
namespace {

uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ULL) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace

Reducer::Reducer(std::shared_ptr<nn::Module> module, std::shared_ptr<ProcessGroupMPI> group,
                 DDPOptions options)
    : module_(std::move(module)), group_(std::move(group)), options_(options) {
  TG_CHECK(module_ != nullptr, "DistributedDataParallel: the module is null");
  TG_CHECK(group_ != nullptr, "DistributedDataParallel: the process group is null");
  TG_CHECK(options_.bucket_cap_mb_ > 0 && options_.first_bucket_mb_ > 0,
           "DistributedDataParallel: bucket_cap_mb and first_bucket_mb must be positive, got ",
           options_.bucket_cap_mb_, " and ", options_.first_bucket_mb_);
  for (const auto& item : module_->named_parameters()) {
    if (!item.value().requires_grad()) continue;
    TG_CHECK(item.value().is_contiguous(), "DistributedDataParallel: parameter '", item.key(),
             "' is not contiguous");
    names_.push_back(item.key());
    params_.push_back(item.value());
  }
  check_same_structure();
  broadcast_state();

  // Buckets in reverse registration order, one dtype each, closed at the size cap.
  const double cap_bytes = options_.bucket_cap_mb_ * 1024.0 * 1024.0;
  where_.assign(params_.size(), {0, 0});
  std::vector<std::vector<std::size_t>> groups;
  double bytes = 0;
  for (std::size_t k = params_.size(); k-- > 0;) {
    const Tensor& p = params_[k];
    const double pb = static_cast<double>(p.numel() * itemsize(p.dtype()));
    const double cap = groups.size() == 1
                           ? std::min(cap_bytes, options_.first_bucket_mb_ * 1024.0 * 1024.0)
                           : cap_bytes;
    bool new_bucket = groups.empty() || bytes >= cap ||
                      params_[groups.back().front()].dtype() != p.dtype();
    if (new_bucket) {
      groups.emplace_back();
      bytes = 0;
    }
    groups.back().push_back(k);
    bytes += pb;
  }
  for (auto& members : groups) {
    Bucket b;
    int64_t total = 0;
    for (std::size_t k : members) {
      where_[k] = {buckets_.size(), b.params.size()};
      b.params.push_back(k);
      b.offsets.push_back(total);
      total += params_[k].numel();
    }
    b.flat = zeros({total}, params_[members.front()].dtype());
    buckets_.push_back(std::move(b));
  }
  ready_.assign(params_.size(), 0);
  for (std::size_t k = 0; k < params_.size(); ++k) {
    hook_handles_.push_back(params_[k].register_hook([this, k](const Tensor& g) {
      on_grad(k, g);
      return Tensor();  // the gradient itself is unchanged; finalize() replaces .grad
    }));
  }
}

Reducer::~Reducer() {
  for (std::size_t k = 0; k < params_.size(); ++k) params_[k].remove_hook(hook_handles_[k]);
}

void Reducer::check_same_structure() {
  std::ostringstream os;
  for (std::size_t k = 0; k < params_.size(); ++k)
    os << names_[k] << ':' << dtype_name(params_[k].dtype()) << params_[k].shape() << ';';
  for (const auto& item : module_->named_buffers()) os << item.key() << item.value().shape() << ';';
  const uint64_t mine = fnv1a(os.str());
  Tensor sig = tensor(std::vector<int64_t>{static_cast<int64_t>(mine)}, {1});
  std::vector<Tensor> all;
  group_->allgather(all, sig)->wait();
  for (int r = 0; r < group_->size(); ++r) {
    TG_CHECK(all[r].item<int64_t>() == all[0].item<int64_t>(),
             "DistributedDataParallel: rank ", r, " holds a model whose parameter names, shapes "
             "or dtypes differ from rank 0's (this rank, ", group_->rank(), ", has ",
             params_.size(), " parameters)");
  }
}

void Reducer::broadcast_state() {
  if (group_->size() == 1) return;
  NoGradGuard no_grad;
  std::vector<std::shared_ptr<Work>> works;
  for (Tensor& p : params_) works.push_back(group_->broadcast(p, 0));
  for (const auto& item : module_->named_buffers())
    if (item.value().defined()) works.push_back(group_->broadcast(item.value(), 0));
  for (auto& w : works) w->wait();
}

void Reducer::prepare_forward() {
  if (!options_.broadcast_buffers_ || group_->size() == 1) return;
  std::vector<std::shared_ptr<Work>> works;
  for (const auto& item : module_->named_buffers())
    if (item.value().defined()) works.push_back(group_->broadcast(item.value(), 0));
  for (auto& w : works) w->wait();
}

void Reducer::reset_pass() {
  std::fill(ready_.begin(), ready_.end(), 0);
  for (Bucket& b : buckets_) {
    b.pending = b.params.size();
    b.work.reset();
  }
  next_launch_ = 0;
}

void Reducer::on_grad(std::size_t k, const Tensor& grad) {
  // Only backward() passes take part (autograd::grad leaves .grad alone), and not inside
  // no_sync(), where gradients accumulate locally until the next synchronised backward.
  if (!sync_ || !autograd::in_backward_pass()) return;
  if (!pass_active_) {
    pass_active_ = true;
    reset_pass();
    autograd::queue_callback([this] { finalize(); });
  }
  TG_CHECK(!ready_[k], "DistributedDataParallel: parameter '", names_[k],
           "' received two gradients in one backward pass");
  ready_[k] = 1;
  auto [b, slot] = where_[k];
  Bucket& bucket = buckets_[b];
  NoGradGuard no_grad;
  Tensor dst = bucket.flat.narrow(0, bucket.offsets[slot], params_[k].numel());
  // What this rank contributes is the gradient .grad will hold after this pass: the
  // incoming one plus whatever accumulated locally (under no_sync) before it.
  const Tensor& local = params_[k].grad();
  dst.copy_((local.defined() ? local.add(grad) : grad).reshape({-1}));
  --bucket.pending;
  launch_ready_buckets();
}

void Reducer::launch_ready_buckets() {
  // Launched strictly in bucket order, so every rank issues the same collectives in the
  // same order whatever order its hooks fired in.
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0) {
    Bucket& b = buckets_[next_launch_++];
    b.work = group_->allreduce_unchecked(b.flat, ReduceOp::AVG);
  }
}

void Reducer::finalize() {
  pass_active_ = false;
  NoGradGuard no_grad;
  // Parameters that received no gradient (not used in this forward) contribute what they
  // hold: their accumulated .grad, or zeros.
  for (Bucket& b : buckets_) {
    if (b.pending == 0) continue;
    for (std::size_t slot = 0; slot < b.params.size(); ++slot) {
      std::size_t k = b.params[slot];
      if (ready_[k]) continue;
      Tensor dst = b.flat.narrow(0, b.offsets[slot], params_[k].numel());
      const Tensor& local = params_[k].grad();
      if (local.defined()) dst.copy_(local.reshape({-1}));
      else dst.zero_();
      ready_[k] = 1;
    }
    b.pending = 0;
  }
  launch_ready_buckets();
  const auto start = std::chrono::steady_clock::now();
  double total = 0;
  for (Bucket& b : buckets_) {
    b.work->wait();
    total += b.work->seconds();
  }
  last_exposed_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  last_overlap_ = total > 0 ? std::clamp(1.0 - last_exposed_ / total, 0.0, 1.0) : 0.0;
  for (Bucket& b : buckets_) {
    for (std::size_t slot = 0; slot < b.params.size(); ++slot) {
      std::size_t k = b.params[slot];
      params_[k].set_grad(
          b.flat.narrow(0, b.offsets[slot], params_[k].numel()).view(params_[k].shape()).clone());
    }
  }
}

}  // namespace tg::distributed
