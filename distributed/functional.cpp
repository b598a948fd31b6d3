#include "distributed/functional.h"

#include "autograd/function.h"

namespace tg::distributed {
namespace {

struct AllReduceSum : autograd::Function<AllReduceSum> {
  struct Saved {
    std::shared_ptr<ProcessGroupMPI> group;
  };
  static Tensor forward(Saved& s, const Tensor& t, std::shared_ptr<ProcessGroupMPI> group) {
    s.group = group;
    Tensor out = t.contiguous().clone();
    group->allreduce(out, ReduceOp::SUM)->wait();
    return out;
  }
  static TensorList backward(const Saved& s, const TensorList& g) {
    return {AllReduceSum::apply(g[0], s.group)};
  }
};

}  // namespace

Tensor all_reduce_sum(const Tensor& t, const std::shared_ptr<ProcessGroupMPI>& group) {
  TG_CHECK(t.defined(), "all_reduce_sum: the tensor is undefined");
  TG_CHECK(group != nullptr, "all_reduce_sum: the process group is null");
  TG_CHECK(t.is_floating_point(), "all_reduce_sum: expected a floating tensor, got ",
           dtype_name(t.dtype()));
  return AllReduceSum::apply(t, group);
}

}  // namespace tg::distributed
