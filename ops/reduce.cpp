// Sum and mean over dims. (Other reductions live beside them in this family.)
#include "ops/reduce.h"

#include "autograd/node.h"
#include "ops/ops.h"
#include "ops/reduce_iter.h"

namespace tg {

Tensor sum(const Tensor& t, IntArrayRef dims, bool keepdim) {
  TG_CHECK(t.defined(), "sum: the input is undefined");
  detail::ReducePlan plan(t, dims, keepdim, "sum");
  const DType out_dtype = is_floating(t.dtype()) ? t.dtype() : kInt64;
  Tensor out = empty(plan.out_shape, out_dtype);
  TG_DISPATCH_ALL(t.dtype(), "sum", [&] {
    using Out = std::conditional_t<std::is_floating_point_v<scalar_t>, scalar_t, int64_t>;
    using Acc = typename detail::acc_type<Out>::type;
    Out* po = static_cast<Out*>(out.raw_data());
    detail::for_each_output<scalar_t>(t, plan, [&](int64_t o, const scalar_t* p, const Shape& s,
                                                   const Shape& st) {
      Acc acc = 0;
      detail::walk_reduced(p, s, st, [&](scalar_t v) { acc += static_cast<Acc>(v); });
      po[o] = static_cast<Out>(acc);
    });
  });
  const Shape keep = plan.keep_shape;
  return autograd::record("SumBackward", out, {t}, {},
      [keep](const autograd::Ctx& c, const TensorList& g) -> TensorList {
        return {g[0].reshape(keep).expand(c.input_shape(0))};
      });
}

Tensor sum(const Tensor& t) { return sum(t, {}, false); }

Tensor mean(const Tensor& t, IntArrayRef dims, bool keepdim) {
  TG_CHECK(t.defined() && t.is_floating_point(), "mean: expected a floating tensor, got ",
           t.defined() ? dtype_name(t.dtype()) : "undefined");
  detail::ReducePlan plan(t, dims, keepdim, "mean");
  return sum(t, dims, keepdim) / static_cast<double>(plan.group);
}

Tensor mean(const Tensor& t) { return mean(t, {}, false); }

Tensor Tensor::sum() const { return tg::sum(*this); }
Tensor Tensor::sum(IntArrayRef dims, bool keepdim) const { return tg::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return tg::mean(*this); }
Tensor Tensor::mean(IntArrayRef dims, bool keepdim) const { return tg::mean(*this, dims, keepdim); }

}  // namespace tg
