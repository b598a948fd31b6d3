// Shape and indexing ops beyond the fixtures: bad arguments (view ops included), edge
// cases (legacy empty tensors in cat, views from split, cropping pads, 0-d inputs), double
// backward of the padding and index ops, and the same bits for 1 and 2 threads on inputs
// large enough to run the parallel paths.
#include <gtest/gtest.h>

#include <limits>

#include "tapegrad.h"

namespace tg {
namespace {

template <class F>
void expect_error_naming(const std::string& op, F&& f, const std::string& also = "") {
  try {
    f();
    ADD_FAILURE() << "expected tg::Error from " << op;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(op), std::string::npos) << msg;
    if (!also.empty()) {
      EXPECT_NE(msg.find(also), std::string::npos) << msg;
    }
  }
}

std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

std::vector<uint8_t> bits(const TensorList& ts) {
  std::vector<uint8_t> out;
  for (const Tensor& t : ts) {
    Tensor c = t.detach().contiguous();
    const auto* p = static_cast<const uint8_t*>(c.raw_data());
    out.insert(out.end(), p, p + c.numel() * itemsize(c.dtype()));
  }
  return out;
}

void expect_grads_ok(const autograd::SingleOutputFn& fn, const TensorList& inputs) {
  auto r = gradcheck(fn, inputs);
  EXPECT_TRUE(r) << r;
  auto rr = gradgradcheck(fn, inputs);
  EXPECT_TRUE(rr) << rr;
}

Tensor index_tensor(std::vector<int64_t> v, IntArrayRef shape = {}) { return tensor(v, shape); }

// ---------------------------------------------------------------- bad arguments

TEST(ShapeOps, ViewOpsBadArguments) {
  Tensor x = randn({2, 3, 4});
  expect_error_naming("view", [&] { x.view({5, 5}); });
  expect_error_naming("view", [&] { x.view({-1, -1}); });
  expect_error_naming("view", [&] { x.permute({2, 0, 1}).view({24}); }, "reshape");
  expect_error_naming("reshape", [&] { x.reshape({7, -1}); });
  expect_error_naming("reshape", [&] { x.reshape({2, -3, 4}); });
  expect_error_naming("permute", [&] { x.permute({0, 1}); });
  expect_error_naming("permute", [&] { x.permute({0, 1, 1}); });
  expect_error_naming("permute", [&] { x.permute({0, 1, 3}); });
  expect_error_naming("transpose", [&] { x.transpose(0, 3); });
  expect_error_naming("transpose", [&] { x.transpose(-4, 0); });
  expect_error_naming("slice", [&] { x.slice(3, 0, 1); });
  expect_error_naming("slice", [&] { x.slice(0, 0, 1, 0); });
  expect_error_naming("slice", [&] { scalar_tensor(1.0).slice(0, 0, 1); });
  expect_error_naming("narrow", [&] { x.narrow(1, 2, 2); });
  expect_error_naming("narrow", [&] { x.narrow(-4, 0, 1); });
  expect_error_naming("narrow", [&] { x.narrow(0, 0, -1); });
  expect_error_naming("select", [&] { x.select(1, 3); }, "size 3");
  expect_error_naming("select", [&] { x.select(1, -4); });
  expect_error_naming("select", [&] { x.select(3, 0); });
  expect_error_naming("select", [&] { scalar_tensor(1.0).select(0, 0); });
  expect_error_naming("expand", [&] { x.expand({2, 5, 4}); });
  expect_error_naming("expand", [&] { x.expand({3, 4}); });
  expect_error_naming("expand", [&] { x.expand({-1, 2, 3, 4}); });
  expect_error_naming("squeeze", [&] { x.squeeze(3); });
  expect_error_naming("unsqueeze", [&] { x.unsqueeze(4); });
  expect_error_naming("unsqueeze", [&] { x.unsqueeze(-5); });
  expect_error_naming("flatten", [&] { x.flatten(2, 1); });
  expect_error_naming("flatten", [&] { x.flatten(0, 3); });
  expect_error_naming("unflatten", [&] { unflatten(x, 1, {2, 2}); });
  expect_error_naming("t", [&] { x.t(); });
}

TEST(ShapeOps, JoinBadArguments) {
  Tensor a = randn({2, 3}), b = randn({2, 4});
  expect_error_naming("cat", [&] { cat({}); });
  expect_error_naming("cat", [&] { cat({a, Tensor()}); });
  expect_error_naming("cat", [&] { cat({scalar_tensor(1.0), scalar_tensor(2.0)}); });
  expect_error_naming("cat", [&] { cat({a, randn({3})}); }, "[3]");
  expect_error_naming("cat", [&] { cat({a, b}, 0); }, "tensor #1");
  expect_error_naming("cat", [&] { cat({a, b}, 2); });
  expect_error_naming("cat", [&] { cat({a, a}, -3); });
  expect_error_naming("stack", [&] { stack({}); });
  expect_error_naming("stack", [&] { stack({a, b}); }, "[2, 4]");
  expect_error_naming("stack", [&] { stack({a, a}, 3); });
  expect_error_naming("stack", [&] { stack({a, a}, -4); });
  expect_error_naming("split", [&] { split(scalar_tensor(1.0), 1); });
  expect_error_naming("split", [&] { split(a, -1); });
  expect_error_naming("split", [&] { split(a, 0); });
  expect_error_naming("split", [&] { split(a, 1, 2); });
  expect_error_naming("split_with_sizes", [&] { split(a, {1, 2}, 0); }, "sum exactly to 2");
  expect_error_naming("split_with_sizes", [&] { split_with_sizes(a, {3, -1}, 0); });
  expect_error_naming("split_with_sizes", [&] { split_with_sizes(a, {1, 1}, -3); });
  expect_error_naming("chunk", [&] { chunk(a, 0); });
  expect_error_naming("chunk", [&] { chunk(a, -1); });
  expect_error_naming("chunk", [&] { chunk(scalar_tensor(1.0), 1); });
  expect_error_naming("chunk", [&] { chunk(a, 2, 2); });
  expect_error_naming("repeat", [&] { repeat(a, {2}); });
  expect_error_naming("repeat", [&] { repeat(a, {2, -1}); });
  expect_error_naming("repeat", [&] { repeat(Tensor(), {2}); });
  expect_error_naming("flip", [&] { flip(a, {0, 0}); });
  expect_error_naming("flip", [&] { flip(a, {0, -2}); });
  expect_error_naming("flip", [&] { flip(a, {2}); });
}

TEST(ShapeOps, PadBadArguments) {
  Tensor x = randn({2, 3, 4});
  expect_error_naming("pad", [&] { pad(x, {1}); }, "divisible by 2");
  expect_error_naming("pad", [&] { pad(x, {1, 1, 1, 1, 1, 1, 1, 1}); }, "too large");
  expect_error_naming("pad", [&] { pad(x, {1, 1}, "mirror"); }, "mirror");
  expect_error_naming("pad", [&] { pad(x, {-3, -2}); }, "negative output size");
  expect_error_naming("pad", [&] { pad(x, {-5, 2}); }, "crops more than its size 4");
  expect_error_naming("pad", [&] { pad(x, {1, 1}, "reflect", 2.0); }, "value");
  expect_error_naming("pad", [&] { pad(x, {4, 0}, "reflect"); }, "less than the input size 4");
  expect_error_naming("pad", [&] { pad(x, {0, 1, 3, 0}, "reflect"); }, "dimension 1");
  expect_error_naming("pad", [&] { pad(randn({5}), {1, 1}, "reflect"); }, "[5]");
  expect_error_naming("pad", [&] { pad(randn({1, 2, 3, 4}), {1, 1}, "replicate"); });
  expect_error_naming("pad", [&] { pad(randn({1, 2, 3, 4, 5}), {1, 1, 1, 1, 1, 1, 1, 1},
                                       "replicate"); });
  expect_error_naming("pad", [&] { pad(arange(6).view({1, 2, 3}), {1, 1}, "reflect"); },
                      "int64");
  expect_error_naming("pad", [&] { pad(empty({2, 0, 4}), {1, 1}, "replicate"); }, "non-zero");
  expect_error_naming("pad", [&] { pad(x, {-2, -2}, "replicate"); }, "too small");
  expect_error_naming("pad", [&] { pad(x, {5, 0}, "circular"); }, "more than once");
  expect_error_naming("pad", [&] { pad(x, {-4, 1}, "circular"); }, "nothing to wrap");
  expect_error_naming("pad", [&] { pad(x, {3, -5}, "reflect"); }, "crops more than");
  expect_error_naming("pad_backward", [&] { pad_backward(randn({2, 3, 5}), {2, 3, 4}, {1, 1},
                                                         "reflect"); }, "[2, 3, 6]");
  expect_error_naming("pad_backward", [&] { pad_backward(randn({2, 3, 6}), {2, 3, 4}, {1, 1},
                                                         "zeros"); });
}

TEST(ShapeOps, IndexBadArguments) {
  Tensor x = randn({3, 4});
  Tensor i2 = index_tensor({0, 2});
  expect_error_naming("index_select", [&] { index_select(x, 0, i2.to(kFloat32)); }, "int64");
  expect_error_naming("index_select", [&] { index_select(x, 0, i2.view({1, 2})); }, "vector");
  expect_error_naming("index_select", [&] { index_select(x, 2, i2); });
  expect_error_naming("index_select", [&] { index_select(x, 0, index_tensor({3})); },
                      "index 3 is out of bounds for dimension 0 with size 3");
  expect_error_naming("index_select", [&] { index_select(x, 1, index_tensor({-1})); },
                      "index -1");
  expect_error_naming("index_add", [&] { index_add(x, 0, i2, randn({2, 3})); }, "[2, 3]");
  expect_error_naming("index_add", [&] { index_add(x, 0, i2, randn({2, 4}, kFloat64)); },
                      "float64");
  expect_error_naming("index_add", [&] { index_add(x, 1, index_tensor({4, 0}), randn({3, 2})); },
                      "index 4");
  expect_error_naming("index_add", [&] { index_add(x, 0, i2.view({2, 1}), randn({2, 4})); });
  expect_error_naming("gather", [&] { gather(x, 1, i2); }, "dimensions");
  expect_error_naming("gather", [&] { gather(x, 1, index_tensor({0, 1, 2, 3, 0}, {5, 1})); },
                      "[5, 1]");
  expect_error_naming("gather", [&] { gather(x, 1, index_tensor({0, 4}, {1, 2})); },
                      "index 4 is out of bounds for dimension 1 with size 4");
  expect_error_naming("gather", [&] { gather(x, 0, index_tensor({-1}, {1, 1})); }, "-1");
  expect_error_naming("gather", [&] { gather(x, 2, index_tensor({0}, {1, 1})); });
  expect_error_naming("gather", [&] { gather(x, 0, tensor({0.0, 1.0}).view({1, 2})); });
  Tensor ix = index_tensor({0, 1}, {1, 2});
  expect_error_naming("scatter_add", [&] { scatter_add(x, 1, ix, randn({1, 2}, kFloat64)); });
  expect_error_naming("scatter_add", [&] { scatter_add(x, 1, ix, randn({1, 1})); }, "[1, 1]");
  expect_error_naming("scatter_add", [&] { scatter_add(x, 1, index_tensor({0, 1}), randn({2})); },
                      "dimensions");
  expect_error_naming("scatter_add", [&] { scatter_add(x, 0, index_tensor({1, 3}, {1, 2}),
                                                       randn({1, 2})); }, "index 3");
  expect_error_naming("scatter_add", [&] { scatter_add(x, 1, index_tensor({0, 1, 2, 3, 0, 1, 2, 3},
                                                       {4, 2}), randn({4, 2})); });
  expect_error_naming("masked_fill", [&] { masked_fill(x, ones({3, 4}), 1.0); }, "bool");
  expect_error_naming("masked_fill", [&] { masked_fill(x, ones({2}, kBool), 1.0); }, "[2]");
  expect_error_naming("masked_fill_", [&] { randn({4}).masked_fill_(ones({3, 4}, kBool), 1.0); },
                      "[3, 4]");
  expect_error_naming("masked_fill_", [&] { x.masked_fill_(ones({4}), 1.0); }, "bool");
  Tensor leaf = randn({4}).requires_grad_();
  expect_error_naming("masked_fill_", [&] { leaf.masked_fill_(ones({4}, kBool), 1.0); }, "leaf");
  expect_error_naming("one_hot", [&] { one_hot(x); }, "int64");
  expect_error_naming("one_hot", [&] { one_hot(index_tensor({0, -1}), 3); }, "non-negative");
  expect_error_naming("one_hot", [&] { one_hot(index_tensor({0, 3}), 3); }, "num_classes 3");
  expect_error_naming("one_hot", [&] { one_hot(empty({0}, kInt64)); }, "empty");
  expect_error_naming("one_hot", [&] { one_hot(index_tensor({1}), -2); });
}

// ---------------------------------------------------------------- join

TEST(ShapeOps, CatSkipsLegacyEmptyTensorsAndPromotes) {
  Tensor a = tensor({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}).view({2, 3}).requires_grad_();
  Tensor e = empty({0}).requires_grad_();
  Tensor ints = arange(3).view({1, 3});
  Tensor out = cat({a, e, ints}, 0);
  EXPECT_EQ(out.shape(), Shape({3, 3}));
  EXPECT_EQ(out.dtype(), kFloat32);
  EXPECT_EQ(values(out), (std::vector<double>{1, 2, 3, 4, 5, 6, 0, 1, 2}));
  TensorList g = autograd::grad({out}, {a, e}, {ones({3, 3})});
  EXPECT_EQ(g[0].shape(), Shape({2, 3}));
  EXPECT_EQ(g[1].shape(), Shape({0}));
  EXPECT_EQ(cat({empty({0}), empty({0})}).shape(), Shape({0}));
  EXPECT_EQ(cat({a.detach(), randn({2, 3}, kFloat64)}, 1).dtype(), kFloat64);
  EXPECT_EQ(stack({scalar_tensor(1.0), scalar_tensor(2.0)}).shape(), Shape({2}));
  EXPECT_EQ(stack({a, a}, -1).shape(), Shape({2, 3, 2}));
}

TEST(ShapeOps, ChunkCountsNearInt64MaxDoNotOverflow) {
  // ceil(5 / chunks) is 1 piece size for any chunks >= 5: five pieces, as for chunks = 10.
  for (int64_t chunks : {int64_t{10}, std::numeric_limits<int64_t>::max() - 1,
                         std::numeric_limits<int64_t>::max()}) {
    TensorList pieces = chunk(arange(5), chunks);
    ASSERT_EQ(pieces.size(), 5u) << chunks;
    EXPECT_EQ(pieces[4].shape(), Shape({1}));
  }
  EXPECT_EQ(chunk(zeros({0}), 4).size(), 4u);  // an empty dim: `chunks` empty pieces
  expect_error_naming("chunk", [] { chunk(zeros({0, 3}), std::numeric_limits<int64_t>::max()); },
                      "[0, 3]");
}

TEST(ShapeOps, SplitAndChunkReturnViewsWithOneNode) {
  Tensor x = arange(12).view({3, 4}).to(kFloat64).requires_grad_();
  TensorList parts = split(x, 3, 1);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].shape(), Shape({3, 3}));
  EXPECT_EQ(parts[1].shape(), Shape({3, 1}));
  EXPECT_TRUE(parts[1].storage() == x.storage());
  EXPECT_EQ(parts[1].storage_offset(), 3);
  EXPECT_EQ(values(parts[1]), (std::vector<double>{3, 7, 11}));
  EXPECT_EQ(parts[0].grad_fn_name(), "SplitBackward");
  EXPECT_TRUE(parts[0].grad_fn() == parts[1].grad_fn());
  // Only one piece used: the other gets zeros.
  Tensor g = autograd::grad({parts[1].sum()}, {x})[0];
  EXPECT_EQ(values(g), (std::vector<double>{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}));

  EXPECT_EQ(chunk(zeros({0, 2}), 3).size(), 3u);
  EXPECT_EQ(chunk(zeros({6}), 4).size(), 3u);
  EXPECT_EQ(split(zeros({0, 2}), 0).size(), 1u);
  TensorList sections = split(x, {1, 0, 2}, 0);
  ASSERT_EQ(sections.size(), 3u);
  EXPECT_EQ(sections[1].shape(), Shape({0, 4}));
  expect_grads_ok([](const TensorList& in) {
    TensorList p = chunk(in[0], 3, 1);
    return p[0] * p[2].sum() + p[1].exp().sum();
  }, {randn({2, 7}, kFloat64).requires_grad_()});
}

TEST(ShapeOps, RepeatAndFlip) {
  Tensor x = tensor({1.0, 2.0, 3.0});
  EXPECT_EQ(values(repeat(x, {2, 2})), (std::vector<double>{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}));
  EXPECT_EQ(repeat(x, {0, 2}).shape(), Shape({0, 6}));
  EXPECT_EQ(repeat(scalar_tensor(4.0), {}).shape(), Shape({}));
  EXPECT_EQ(values(flip(arange(6).view({2, 3}), {0, 1})), (std::vector<double>{5, 4, 3, 2, 1, 0}));
  EXPECT_EQ(values(flip(scalar_tensor(4.0), {0})), (std::vector<double>{4}));
  // Five dims tiled over six: more than kMaxDims / 2, so no interleaved view is possible.
  expect_grads_ok([](const TensorList& in) { return repeat(in[0], {2, 1, 3, 1, 2, 2}); },
                  {randn({2, 1, 2, 3, 1}, kFloat64).requires_grad_()});
  expect_grads_ok([](const TensorList& in) { return flip(in[0].transpose(0, 2), {0, -1}); },
                  {randn({2, 3, 4}, kFloat64).requires_grad_()});
}

// ---------------------------------------------------------------- pad

TEST(ShapeOps, PadValuesMatchPyTorch) {
  Tensor x = arange(10).view({2, 5}).to(kFloat32);
  EXPECT_EQ(values(pad(x, {1, 1}, "reflect").select(0, 0)),
            (std::vector<double>{1, 0, 1, 2, 3, 4, 3}));
  EXPECT_EQ(values(pad(x, {4, 4}, "reflect").select(0, 0)),
            (std::vector<double>{4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0}));
  EXPECT_EQ(values(pad(x, {-1, 2}, "reflect").select(0, 1)),
            (std::vector<double>{6, 7, 8, 9, 8, 7}));
  EXPECT_EQ(values(pad(x, {-1, 2}, "replicate").select(0, 0)),
            (std::vector<double>{1, 2, 3, 4, 4, 4}));
  EXPECT_EQ(values(pad(x, {3, -6}, "replicate").select(0, 1)), (std::vector<double>{5, 5}));
  EXPECT_EQ(values(pad(x, {6, 0}, "replicate").select(0, 0)),
            (std::vector<double>{0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}));
  EXPECT_EQ(values(pad(x.view({1, 2, 5}), {-1, 2}, "circular")),
            (std::vector<double>{1, 2, 3, 4, 1, 2, 6, 7, 8, 9, 6, 7}));
  // Circular padding wraps around the cropped input.
  EXPECT_EQ(values(pad(x.view({1, 2, 5}), {2, -1}, "circular").select(1, 0)),
            (std::vector<double>{2, 3, 0, 1, 2, 3}));
  EXPECT_EQ(values(pad(x.view({1, 2, 5}), {-1, 4}, "circular").select(1, 0)),
            (std::vector<double>{1, 2, 3, 4, 1, 2, 3, 4}));
  EXPECT_EQ(values(pad(x.view({1, 2, 5}), {-3, 4}, "circular").select(1, 0)),
            (std::vector<double>{3, 4, 3, 4, 3, 4}));
  EXPECT_EQ(values(pad(x.view({1, 2, 5}), {5, 0}, "circular").select(1, 0)),
            (std::vector<double>{0, 1, 2, 3, 4, 0, 1, 2, 3, 4}));
  EXPECT_EQ(values(pad(x, {-2, -2})), (std::vector<double>{2, 7}));
  EXPECT_EQ(pad(x, {-2, -3}).shape(), Shape({2, 0}));
  EXPECT_EQ(values(pad(arange(3), {1, 1}, "constant", 2.5)), (std::vector<double>{2, 0, 1, 2, 2}));
  EXPECT_EQ(values(pad(x, {0, 0, 1, 0}, "constant", -1.0)).front(), -1.0);
  EXPECT_EQ(pad(scalar_tensor(1.0), {}).shape(), Shape({}));
  EXPECT_EQ(pad(x, {1, 1}, "reflect", 0.0).shape(), Shape({2, 7}));  // a zero value is allowed
  // Unbatched circular padding is accepted (PyTorch 1.13 rejects it with a confusing error).
  EXPECT_EQ(values(pad(x, {1, 1}, "circular").select(0, 0)),
            (std::vector<double>{4, 0, 1, 2, 3, 4, 0}));
}

TEST(ShapeOps, PadDoubleBackward) {
  for (const char* mode : {"constant", "reflect", "replicate", "circular"}) {
    SCOPED_TRACE(mode);
    expect_grads_ok([mode](const TensorList& in) { return pad(in[0], {2, -1, 1, 2, -1, 1}, mode); },
                    {randn({1, 2, 3, 4, 3}, kFloat64).requires_grad_()});
    expect_grads_ok([mode](const TensorList& in) { return pad(in[0], {3, 2}, mode); },
                    {randn({2, 4}, kFloat64).requires_grad_()});
  }
  expect_grads_ok([](const TensorList& in) { return pad(in[0], {1, -2, 0, 3}, "constant", 0.7); },
                  {randn({2, 3, 4}, kFloat64).requires_grad_()});
  // The backward op on its own, and its name on the graph.
  expect_grads_ok([](const TensorList& in) {
    return pad_backward(in[0], {1, 2, 3}, {2, 2, 1, 0}, "reflect");
  }, {randn({1, 3, 7}, kFloat64).requires_grad_()});
  Tensor x = randn({1, 2, 5}).requires_grad_();
  Tensor gout = ones({1, 2, 9}).requires_grad_();
  Tensor g = autograd::grad({pad(x, {2, 2}, "reflect")}, {x}, {gout}, true, true)[0];
  EXPECT_EQ(g.grad_fn_name(), "ReflectionPadBackwardBackward");
  // Each element gets the count of output positions that read it.
  EXPECT_EQ(values(g.select(1, 0)), (std::vector<double>{1, 2, 3, 2, 1}));
}

// ---------------------------------------------------------------- index

TEST(ShapeOps, IndexOpsValues) {
  Tensor x = arange(12).view({3, 4}).to(kFloat32);
  EXPECT_EQ(values(index_select(x, 1, index_tensor({3, 0}))),
            (std::vector<double>{3, 0, 7, 4, 11, 8}));
  EXPECT_EQ(index_select(scalar_tensor(5.0), 0, index_tensor({0})).shape(), Shape({}));
  EXPECT_EQ(index_select(x, 0, empty({0}, kInt64)).shape(), Shape({0, 4}));
  EXPECT_EQ(values(gather(x, 0, index_tensor({0, 1, 2, 0}, {4, 1}))),
            (std::vector<double>{0, 4, 8, 0}));
  EXPECT_EQ(values(scatter_add(x, 1, index_tensor({0, 1, 1, 1, 1}, {1, 5}), ones({1, 5})))[1],
            5.0);
  EXPECT_EQ(values(index_add(zeros({3}), 0, index_tensor({2, 0, 2}), tensor({1.0, 2.0, 4.0}), 2)),
            (std::vector<double>{4, 0, 10}));
  EXPECT_EQ(values(masked_fill(zeros({4}), ones({2, 4}, kBool), 1.0)).size(), 8u);
  EXPECT_EQ(values(masked_fill(arange(4), tensor({1.0, 0.0, 1.0, 1.0}).to(kBool), 1.7)),
            (std::vector<double>{1, 1, 1, 1}));
  Tensor oh = one_hot(index_tensor({2, 0, 1}, {3}));
  EXPECT_EQ(oh.dtype(), kInt64);
  EXPECT_EQ(values(oh), (std::vector<double>{0, 0, 1, 1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(one_hot(empty({0}, kInt64), 3).shape(), Shape({0, 3}));
  EXPECT_EQ(one_hot(scalar_tensor(2, kInt64)).shape(), Shape({3}));
}

TEST(ShapeOps, IndexOpsDoubleBackward) {
  Tensor idx = index_tensor({2, 0, 2, 1, 2});
  expect_grads_ok([idx](const TensorList& in) { return index_select(in[0], 1, idx).pow(2); },
                  {randn({2, 3, 2}, kFloat64).requires_grad_()});
  expect_grads_ok([idx](const TensorList& in) { return index_add(in[0], 0, idx, in[1], -1.5); },
                  {randn({3, 2}, kFloat64).requires_grad_(),
                   randn({5, 2}, kFloat64).requires_grad_()});
  Tensor gidx = index_tensor({0, 2, 2, 1, 0, 0}, {2, 3});
  expect_grads_ok([gidx](const TensorList& in) { return gather(in[0], 1, gidx).pow(2); },
                  {randn({2, 4}, kFloat64).requires_grad_()});
  // src larger than index: the elements the index does not reach get zero gradient.
  expect_grads_ok([gidx](const TensorList& in) {
    return scatter_add(in[0], 0, gidx, in[1]).pow(2);
  }, {randn({3, 4}, kFloat64).requires_grad_(), randn({3, 5}, kFloat64).requires_grad_()});
  Tensor mask = tensor({1.0, 0.0, 0.0, 1.0}).to(kBool);
  expect_grads_ok([mask](const TensorList& in) { return masked_fill(in[0], mask, 2.0).pow(3); },
                  {randn({3, 4}, kFloat64).requires_grad_()});
}

TEST(ShapeOps, MaskedFillInPlace) {
  Tensor mask = tensor({1.0, 0.0, 1.0}).to(kBool);
  Tensor x = zeros({2, 3});
  x.masked_fill_(mask, 5.0);
  EXPECT_EQ(values(x), (std::vector<double>{5, 0, 5, 5, 0, 5}));
  Tensor t = zeros({3, 2}).t();  // non-contiguous
  t.masked_fill_(mask, 1.0);
  EXPECT_EQ(values(t), (std::vector<double>{1, 0, 1, 1, 0, 1}));
  // With autograd: a non-leaf is rewritten, and the filled positions get no gradient.
  Tensor leaf = randn({2, 3}).requires_grad_();
  Tensor y = leaf * 2.0;
  const uint64_t before = y.version();
  y.masked_fill_(mask, 0.0);
  EXPECT_GT(y.version(), before);
  EXPECT_EQ(y.grad_fn_name(), "MaskedFillBackward");
  Tensor g = autograd::grad({y.sum()}, {leaf})[0];
  EXPECT_EQ(values(g), (std::vector<double>{0, 2, 0, 0, 2, 0}));
}

// ---------------------------------------------------------------- threads

TEST(ShapeOps, SameBitsForOneAndTwoThreads) {
  manual_seed(7);
  Tensor img = randn({4, 8, 64, 64}).requires_grad_();
  Tensor big = randn({300, 256}).requires_grad_();
  Tensor idx = randint(0, 300, {4000});
  Tensor src = randn({4000, 256}).requires_grad_();
  Tensor gidx = randint(0, 256, {300, 512});
  Tensor sidx = randint(0, 300, {1000, 256});
  Tensor ssrc = randn({1000, 256}).requires_grad_();
  auto run = [&](int threads) {
    set_num_threads(threads);
    TensorList outs{pad(img, {3, 3, 3, 3}, "reflect"), pad(img, {2, 1, 1, 2}, "replicate"),
                    pad(img, {-1, 3, 2, 0}, "circular"), pad(img, {1, 1, 1, 1}),
                    index_select(big, 0, idx), index_add(big, 0, idx, src),
                    gather(big, 1, gidx), scatter_add(big, 0, sidx, ssrc),
                    repeat(big, {2, 3}), flip(big, {0, 1}), cat({big, big}, 1),
                    masked_fill(big, gt(big, 0.5), 0.0)};
    TensorList result = outs;
    for (const Tensor& o : outs) {
      TensorList g = autograd::grad({o}, {img, big, src, ssrc}, {ones_like(o)}, false, false, true);
      for (const Tensor& t : g)
        if (t.defined()) result.push_back(t);
    }
    return bits(result);
  };
  const auto one = run(1), two = run(2);
  set_num_threads(2);
  EXPECT_TRUE(one == two);
}

}  // namespace
}  // namespace tg
