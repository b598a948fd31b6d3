// The tapegrad half of benchmarks/compare_pytorch: times each workload and prints one
// JSON object per line: {"workload": ..., "threads": n, "seconds": median, ...}.
#include <tapegrad.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>

#include "../../examples/tapegrad-train/models.h"
#include "workloads.h"

namespace {

double median_seconds(const std::function<void()>& fn, int reps, int warmup = 2) {
  double last = 0;
  for (int i = 0; i < warmup; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    last = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  // Short workloads get more repetitions (about a quarter second's worth, at most 200):
  // the median of a handful of sub-millisecond runs is mostly noise. Same rule on both sides.
  reps = std::max(reps, std::min(200, static_cast<int>(0.25 / std::max(last, 1e-9))));
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void emit(const std::string& workload, int threads, double seconds, const std::string& extra = "") {
  std::printf("{\"side\": \"tapegrad\", \"workload\": \"%s\", \"threads\": %d, \"seconds\": %.9g%s}\n",
              workload.c_str(), threads, seconds, extra.c_str());
  std::fflush(stdout);
}

void conv_workloads(int threads, int reps) {
  namespace F = tg::nn::functional;
  for (const auto& s : compare::conv_shapes()) {
    tg::manual_seed(0);
    tg::Tensor x = tg::randn({s.n, s.cin, s.hw, s.hw});
    tg::Tensor w = tg::randn({s.cout, s.cin / s.groups, s.k, s.k});
    auto opts = F::Conv2dFuncOptions().stride(s.stride).padding(s.pad).groups(s.groups).dilation(s.dilation);
    const double fwd = median_seconds([&] {
      tg::NoGradGuard g;
      tg::Tensor y = F::conv2d(x, w, opts);
    }, reps);
    // Multiply-adds of the forward, as FLOPs (2 per multiply-add), for "% of peak".
    const int64_t out_hw = (s.hw + 2 * s.pad - s.dilation * (s.k - 1) - 1) / s.stride + 1;
    const double gflop = 2.0 * s.n * s.cout * out_hw * out_hw * (s.cin / s.groups) * s.k * s.k / 1e9;
    emit("conv " + s.name + " forward", threads, fwd, ", \"gflop\": " + std::to_string(gflop));
    tg::Tensor xg = x.detach().requires_grad_();
    tg::Tensor wg = w.detach().requires_grad_();
    const double fb = median_seconds([&] {
      tg::Tensor y = F::conv2d(xg, wg, opts);
      y.backward(tg::ones_like(y));
      xg.mutable_grad() = tg::Tensor();
      wg.mutable_grad() = tg::Tensor();
    }, reps);
    emit("conv " + s.name + " forward+backward", threads, fb);
  }
}

void pool_workloads(int threads, int reps) {
  namespace F = tg::nn::functional;
  tg::manual_seed(0);
  tg::Tensor x = tg::randn({32, 64, 56, 56}).requires_grad_();
  struct P { std::string name; std::function<tg::Tensor(const tg::Tensor&)> fn; };
  std::vector<P> pools = {
      {"max_pool2d k2s2", [](const tg::Tensor& t) { return F::max_pool2d(t, F::MaxPool2dFuncOptions(2)); }},
      {"max_pool2d k3s2p1", [](const tg::Tensor& t) { return F::max_pool2d(t, F::MaxPool2dFuncOptions(3).stride(2).padding(1)); }},
      {"avg_pool2d k2s2", [](const tg::Tensor& t) { return F::avg_pool2d(t, F::AvgPool2dFuncOptions(2)); }}};
  for (const auto& p : pools) {
    const double fb = median_seconds([&] {
      tg::Tensor y = p.fn(x);
      y.backward(tg::ones_like(y));
      x.mutable_grad() = tg::Tensor();
    }, reps);
    // The least memory traffic: read x, write y (forward); read dy, write dx (backward).
    const double bytes = 2.0 * (x.numel() + p.fn(x.detach()).numel()) * sizeof(float);
    emit(p.name + " forward+backward", threads, fb, ", \"bytes\": " + std::to_string(bytes));
  }
}

void train_step_workloads(int threads, int reps, const std::string& model_only) {
  for (const std::string model_name : {"lenet", "cnn"}) {
    if (!model_only.empty() && model_name != model_only) continue;
    tg::manual_seed(0);
    tg::nn::Sequential model = train::make_model(model_name);
    tg::optim::SGD opt(model->parameters(), tg::optim::SGDOptions(0.01).momentum(0.9));
    tg::Tensor x = tg::randn({64, 1, 28, 28});
    tg::Tensor y = tg::randint(0, 10, {64});
    const double step = median_seconds([&] {
      opt.zero_grad();
      tg::Tensor loss = tg::nn::functional::cross_entropy(model->forward(x), y);
      loss.backward();
      opt.step();
    }, reps);
    emit("train step " + model_name + " (batch 64)", threads, step,
         ", \"images_per_second\": " + std::to_string(64.0 / step));
  }
}

void autograd_workload(int threads, int reps) {
  tg::Tensor x = tg::tensor({1.0}).requires_grad_();
  tg::Tensor c = tg::tensor({1.0001});
  const int ops = 10000;
  const double t = median_seconds([&] {
    tg::Tensor y = x;
    for (int i = 0; i < ops; i += 2) {
      y = y * c;
      y = y + c;
    }
    y.backward();
    x.mutable_grad() = tg::Tensor();
  }, reps);
  emit("autograd chain of 10000 scalar ops (per op)", threads, t / ops);
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, reps = 7;
  std::string only, model;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--only" && i + 1 < argc) only = argv[++i];
    else if (a == "--model" && i + 1 < argc) model = argv[++i];
  }
  tg::set_num_threads(threads);
  if (only.empty() || only == "conv") conv_workloads(threads, reps);
  if (only.empty() || only == "pool") pool_workloads(threads, reps);
  if (only.empty() || only == "train") train_step_workloads(threads, reps, model);
  if (only.empty() || only == "autograd") autograd_workload(threads, reps);
  return 0;
}
