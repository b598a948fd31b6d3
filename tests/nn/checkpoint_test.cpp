// Gradient checkpointing (nn/utils/checkpoint.h): gradients equal to the plain computation
// for inputs and for captured parameters, inside deeper graphs, with dropout (the random
// state replayed), with autograd::grad, double backward and gradcheck / gradgradcheck; the
// function runs once forward and once in the backward; errors for misuse.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tapegrad.h"

namespace tg {
namespace {

using utils::checkpoint;

template <class F>
void expect_error_naming(F&& f, const std::string& needle) {
  try {
    f();
    FAIL() << "expected tg::Error mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

void expect_close(const Tensor& got, const Tensor& want, const std::string& what,
                  double tol = 1e-6) {
  ASSERT_TRUE(got.defined()) << what;
  ASSERT_TRUE(want.defined()) << what;
  ASSERT_EQ(got.shape(), want.shape()) << what;
  const std::vector<double> a = got.to_vector<double>(), b = want.to_vector<double>();
  double scale = 1e-12, err = 0;
  for (double v : b) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < a.size(); ++i) err = std::max(err, std::abs(a[i] - b[i]));
  EXPECT_LE(err / scale, tol) << what;
}

// A block with parameters the function captures (not passed as inputs).
nn::Sequential make_block(int64_t width, double dropout = 0.0) {
  return nn::Sequential(nn::Linear(width, 2 * width), nn::Tanh(), nn::Dropout(dropout),
                        nn::Linear(2 * width, width));
}

TensorList grads_of(const std::vector<Tensor>& tensors) {
  TensorList out;
  for (const Tensor& t : tensors) out.push_back(t.grad());
  return out;
}

void zero_grads(nn::Module& m, const TensorList& extra) {
  m.zero_grad();
  for (const Tensor& t : extra) t.set_grad(Tensor());
}

TEST(Checkpoint, GradientsEqualThePlainComputation) {
  manual_seed(1);
  nn::Sequential block = make_block(6);
  const Tensor x = randn({4, 6}).requires_grad_();
  int calls = 0;
  auto fn = [&](const TensorList& in) {
    ++calls;
    return block(in[0]);
  };

  fn({x}).pow(2).sum().backward();
  const TensorList want = grads_of(block->parameters());
  const Tensor want_x = x.grad().clone();
  zero_grads(*block, {x});

  calls = 0;
  const Tensor y = checkpoint(fn, {x});
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(y.grad_fn_name(), "Checkpoint");
  y.pow(2).sum().backward();
  EXPECT_EQ(calls, 2);  // recomputed once in the backward
  expect_close(x.grad(), want_x, "input grad");
  const TensorList got = grads_of(block->parameters());
  for (std::size_t i = 0; i < got.size(); ++i)
    expect_close(got[i], want[i], "parameter grad #" + std::to_string(i));
}

TEST(Checkpoint, WorksInsideADeeperGraph) {
  manual_seed(2);
  nn::Linear stem(5, 8);
  nn::Sequential block1 = make_block(8), block2 = make_block(8);
  nn::Linear head(8, 3);
  const Tensor x = randn({3, 5});
  const Tensor scale = randn({8}).requires_grad_();
  auto run = [&](bool use_checkpoint) {
    Tensor h = stem(x);  // a non-leaf input to the checkpoints
    auto f1 = [&](const TensorList& in) { return block1(in[0]) * in[1]; };
    auto f2 = [&](const TensorList& in) { return block2(in[0]).relu() + in[0]; };
    h = use_checkpoint ? checkpoint(f1, {h, scale}) : f1({h, scale});
    h = use_checkpoint ? checkpoint(f2, {h}) : f2({h});
    return cross_entropy(head(h), tensor(std::vector<int64_t>{0, 2, 1}, {3}));
  };
  std::vector<Tensor> params;
  for (nn::Module* m : std::vector<nn::Module*>{stem.get(), block1.get(), block2.get(), head.get()})
    for (const Tensor& p : m->parameters()) params.push_back(p);
  params.push_back(scale);

  const Tensor plain_loss = run(false);
  plain_loss.backward();
  const TensorList want = grads_of(params);
  for (const Tensor& p : params) p.set_grad(Tensor());

  const Tensor loss = run(true);
  EXPECT_EQ(loss.item(), plain_loss.item());
  loss.backward();
  const TensorList got = grads_of(params);
  for (std::size_t i = 0; i < got.size(); ++i)
    expect_close(got[i], want[i], "parameter grad #" + std::to_string(i));
}

TEST(Checkpoint, SequentialInSegments) {
  manual_seed(3);
  nn::Sequential net(nn::Linear(4, 8), nn::ReLU(), nn::Linear(8, 8), nn::Tanh(),
                     nn::Linear(8, 8), nn::ReLU(), nn::Linear(8, 2));
  const Tensor x = randn({5, 4}).requires_grad_();
  net(x).sum().backward();
  const TensorList want = grads_of(net->parameters());
  const Tensor want_x = x.grad().clone();
  zero_grads(*net, {x});
  for (int64_t segments : {1, 2, 3, 7}) {
    const Tensor y = utils::checkpoint_sequential(net, segments, x);
    EXPECT_EQ(y.shape(), Shape({5, 2}));
    y.sum().backward();
    expect_close(x.grad(), want_x, "input grad, segments=" + std::to_string(segments));
    const TensorList got = grads_of(net->parameters());
    for (std::size_t i = 0; i < got.size(); ++i)
      expect_close(got[i], want[i], "segments=" + std::to_string(segments));
    zero_grads(*net, {x});
  }
  expect_error_naming([&] { utils::checkpoint_sequential(net, 8, x); }, "segments");
}

TEST(Checkpoint, ReplaysTheRandomStateForDropout) {
  nn::Sequential block = make_block(16, /*dropout=*/0.5);
  block->train();
  const Tensor x = randn({8, 16}).requires_grad_();
  auto fn = [&](const TensorList& in) { return block(in[0]); };

  manual_seed(42);
  const Tensor plain = fn({x});
  plain.pow(2).sum().backward();
  const TensorList want = grads_of(block->parameters());
  const Tensor want_x = x.grad().clone();
  const std::string state_after_plain = default_generator().get_state();
  zero_grads(*block, {x});

  manual_seed(42);
  const Tensor y = checkpoint(fn, {x});
  EXPECT_EQ(y.to_vector<float>(), plain.to_vector<float>());
  const std::string state_after_forward = default_generator().get_state();
  EXPECT_EQ(state_after_forward, state_after_plain);
  y.pow(2).sum().backward();
  // The recomputation drew the same mask and left the generator where it was.
  EXPECT_EQ(default_generator().get_state(), state_after_forward);
  expect_close(x.grad(), want_x, "input grad");
  const TensorList got = grads_of(block->parameters());
  for (std::size_t i = 0; i < got.size(); ++i)
    expect_close(got[i], want[i], "parameter grad #" + std::to_string(i));

  // Without preserve_rng_state, the recomputation draws another mask: other gradients.
  zero_grads(*block, {x});
  manual_seed(42);
  checkpoint(fn, {x}, /*preserve_rng_state=*/false).pow(2).sum().backward();
  EXPECT_NE(x.grad().to_vector<float>(), want_x.to_vector<float>());
}

TEST(Checkpoint, AutogradGradMultipleOutputsAndUnusedInputs) {
  manual_seed(4);
  const Tensor a = randn({3, 3}).requires_grad_();
  const Tensor b = randn({3}).requires_grad_();
  const Tensor unused = randn({2}).requires_grad_();
  const Tensor constant = randn({3});
  auto fn = [](const TensorList& in) {
    return TensorList{(in[0] * in[1]).sin(), in[1], in[0].sum(1) * in[3]};
  };
  auto loss_of = [](const TensorList& outs) {
    return outs[0].sum() + (outs[1] * 3.0).sum() + outs[2].pow(2).sum();
  };
  const TensorList want = autograd::grad({loss_of(fn({a, b, unused, constant}))}, {a, b},
                                         {}, std::nullopt, false);
  const TensorList outs = checkpoint(fn, {a, b, unused, constant});
  ASSERT_EQ(outs.size(), 3u);
  EXPECT_FALSE(outs[1].is_same(b));  // an input returned as is gets a fresh handle
  const TensorList got = autograd::grad({loss_of(outs)}, {a, b, unused}, {}, std::nullopt, false,
                                        /*allow_unused=*/true);
  expect_close(got[0], want[0], "grad a");
  expect_close(got[1], want[1], "grad b");
  EXPECT_FALSE(got[2].defined());
  EXPECT_FALSE(a.grad().defined());  // autograd::grad does not touch .grad
}

TEST(Checkpoint, GradcheckAndGradgradcheck) {
  manual_seed(5);
  const Tensor x = randn({3, 4}, kFloat64).requires_grad_();
  const Tensor w = randn({4, 2}, kFloat64).requires_grad_();
  const Tensor b = randn({2}, kFloat64).requires_grad_();
  auto checkpointed = [](const TensorList& in) {
    return checkpoint(
        [](const TensorList& t) { return tanh(linear(t[0], t[1].t(), t[2])) * t[0].sum(); },
        in);
  };
  EXPECT_TRUE(gradcheck(checkpointed, {x, w, b}));
  EXPECT_TRUE(gradgradcheck(checkpointed, {x, w, b}));
  // Non-leaf inputs: higher derivatives flow on into the graph before the checkpoint.
  auto after_ops = [&](const TensorList& in) {
    return checkpointed({in[0].sin(), in[1] * 2.0, in[2]});
  };
  EXPECT_TRUE(gradgradcheck(after_ops, {x, w, b}));
}

TEST(Checkpoint, NestedCheckpoints) {
  manual_seed(10);
  nn::Sequential inner = make_block(5), outer = make_block(5);
  const Tensor x = randn({2, 5}).requires_grad_();
  auto inner_fn = [&](const TensorList& in) { return inner(in[0]); };
  auto run = [&](bool use_checkpoint) {
    auto outer_fn = [&](const TensorList& in) {
      Tensor h = use_checkpoint ? checkpoint(inner_fn, {in[0]}) : inner_fn({in[0]});
      return outer(h.tanh());
    };
    return (use_checkpoint ? checkpoint(outer_fn, {x}) : outer_fn({x})).pow(2).sum();
  };
  std::vector<Tensor> params = inner->parameters();
  for (const Tensor& p : outer->parameters()) params.push_back(p);
  params.push_back(x);
  run(false).backward();
  const TensorList want = grads_of(params);
  for (const Tensor& p : params) p.set_grad(Tensor());
  run(true).backward();
  const TensorList got = grads_of(params);
  for (std::size_t i = 0; i < got.size(); ++i)
    expect_close(got[i], want[i], "grad #" + std::to_string(i));
}

TEST(Checkpoint, DoubleBackwardReachesCapturedParameters) {
  manual_seed(6);
  nn::Sequential block = make_block(4);
  block->to(kFloat64);
  const Tensor x = randn({3, 4}, kFloat64).requires_grad_();
  auto fn = [&](const TensorList& in) { return block(in[0]); };
  // A gradient penalty: d/dparams of |d loss / d x|^2.
  auto penalty_grads = [&](bool use_checkpoint) {
    const Tensor y = use_checkpoint ? checkpoint(fn, {x}) : fn({x});
    const Tensor gx = autograd::grad({y.pow(2).sum()}, {x}, {}, std::nullopt, true)[0];
    block->zero_grad();  // the checkpoint's backward accumulated first-order grads there
    gx.pow(2).sum().backward();
    TensorList out = grads_of(block->parameters());
    out.push_back(x.grad());
    block->zero_grad();
    x.set_grad(Tensor());
    return out;
  };
  const TensorList want = penalty_grads(false);
  const TensorList got = penalty_grads(true);
  for (std::size_t i = 0; i < got.size(); ++i)
    expect_close(got[i], want[i], "second-order grad #" + std::to_string(i), 1e-10);
}

TEST(Checkpoint, ParameterUsedInsideAndOutside) {
  manual_seed(7);
  const Tensor w = randn({4, 4}).requires_grad_();
  const Tensor x = randn({2, 4}).requires_grad_();
  auto inner = [&](const TensorList& in) { return matmul(in[0], w).tanh(); };
  auto run = [&](bool use_checkpoint) {
    Tensor h = matmul(x, w);  // w used before the checkpoint...
    h = use_checkpoint ? checkpoint(inner, {h}) : inner({h});
    return matmul(h, w).sum();  // ...and after it
  };
  run(false).backward();
  const Tensor want_w = w.grad().clone(), want_x = x.grad().clone();
  w.set_grad(Tensor());
  x.set_grad(Tensor());
  run(true).backward();
  expect_close(w.grad(), want_w, "w grad");
  expect_close(x.grad(), want_x, "x grad");
}

TEST(Checkpoint, RunsPlainlyWhenNothingNeedsGrad) {
  manual_seed(8);
  nn::Linear fc(3, 3);
  const Tensor x = randn({2, 3});  // no input requires grad: fn runs as is
  const Tensor y = checkpoint([&](const TensorList& in) { return fc(in[0]); }, {x});
  EXPECT_EQ(y.grad_fn_name(), fc(x).grad_fn_name());
  y.sum().backward();
  EXPECT_TRUE(fc->weight.grad().defined());
  {
    NoGradGuard no_grad;
    const Tensor z = checkpoint([&](const TensorList& in) { return fc(in[0]); },
                                {x.detach().requires_grad_()});
    EXPECT_FALSE(z.requires_grad());
  }
}

TEST(Checkpoint, Errors) {
  manual_seed(9);
  const Tensor x = randn({3}).requires_grad_();
  const Tensor w = randn({3}).requires_grad_();
  const Tensor hidden = w * 2.0;  // a non-leaf the function captures
  const Tensor y = checkpoint([&](const TensorList& in) { return in[0] * hidden; }, {x});
  expect_error_naming([&] { y.sum().backward(); }, "checkpoint: the checkpointed function uses");

  const Tensor v = randn({3}).requires_grad_();
  const Tensor input = v * 1.0;
  const Tensor z = checkpoint([](const TensorList& in) { return in[0].exp(); }, {input});
  input.detach().add_(1.0);  // modifies the saved input in place
  expect_error_naming([&] { z.sum().backward(); }, "modified in place");

  expect_error_naming([&] { checkpoint(utils::CheckpointFunction(), {x}); }, "checkpoint");
  expect_error_naming(
      [&] { checkpoint([](const TensorList&) { return TensorList{Tensor()}; }, {x}); },
      "undefined");
}

}  // namespace
}  // namespace tg
