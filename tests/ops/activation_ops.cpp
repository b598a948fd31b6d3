// Registers the activation ops with the fixture harness.
#include "support/op_registry.h"

namespace tg::testing {
namespace {

TG_OP("relu", [](const TensorList& in, const Args&) -> TensorList { return {relu(in[0])}; });
TG_OP("leaky_relu", [](const TensorList& in, const Args& a) -> TensorList {
  return {leaky_relu(in[0], float_arg(a, "negative_slope", 0.01))};
});
TG_OP("elu", [](const TensorList& in, const Args& a) -> TensorList {
  return {elu(in[0], float_arg(a, "alpha", 1.0))};
});
TG_OP("gelu", [](const TensorList& in, const Args& a) -> TensorList {
  return {gelu(in[0], str_arg(a, "approximate", "none"))};
});
TG_OP("hardtanh", [](const TensorList& in, const Args& a) -> TensorList {
  return {hardtanh(in[0], float_arg(a, "min_val", -1.0), float_arg(a, "max_val", 1.0))};
});
TG_OP("relu6", [](const TensorList& in, const Args&) -> TensorList { return {relu6(in[0])}; });
TG_OP("sigmoid", [](const TensorList& in, const Args&) -> TensorList { return {sigmoid(in[0])}; });
TG_OP("tanh", [](const TensorList& in, const Args&) -> TensorList { return {tanh(in[0])}; });
TG_OP("silu", [](const TensorList& in, const Args&) -> TensorList { return {silu(in[0])}; });
TG_OP("softplus", [](const TensorList& in, const Args& a) -> TensorList {
  return {softplus(in[0], float_arg(a, "beta", 1.0), float_arg(a, "threshold", 20.0))};
});
TG_OP("softmax", [](const TensorList& in, const Args& a) -> TensorList {
  return {softmax(in[0], int_arg(a, "dim", -1))};
});
TG_OP("log_softmax", [](const TensorList& in, const Args& a) -> TensorList {
  return {log_softmax(in[0], int_arg(a, "dim", -1))};
});

}  // namespace
}  // namespace tg::testing
