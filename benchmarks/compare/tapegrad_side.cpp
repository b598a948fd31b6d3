// The tapegrad half of benchmarks/compare_pytorch: times each workload and prints one
// JSON object per line: {"workload": ..., "threads": n, "seconds": minimum, ...}.
#include <autograd/profiler.h>
#include <tapegrad.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>

#include "../../examples/tapegrad-train/models.h"
#include "networks.h"
#include "workloads.h"

namespace {

double min_seconds(const std::function<void()>& fn, int reps, int warmup = 2) {
  double last = 0;
  for (int i = 0; i < warmup; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    last = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  // Short workloads get more repetitions (about a quarter second's worth, at most 200):
  // a handful of sub-millisecond runs is mostly noise. Same rule on both sides.
  reps = std::max(reps, std::min(200, static_cast<int>(0.25 / std::max(last, 1e-9))));
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  // The minimum: on a shared machine every disturbance only adds time.
  return *std::min_element(t.begin(), t.end());
}

// --variant TEXT marks every row as a variant of tapegrad's (run, say, with another
// convolution algorithm); the table prints such rows beside the same PyTorch time.
std::string variant;

void emit(const std::string& workload, int threads, double seconds, const std::string& extra = "") {
  const std::string tag = variant.empty() ? "" : ", \"variant\": \"" + variant + "\"";
  std::printf("{\"side\": \"tapegrad\", \"workload\": \"%s\", \"threads\": %d, \"seconds\": %.9g%s%s}\n",
              workload.c_str(), threads, seconds, extra.c_str(), tag.c_str());
  std::fflush(stdout);
}

void conv_workloads(int threads, int reps) {
  namespace F = tg::nn::functional;
  for (const auto& s : compare::conv_shapes()) {
    tg::manual_seed(0);
    tg::Tensor x = tg::randn({s.n, s.cin, s.hw, s.hw});
    tg::Tensor w = tg::randn({s.cout, s.cin / s.groups, s.k, s.k});
    auto opts = F::Conv2dFuncOptions().stride(s.stride).padding(s.pad).groups(s.groups).dilation(s.dilation);
    const double fwd = min_seconds([&] {
      tg::NoGradGuard g;
      tg::Tensor y = F::conv2d(x, w, opts);
    }, reps);
    // Multiply-adds of the forward, as FLOPs (2 per multiply-add), for "% of peak".
    const int64_t out_hw = (s.hw + 2 * s.pad - s.dilation * (s.k - 1) - 1) / s.stride + 1;
    const double gflop = 2.0 * s.n * s.cout * out_hw * out_hw * (s.cin / s.groups) * s.k * s.k / 1e9;
    emit("conv " + s.name + " forward", threads, fwd, ", \"gflop\": " + std::to_string(gflop));
    tg::Tensor xg = x.detach().requires_grad_();
    tg::Tensor wg = w.detach().requires_grad_();
    const double fb = min_seconds([&] {
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
    const double fb = min_seconds([&] {
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
    tg::nn::AnyModule model = train::make_model(model_name);
    tg::optim::SGD opt(model.ptr()->parameters(), tg::optim::SGDOptions(0.01).momentum(0.9));
    tg::Tensor x = tg::randn({64, 1, 28, 28});
    tg::Tensor y = tg::randint(0, 10, {64});
    const double step = min_seconds([&] {
      opt.zero_grad();
      tg::Tensor loss = tg::nn::functional::cross_entropy(model.forward(x), y);
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
  const double t = min_seconds([&] {
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


// ---------------------------------------------------------------- whole networks
struct Network {
  std::string workload, builder;
  int64_t batch, size, classes;  // classes 0: a U-Net regressing one channel (MSE)
};

// The same list as pytorch_side.py's NETWORKS.
std::vector<Network> networks() {
  return {{"resnet18 32x32", "resnet18_cifar", 32, 32, 10},
          {"resnet18 224x224", "resnet18", 32, 224, 1000},
          {"vgg11_bn 32x32", "vgg11_bn", 32, 32, 10},
          {"mobilenet_v2 224x224", "mobilenet_v2", 8, 224, 1000},
          {"unet 64x64", "unet", 32, 64, 0}};
}

struct Step {
  tg::nn::AnyModule model;
  std::unique_ptr<tg::optim::SGD> opt;
  tg::Tensor x, y;
  bool classify;
  void operator()() {
    opt->zero_grad();
    tg::Tensor out = model.forward(x);
    tg::Tensor loss = classify ? tg::nn::functional::cross_entropy(out, y)
                               : tg::nn::functional::mse_loss(out, y);
    loss.backward();
    opt->step();
  }
};

Step network_step(const Network& n) {
  tg::manual_seed(0);
  Step s;
  s.model = compare::make_network(n.builder, n.classes > 0 ? n.classes : 1);
  s.model.ptr()->train();
  s.opt = std::make_unique<tg::optim::SGD>(s.model.ptr()->parameters(),
                                           tg::optim::SGDOptions(0.01).momentum(0.9));
  s.x = tg::randn({n.batch, 3, n.size, n.size});
  s.classify = n.classes > 0;
  s.y = s.classify ? tg::randint(0, n.classes, {n.batch}) : tg::randn({n.batch, 1, n.size, n.size});
  return s;
}

void network_workloads(int threads, int reps, const std::string& model_only) {
  for (const Network& n : networks()) {
    if (!model_only.empty() && n.workload.find(model_only) == std::string::npos) continue;
    Step step = network_step(n);
    // Whole steps take from a tenth of a second to seconds (224x224): few repetitions, one
    // warm-up. Same rule on both sides.
    const double t = min_seconds([&] { step(); }, std::min(reps, n.size >= 224 ? 2 : 3), 1);
    emit("network " + n.workload + " train step (batch " + std::to_string(n.batch) + ")", threads,
         t, ", \"images_per_second\": " + std::to_string(static_cast<double>(n.batch) / t));
  }
}

// tapegrad's profiler on one training step (after one warm-up step).
void profile_network(const std::string& name_part, int threads) {
  for (const Network& n : networks()) {
    if (n.workload.find(name_part) == std::string::npos) continue;
    Step step = network_step(n);
    step();
    tg::autograd::profile prof;
    step();
    prof.stop();
    std::cout << "tapegrad profile: " << n.workload << ", batch " << n.batch << ", " << threads
              << " thread(s)\n"
              << prof.table("self", 30);
  }
}

// ---------------------------------------------------------------- network layers
struct Layer {
  std::string net;
  int64_t n, cin, hw, cout, k, stride, pad, groups, transposed;
};

std::vector<Layer> read_layers(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw tg::Error("tapegrad-compare: cannot read the layer list '" + path + "'");
  std::vector<Layer> layers;
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream is(line);
    Layer l;
    is >> l.net >> l.n >> l.cin >> l.hw >> l.cout >> l.k >> l.stride >> l.pad >> l.groups >>
        l.transposed;
    layers.push_back(l);
  }
  return layers;
}

// Same text as pytorch_side.py's layer_name.
std::string layer_name(const Layer& l) {
  const char* kind = l.transposed ? "convT" : (l.groups == l.cin && l.groups > 1 ? "dw" : "conv");
  return "layer " + l.net + " " + kind + " " + std::to_string(l.cin) + "->" +
         std::to_string(l.cout) + " k" + std::to_string(l.k) + "s" + std::to_string(l.stride) +
         " @" + std::to_string(l.hw) + "x" + std::to_string(l.hw) + " n" + std::to_string(l.n);
}

void layer_workloads(int threads, int reps, const std::string& path) {
  namespace F = tg::nn::functional;
  for (const Layer& l : read_layers(path)) {
    tg::manual_seed(0);
    tg::Tensor x = tg::randn({l.n, l.cin, l.hw, l.hw}).requires_grad_();
    tg::Tensor w = (l.transposed ? tg::randn({l.cin, l.cout / l.groups, l.k, l.k})
                                 : tg::randn({l.cout, l.cin / l.groups, l.k, l.k}))
                       .requires_grad_();
    const double fb = min_seconds([&] {
      tg::Tensor y = l.transposed
          ? F::conv_transpose2d(x, w, F::ConvTranspose2dFuncOptions().stride(l.stride)
                                          .padding(l.pad).groups(l.groups))
          : F::conv2d(x, w, F::Conv2dFuncOptions().stride(l.stride).padding(l.pad)
                                .groups(l.groups));
      y.backward(tg::ones_like(y));
      x.mutable_grad() = tg::Tensor();
      w.mutable_grad() = tg::Tensor();
    }, reps);
    emit(layer_name(l) + " forward+backward", threads, fb);
  }
}

// The three passes of each (non-transposed) layer on their own: the forward, the input
// gradient and the weight gradient, as the backward of a layer computes them.
void layer_pass_workloads(int threads, int reps, const std::string& path) {
  tg::NoGradGuard no_grad;
  for (const Layer& l : read_layers(path)) {
    if (l.transposed) continue;
    tg::manual_seed(0);
    tg::Tensor x = tg::randn({l.n, l.cin, l.hw, l.hw});
    tg::Tensor w = tg::randn({l.cout, l.cin / l.groups, l.k, l.k});
    const std::vector<int64_t> stride = {l.stride, l.stride}, pad = {l.pad, l.pad};
    const std::vector<int64_t> dilation = {1, 1};
    tg::Tensor gy = tg::ones_like(tg::conv2d(x, w, {}, stride, pad, dilation, l.groups));
    const double fwd = min_seconds([&] {
      tg::Tensor y = tg::conv2d(x, w, {}, stride, pad, dilation, l.groups);
    }, reps);
    const double gin = min_seconds([&] {
      tg::Tensor gx = tg::conv_backward_input(gy, w, x.sizes(), stride, pad, dilation, l.groups);
    }, reps);
    const double gw = min_seconds([&] {
      tg::Tensor g = tg::conv_backward_weight(x, gy, w.sizes(), stride, pad, dilation, l.groups);
    }, reps);
    emit(layer_name(l) + " pass: forward", threads, fwd);
    emit(layer_name(l) + " pass: input grad", threads, gin);
    emit(layer_name(l) + " pass: weight grad", threads, gw);
  }
}

// ---------------------------------------------------------------- pooling and batch norm
void norm_pool_workloads(int threads, int reps) {
  namespace F = tg::nn::functional;
  tg::manual_seed(0);
  tg::Tensor x = tg::randn({32, 64, 56, 56}).requires_grad_();
  tg::nn::BatchNorm2d bn(64);
  bn->train();
  struct P { std::string name; std::function<tg::Tensor(const tg::Tensor&)> fn; };
  std::vector<P> cases = {
      {"global avg pool (adaptive_avg_pool2d 1) 32x64x56x56",
       [](const tg::Tensor& t) { return F::adaptive_avg_pool2d(t, F::AdaptiveAvgPool2dFuncOptions({1, 1})); }},
      {"adaptive_avg_pool2d 7 32x64x56x56",
       [](const tg::Tensor& t) { return F::adaptive_avg_pool2d(t, F::AdaptiveAvgPool2dFuncOptions({7, 7})); }},
      {"batch_norm2d train 32x64x56x56", [&](const tg::Tensor& t) { return bn->forward(t); }}};
  for (const auto& c : cases) {
    const double fb = min_seconds([&] {
      tg::Tensor y = c.fn(x);
      y.backward(tg::ones_like(y));
      x.mutable_grad() = tg::Tensor();
    }, reps);
    tg::NoGradGuard no_grad;
    // The least memory traffic: read x, write y (forward); read dy, write dx (backward).
    const double bytes = 2.0 * (x.numel() + c.fn(x.detach()).numel()) * sizeof(float);
    emit(c.name + " forward+backward", threads, fb, ", \"bytes\": " + std::to_string(bytes));
  }
}

// ------------------------------------------------- activations and elementwise ops
// The pointwise ops of the networks, on a ResNet-sized activation. Each row's "bytes" is the
// least memory traffic of forward and backward together.
void pointwise_workloads(int threads, int reps) {
  tg::manual_seed(0);
  tg::Tensor x = tg::randn({32, 64, 56, 56}).requires_grad_();
  tg::Tensor r = tg::randn({32, 64, 56, 56}).requires_grad_();
  const double n = static_cast<double>(x.numel()) * sizeof(float);
  struct P { std::string name; std::function<tg::Tensor()> fn; double bytes; };
  std::vector<P> cases = {
      // read x, write y; read dy and y, write dx
      {"relu 32x64x56x56", [&] { return tg::relu(x); }, 5 * n},
      {"relu6 32x64x56x56", [&] { return tg::relu6(x); }, 5 * n},
      // the activations with exp/tanh/erf, same traffic (elu reads x and y back: 6n)
      {"sigmoid 32x64x56x56", [&] { return tg::sigmoid(x); }, 5 * n},
      {"tanh 32x64x56x56", [&] { return tg::tanh(x); }, 5 * n},
      {"silu 32x64x56x56", [&] { return tg::silu(x); }, 5 * n},
      {"gelu 32x64x56x56", [&] { return tg::gelu(x); }, 5 * n},
      {"gelu tanh 32x64x56x56", [&] { return tg::gelu(x, "tanh"); }, 5 * n},
      {"elu 32x64x56x56", [&] { return tg::elu(x, 1.0); }, 6 * n},
      {"softplus 32x64x56x56", [&] { return tg::softplus(x, 1.0, 20.0); }, 5 * n},
      // read x and r, write y; read dy, write dx and dr
      {"add (residual) 32x64x56x56", [&] { return x + r; }, 6 * n}};
  for (const auto& c : cases) {
    const double fb = min_seconds([&] {
      tg::Tensor y = c.fn();
      y.backward(tg::ones_like(y));
      x.mutable_grad() = tg::Tensor();
      r.mutable_grad() = tg::Tensor();
    }, reps);
    emit(c.name + " forward+backward", threads, fb, ", \"bytes\": " + std::to_string(c.bytes));
  }
}

// ---------------------------------------------------- conv1d and conv3d of network sizes
void conv_dims_workloads(int threads, int reps) {
  for (const auto& c : compare::conv_dims_shapes()) {
    tg::manual_seed(0);
    std::vector<int64_t> xs = {c.n, c.cin}, ws = {c.cout, c.cin};
    for (int d = 0; d < c.dims; ++d) {
      xs.push_back(c.size);
      ws.push_back(c.k);
    }
    tg::Tensor x = tg::randn(xs).requires_grad_();
    tg::Tensor w = tg::randn(ws).requires_grad_();
    const double fb = min_seconds([&] {
      tg::Tensor y = c.dims == 1 ? tg::conv1d(x, w, {}, 1, c.pad) : tg::conv3d(x, w, {}, 1, c.pad);
      y.backward(tg::ones_like(y));
      x.mutable_grad() = tg::Tensor();
      w.mutable_grad() = tg::Tensor();
    }, reps);
    emit(c.name + " forward+backward", threads, fb);
  }
}

// --only takes one group or a comma-separated list; empty means every group.
bool wanted(const std::string& only, const std::string& group) {
  if (only.empty()) return true;
  std::istringstream is(only);
  std::string item;
  while (std::getline(is, item, ','))
    if (item == group) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1, reps = 7;
  std::string only, model, profile_name;
  std::string layers_file = "benchmarks/compare/conv_layers.txt";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else if (a == "--reps" && i + 1 < argc) reps = std::atoi(argv[++i]);
    else if (a == "--only" && i + 1 < argc) only = argv[++i];
    else if (a == "--model" && i + 1 < argc) model = argv[++i];
    else if (a == "--profile" && i + 1 < argc) profile_name = argv[++i];
    else if (a == "--layers-file" && i + 1 < argc) layers_file = argv[++i];
    else if (a == "--variant" && i + 1 < argc) variant = argv[++i];
  }
  tg::set_num_threads(threads);
  if (!profile_name.empty()) {
    profile_network(profile_name, threads);
    return 0;
  }
  if (wanted(only, "conv")) conv_workloads(threads, reps);
  if (wanted(only, "pool")) pool_workloads(threads, reps);
  if (wanted(only, "train")) train_step_workloads(threads, reps, model);
  if (wanted(only, "autograd")) autograd_workload(threads, reps);
  if (wanted(only, "norm")) norm_pool_workloads(threads, reps);
  if (wanted(only, "pointwise")) pointwise_workloads(threads, reps);
  if (wanted(only, "dims")) conv_dims_workloads(threads, reps);
  if (wanted(only, "layers")) layer_workloads(threads, reps, layers_file);
  if (wanted(only, "networks")) network_workloads(threads, reps, model);
  // Not in the default run: --only passes (with --layers-file to pick layers).
  if (!only.empty() && wanted(only, "passes")) layer_pass_workloads(threads, reps, layers_file);
  return 0;
}
