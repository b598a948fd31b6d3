// Registers the elementwise and unary ops with the fixture harness.
#include "support/op_registry.h"

namespace tg::testing {
namespace {

// Binary ops take either two tensors or a tensor and args["other"].
template <class TT, class TS>
OpFn binary(TT tensor_tensor, TS tensor_scalar) {
  return [=](const TensorList& in, const Args& a) -> TensorList {
    if (in.size() == 2) return {tensor_tensor(in[0], in[1], a)};
    return {tensor_scalar(in[0], Scalar(a["other"].get<double>()), a)};
  };
}

Scalar alpha(const Args& a) { return Scalar(float_arg(a, "alpha", 1.0)); }

TG_OP("add", binary([](const Tensor& x, const Tensor& y, const Args& a) { return add(x, y, alpha(a)); },
                    [](const Tensor& x, Scalar s, const Args& a) { return add(x, wrap_scalar(s, x), alpha(a)); }));
TG_OP("sub", binary([](const Tensor& x, const Tensor& y, const Args& a) { return sub(x, y, alpha(a)); },
                    [](const Tensor& x, Scalar s, const Args& a) { return sub(x, wrap_scalar(s, x), alpha(a)); }));
TG_OP("mul", binary([](const Tensor& x, const Tensor& y, const Args&) { return x * y; },
                    [](const Tensor& x, Scalar s, const Args&) { return x * s; }));
TG_OP("div", binary([](const Tensor& x, const Tensor& y, const Args&) { return x / y; },
                    [](const Tensor& x, Scalar s, const Args&) { return x / s; }));
TG_OP("pow", [](const TensorList& in, const Args& a) -> TensorList {
  if (in.size() == 2) return {pow(in[0], in[1])};
  return {pow(in[0], Scalar(a["exponent"].get<double>()))};
});
TG_OP("maximum", [](const TensorList& in, const Args&) -> TensorList { return {maximum(in[0], in[1])}; });
TG_OP("minimum", [](const TensorList& in, const Args&) -> TensorList { return {minimum(in[0], in[1])}; });
TG_OP("where", [](const TensorList& in, const Args&) -> TensorList { return {where(in[0], in[1], in[2])}; });
TG_OP("neg", [](const TensorList& in, const Args&) -> TensorList { return {-in[0]}; });
TG_OP("exp", [](const TensorList& in, const Args&) -> TensorList { return {exp(in[0])}; });
TG_OP("log", [](const TensorList& in, const Args&) -> TensorList { return {log(in[0])}; });
TG_OP("sqrt", [](const TensorList& in, const Args&) -> TensorList { return {sqrt(in[0])}; });
TG_OP("rsqrt", [](const TensorList& in, const Args&) -> TensorList { return {rsqrt(in[0])}; });
TG_OP("abs", [](const TensorList& in, const Args&) -> TensorList { return {abs(in[0])}; });
TG_OP("sin", [](const TensorList& in, const Args&) -> TensorList { return {sin(in[0])}; });
TG_OP("cos", [](const TensorList& in, const Args&) -> TensorList { return {cos(in[0])}; });
TG_OP("clamp", [](const TensorList& in, const Args& a) -> TensorList {
  std::optional<Scalar> lo, hi;
  if (has(a, "min")) lo = Scalar(a["min"].get<double>());
  if (has(a, "max")) hi = Scalar(a["max"].get<double>());
  return {clamp(in[0], lo, hi)};
});
TG_OP("clamp_min", [](const TensorList& in, const Args& a) -> TensorList {
  return {clamp_min(in[0], Scalar(a["min"].get<double>()))};
});

}  // namespace
}  // namespace tg::testing
