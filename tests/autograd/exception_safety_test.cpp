// Exception safety of the tape: an op that throws in the middle of a forward, or a hook or a
// vjp that throws in the middle of a backward, leaves the graph, the parameters and the
// buffers usable. The next forward/backward gives the gradients a run without the error
// gives, bit for bit, and once the tensors are gone no node or storage is left behind
// (tg::memory::live_objects counts both).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "autograd/live_objects.h"
#include "tapegrad.h"

namespace tg {
namespace {

// The bytes of a tensor, for bitwise comparisons.
std::vector<unsigned char> bytes_of(const Tensor& t) {
  const Tensor c = t.detach().contiguous();
  std::vector<unsigned char> out(static_cast<std::size_t>(c.nbytes()));
  if (!out.empty()) std::memcpy(out.data(), c.raw_data(), out.size());
  return out;
}

struct Net {
  nn::Linear first{nn::LinearOptions(4, 8)};
  nn::BatchNorm1d norm{nn::BatchNorm1dOptions(8)};
  nn::Linear last{nn::LinearOptions(8, 3)};
  Tensor hidden(const Tensor& x) { return relu(norm(first(x))); }
  Tensor forward(const Tensor& x) { return last(hidden(x)); }
  std::vector<std::pair<std::string, Tensor>> state() const {
    std::vector<std::pair<std::string, Tensor>> out;
    for (const nn::Module* m : {static_cast<const nn::Module*>(first.get()),
                                static_cast<const nn::Module*>(norm.get()),
                                static_cast<const nn::Module*>(last.get())})
      for (const auto& item : m->state_dict()) out.emplace_back(item.key(), item.value());
    return out;
  }
  std::vector<Tensor> parameters() const {
    std::vector<Tensor> out;
    for (auto* p : {&first->weight, &first->bias, &norm->weight, &norm->bias, &last->weight,
                    &last->bias})
      out.push_back(*p);
    return out;
  }
};

Net make_net() {
  manual_seed(11);
  return Net{};
}

// One training step's loss and gradients.
void train_step(Net& net, const Tensor& x, const Tensor& y) {
  cross_entropy(net.forward(x), y).backward();
}

void expect_same_state_and_grads(const Net& a, const Net& b) {
  const auto sa = a.state(), sb = b.state();
  ASSERT_EQ(sa.size(), sb.size());
  for (std::size_t i = 0; i < sa.size(); ++i)
    EXPECT_EQ(bytes_of(sa[i].second), bytes_of(sb[i].second)) << sa[i].first;
  const auto pa = a.parameters(), pb = b.parameters();
  for (std::size_t i = 0; i < pa.size(); ++i) {
    ASSERT_EQ(pa[i].grad().defined(), pb[i].grad().defined()) << "parameter " << i;
    if (pa[i].grad().defined()) EXPECT_EQ(bytes_of(pa[i].grad()), bytes_of(pb[i].grad()));
  }
}

TEST(ExceptionSafety, AnOpThatThrowsMidForwardLeavesTapeAndParametersUsable) {
  Net failing = make_net();
  Net clean = make_net();
  manual_seed(12);
  const Tensor x = randn({6, 4});
  const Tensor y = tensor(std::vector<int64_t>{0, 1, 2, 0, 1, 2}, {6});
  const memory::LiveObjects baseline = memory::live_objects();
  const std::vector<uint64_t> versions = [&] {
    std::vector<uint64_t> v;
    for (const Tensor& p : failing.parameters()) v.push_back(p.version());
    return v;
  }();
  {
    // A shape error after a few recorded ops (and batch norm's running statistics update).
    Tensor h = failing.hidden(x);
    EXPECT_THROW(matmul(h, ones({7, 3})), Error);
    EXPECT_THROW(h + ones({5}), Error);
    // An in-place op refused on a tensor the graph saved: no version bump, no write.
    Tensor g = h * 2.0;
    const auto before = bytes_of(g);
    EXPECT_THROW(g.add_(ones({3})), Error);
    EXPECT_EQ(bytes_of(g), before);
    // The graph built before the error still backpropagates.
    (g.sum() + h.sum()).backward();
    for (Tensor p : failing.parameters()) p.mutable_grad() = Tensor();
  }
  {
    // A module that refuses its input changes no parameter. (Batch norm, as PyTorch's, counts
    // a training batch in num_batches_tracked before it checks it; left out here.)
    const auto weight = bytes_of(failing.first->weight);
    EXPECT_THROW(failing.forward(randn({6, 5})), Error);  // the first layer refuses
    EXPECT_THROW(failing.last(randn({6, 9})), Error);
    EXPECT_EQ(bytes_of(failing.first->weight), weight);
  }
  // The same graph pieces the clean net built once before (running statistics included).
  clean.hidden(x);
  // Nothing of the failed graphs is left, and the parameters are the same objects, untouched.
  const memory::LiveObjects after = memory::live_objects();
  EXPECT_EQ(after.nodes, baseline.nodes);
  EXPECT_EQ(after.storages, baseline.storages);
  const auto params = failing.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(params[i].requires_grad());
    EXPECT_TRUE(params[i].is_leaf());
    EXPECT_EQ(params[i].version(), versions[i]) << "parameter " << i;
  }
  // The next step gives the same gradients, bit for bit, as a net that never saw the errors.
  train_step(failing, x, y);
  train_step(clean, x, y);
  expect_same_state_and_grads(failing, clean);
}

// The pass walks Sum -> Add -> {Sin, Pow} -> Mul; the hook on u (Pow's output) throws after
// Sin has put its gradient into Mul's buffer. Under create_graph that buffered gradient's
// history saves h, whose grad_fn is Mul: a cycle that kept the whole graph alive forever.
TEST(ExceptionSafety, ABackwardThatThrowsMidwayLeavesNothingBehindAndCanRunAgain) {
  manual_seed(13);
  Tensor w = randn({5}, kFloat64).requires_grad_();
  const Tensor x = randn({5}, kFloat64);
  const memory::LiveObjects baseline = memory::live_objects();
  for (const bool create_graph : {false, true}) {
    SCOPED_TRACE(create_graph ? "create_graph" : "plain");
    {
      // The pass stops; the graph and everything it buffered must go with the tensors.
      Tensor h = x * w;
      Tensor u = h.pow(2);
      Tensor y = (u + h.sin()).sum();
      u.register_hook([](const Tensor&) -> Tensor { throw Error("hook: refused"); });
      EXPECT_THROW(autograd::backward({y}, {}, /*retain_graph=*/false, create_graph), Error);
    }
    EXPECT_EQ(memory::live_objects().nodes, baseline.nodes);
    EXPECT_EQ(memory::live_objects().storages, baseline.storages);
    {
      Tensor h = x * w;
      Tensor u = h.pow(2);
      Tensor v = h.sin();
      Tensor y = (u + v).sum();
      bool fail = true;
      const int handle = u.register_hook([&](const Tensor& g) -> Tensor {
        if (fail) throw Error("hook: refused");
        return g;
      });
      EXPECT_THROW(autograd::backward({y}, {}, /*retain_graph=*/true, create_graph), Error);
      // The retained graph runs again, giving the right gradient (2xh + x cos h).
      fail = false;
      u.remove_hook(handle);
      w.mutable_grad() = Tensor();
      autograd::backward({y}, {}, /*retain_graph=*/true, create_graph);
      const Tensor expected = (2.0 * x * (x * w) + x * cos(x * w)).detach();
      EXPECT_TRUE(allclose(w.grad(), expected, 1e-12, 1e-12));
      // And autograd::grad over it, which also stops on a throwing hook.
      const int again = u.register_hook([](const Tensor&) -> Tensor { throw Error("hook"); });
      EXPECT_THROW(autograd::grad({y}, {w}, {}, true, create_graph), Error);
      u.remove_hook(again);
      EXPECT_TRUE(allclose(autograd::grad({y}, {w}, {}, true, create_graph)[0], expected,
                           1e-12, 1e-12));
      w.mutable_grad() = Tensor();
    }
    const memory::LiveObjects after = memory::live_objects();
    EXPECT_EQ(after.nodes, baseline.nodes);
    EXPECT_EQ(after.storages, baseline.storages);
    EXPECT_EQ(after.storage_bytes, baseline.storage_bytes);
  }
}

TEST(ExceptionSafety, AnAnomalyStopsTheBackwardWithoutKeepingTheGraph) {
  Tensor w = tensor(std::vector<double>{-1.0, 2.0, 0.5, -0.25}, {4}).requires_grad_();
  const memory::LiveObjects baseline = memory::live_objects();
  {
    autograd::DetectAnomalyGuard anomaly;
    Tensor h = w * 3.0;
    Tensor a = h.sqrt();  // NaN for the negative entries, and so its gradient
    Tensor b = (h * h).sum();
    Tensor loss = a.sum() * 0.0 + b + (h - 1.0).pow(2).sum();
    EXPECT_THROW(autograd::backward({loss}, {}, true, true), Error);
  }
  w.mutable_grad() = Tensor();
  const memory::LiveObjects after = memory::live_objects();
  EXPECT_EQ(after.nodes, baseline.nodes);
  EXPECT_EQ(after.storages, baseline.storages);
}

}  // namespace
}  // namespace tg
