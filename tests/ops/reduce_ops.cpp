// Registers the reductions with the fixture harness.
#include "support/op_registry.h"

namespace tg::testing {
namespace {

// PyTorch's `dim` argument: absent (all dims), an int, or a list.
std::vector<int64_t> dims_arg(const Args& a) {
  if (!has(a, "dim")) return {};
  return int_list(a, "dim", 1, {});
}

bool keepdim(const Args& a) { return bool_arg(a, "keepdim", false); }

TG_OP("sum", [](const TensorList& in, const Args& a) -> TensorList {
  return {sum(in[0], dims_arg(a), keepdim(a))};
});
TG_OP("mean", [](const TensorList& in, const Args& a) -> TensorList {
  return {mean(in[0], dims_arg(a), keepdim(a))};
});
TG_OP("prod", [](const TensorList& in, const Args& a) -> TensorList {
  if (!has(a, "dim")) return {prod(in[0])};
  return {prod(in[0], int_arg(a, "dim", 0), keepdim(a))};
});
TG_OP("amax", [](const TensorList& in, const Args& a) -> TensorList {
  return {amax(in[0], dims_arg(a), keepdim(a))};
});
TG_OP("amin", [](const TensorList& in, const Args& a) -> TensorList {
  return {amin(in[0], dims_arg(a), keepdim(a))};
});
TG_OP("max", [](const TensorList& in, const Args& a) -> TensorList {
  if (!has(a, "dim")) return {max(in[0])};
  auto [values, indices] = max(in[0], int_arg(a, "dim", 0), keepdim(a));
  return {values, indices};
});
TG_OP("min", [](const TensorList& in, const Args& a) -> TensorList {
  if (!has(a, "dim")) return {min(in[0])};
  auto [values, indices] = min(in[0], int_arg(a, "dim", 0), keepdim(a));
  return {values, indices};
});
TG_OP("var", [](const TensorList& in, const Args& a) -> TensorList {
  return {var(in[0], dims_arg(a), bool_arg(a, "unbiased", true), keepdim(a))};
});
TG_OP("std", [](const TensorList& in, const Args& a) -> TensorList {
  return {tg::std(in[0], dims_arg(a), bool_arg(a, "unbiased", true), keepdim(a))};
});
TG_OP("logsumexp", [](const TensorList& in, const Args& a) -> TensorList {
  return {logsumexp(in[0], dims_arg(a), keepdim(a))};
});
TG_OP("norm", [](const TensorList& in, const Args& a) -> TensorList {
  return {norm(in[0], float_arg(a, "p", 2.0), dims_arg(a), keepdim(a))};
});
TG_OP("argmax", [](const TensorList& in, const Args& a) -> TensorList {
  std::optional<int64_t> dim;
  if (has(a, "dim")) dim = int_arg(a, "dim", 0);
  return {argmax(in[0], dim, keepdim(a))};
});
TG_OP("argmin", [](const TensorList& in, const Args& a) -> TensorList {
  std::optional<int64_t> dim;
  if (has(a, "dim")) dim = int_arg(a, "dim", 0);
  return {argmin(in[0], dim, keepdim(a))};
});

}  // namespace
}  // namespace tg::testing
