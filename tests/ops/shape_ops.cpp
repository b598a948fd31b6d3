// Registers the shape and indexing ops with the fixture harness. cat/stack take all the
// case's inputs as their list; split/chunk return all their pieces.
#include "support/op_registry.h"

namespace tg::testing {
namespace {

TensorList one(Tensor t) { return {std::move(t)}; }

TG_OP("cat", [](const TensorList& in, const Args& a) -> TensorList {
  return one(cat(in, int_arg(a, "dim", 0)));
});
TG_OP("stack", [](const TensorList& in, const Args& a) -> TensorList {
  return one(stack(in, int_arg(a, "dim", 0)));
});
TG_OP("split", [](const TensorList& in, const Args& a) -> TensorList {
  const auto& s = a["split_size_or_sections"];
  const int64_t dim = int_arg(a, "dim", 0);
  if (s.is_array()) return split(in[0], IntArrayRef(s.get<std::vector<int64_t>>()), dim);
  return split(in[0], s.get<int64_t>(), dim);
});
TG_OP("chunk", [](const TensorList& in, const Args& a) -> TensorList {
  return chunk(in[0], int_arg(a, "chunks", 1), int_arg(a, "dim", 0));
});
TG_OP("pad", [](const TensorList& in, const Args& a) -> TensorList {
  return one(pad(in[0], int_list(a, "pad", 0, {}), str_arg(a, "mode", "constant"),
                 opt_float(a, "value")));
});
TG_OP("index_select", [](const TensorList& in, const Args& a) -> TensorList {
  return one(index_select(in[0], int_arg(a, "dim", 0), in[1]));
});
TG_OP("gather", [](const TensorList& in, const Args& a) -> TensorList {
  return one(gather(in[0], int_arg(a, "dim", 0), in[1]));
});
TG_OP("scatter_add", [](const TensorList& in, const Args& a) -> TensorList {
  return one(scatter_add(in[0], int_arg(a, "dim", 0), in[1], in[2]));
});
TG_OP("masked_fill", [](const TensorList& in, const Args& a) -> TensorList {
  return one(masked_fill(in[0], in[1], Scalar(float_arg(a, "value", 0.0))));
});
TG_OP("one_hot", [](const TensorList& in, const Args& a) -> TensorList {
  return one(one_hot(in[0], int_arg(a, "num_classes", -1)));
});
TG_OP("repeat", [](const TensorList& in, const Args& a) -> TensorList {
  return one(repeat(in[0], int_list(a, "repeats", 1, {})));
});
TG_OP("flip", [](const TensorList& in, const Args& a) -> TensorList {
  return one(flip(in[0], int_list(a, "dims", 1, {})));
});

// ---- views
TG_OP("reshape", [](const TensorList& in, const Args& a) -> TensorList {
  return one(in[0].reshape(int_list(a, "shape", 1, {})));
});
TG_OP("permute", [](const TensorList& in, const Args& a) -> TensorList {
  return one(in[0].permute(int_list(a, "dims", 1, {})));
});
TG_OP("transpose", [](const TensorList& in, const Args& a) -> TensorList {
  return one(in[0].transpose(int_arg(a, "dim0", 0), int_arg(a, "dim1", 1)));
});
TG_OP("narrow", [](const TensorList& in, const Args& a) -> TensorList {
  return one(in[0].narrow(int_arg(a, "dim", 0), int_arg(a, "start", 0), int_arg(a, "length", 0)));
});
TG_OP("select", [](const TensorList& in, const Args& a) -> TensorList {
  return one(in[0].select(int_arg(a, "dim", 0), int_arg(a, "index", 0)));
});
TG_OP("expand", [](const TensorList& in, const Args& a) -> TensorList {
  return one(in[0].expand(int_list(a, "size", 1, {})));
});
TG_OP("squeeze", [](const TensorList& in, const Args& a) -> TensorList {
  return one(has(a, "dim") ? in[0].squeeze(int_arg(a, "dim", 0)) : in[0].squeeze());
});
TG_OP("unsqueeze", [](const TensorList& in, const Args& a) -> TensorList {
  return one(in[0].unsqueeze(int_arg(a, "dim", 0)));
});
TG_OP("flatten", [](const TensorList& in, const Args& a) -> TensorList {
  return one(in[0].flatten(int_arg(a, "start_dim", 0), int_arg(a, "end_dim", -1)));
});
TG_OP("contiguous", [](const TensorList& in, const Args&) -> TensorList {
  return one(in[0].contiguous());
});

}  // namespace
}  // namespace tg::testing
