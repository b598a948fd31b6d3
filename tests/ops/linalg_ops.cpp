// Registers the matrix products with the fixture harness.
#include "support/op_registry.h"

namespace tg::testing {
namespace {

TG_OP("matmul", [](const TensorList& in, const Args&) -> TensorList { return {matmul(in[0], in[1])}; });
TG_OP("mm", [](const TensorList& in, const Args&) -> TensorList { return {mm(in[0], in[1])}; });
TG_OP("bmm", [](const TensorList& in, const Args&) -> TensorList { return {bmm(in[0], in[1])}; });
TG_OP("linear", [](const TensorList& in, const Args&) -> TensorList {
  return {linear(in[0], in[1], input_or_none(in, 2))};
});
TG_OP("outer", [](const TensorList& in, const Args&) -> TensorList { return {outer(in[0], in[1])}; });

}  // namespace
}  // namespace tg::testing
