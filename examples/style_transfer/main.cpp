// style_transfer: the lecture's style transfer by feature extraction. A CNN trained on
// Fashion-MNIST (here, briefly, or tapegrad-train's LeNet-5 checkpoint) is frozen; its
// convolutional features describe an image. The picture itself is the parameter: starting
// from the content image, gradient steps with respect to its pixels make
//   - its deep features match the content image's (content loss, MSE of feature maps), and
//   - the Gram matrices of its features at every layer (channel-by-channel correlations,
//     which keep texture and drop layout) match the style image's (style loss).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "common/canvas.h"
#include "tapegrad.h"

namespace {

namespace nn = tg::nn;
namespace F = tg::nn::functional;
using tg::Tensor;

struct Options {
  std::string data_dir = tg::data::default_fashion_mnist_root();
  std::string out_dir = "runs";
  std::string checkpoint;            // tapegrad-train's LeNet-5 checkpoint (optional)
  std::string style = "stripes";     // stripes | checks | a Fashion-MNIST test index
  int64_t content_index = 0;         // Fashion-MNIST test image
  int64_t side = 56;                 // the images are upscaled to side x side
  int64_t train_steps = 400;         // feature CNN training (without a checkpoint)
  int64_t steps = 300;               // image optimisation steps
  double lr = 0.03;
  double style_weight = 3e3;
  double content_weight = 1.0;
  uint64_t seed = 1;
  int threads = 0;
};

double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

// A frozen convolution stage of the feature extractor: relu(conv(x)), then an optional 2x2
// max pool before the next stage. The ReLU outputs are the features.
struct Stage {
  Tensor weight, bias;
  int64_t padding = 0;
  bool pool_after = false;
};

struct Extractor {
  std::vector<Stage> stages;
  int64_t content_stage = 0;

  std::vector<Tensor> features(const Tensor& image) const {
    Tensor x = (image - 0.2860) / 0.3530;  // Fashion-MNIST's normalisation
    std::vector<Tensor> out;
    for (const Stage& s : stages) {
      x = tg::relu(F::conv2d(x, s.weight, F::Conv2dFuncOptions().bias(s.bias).padding(s.padding)));
      out.push_back(x);
      if (s.pool_after) x = F::max_pool2d(x, F::MaxPool2dFuncOptions(2));
    }
    return out;
  }
};

// Gram matrix of features [1, C, H, W]: G = F F^T / (C H W) with F the [C, H * W] matrix.
Tensor gram(const Tensor& f) {
  const int64_t c = f.size(1), hw = f.size(2) * f.size(3);
  Tensor m = f.reshape({c, hw});
  return m.matmul(m.t()) / static_cast<double>(c * hw);
}

Tensor normalized_batch(const tg::data::TensorDataset& ds, const Tensor& index) {
  return tg::index_select(ds.data(), 0, index);
}

// A small VGG-style CNN trained on Fashion-MNIST for a few hundred steps; its four
// convolutions become the extractor.
Extractor train_extractor(const Options& o) {
  tg::data::TensorDataset train = tg::data::FashionMNIST(tg::data::Split::Train, o.data_dir);
  tg::data::TensorDataset test = tg::data::FashionMNIST(tg::data::Split::Test, o.data_dir);
  auto conv = [](int64_t in, int64_t out) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, 3).padding(1));
  };
  nn::Sequential net(conv(1, 16), nn::ReLU(), conv(16, 16), nn::ReLU(),
                     nn::MaxPool2d(nn::MaxPool2dOptions(2)),
                     conv(16, 32), nn::ReLU(), conv(32, 32), nn::ReLU(),
                     nn::MaxPool2d(nn::MaxPool2dOptions(2)),
                     nn::Flatten(), nn::Linear(32 * 7 * 7, 10));
  tg::optim::Adam opt(net->parameters(), tg::optim::AdamOptions(2e-3));
  canvas::Rng rng(o.seed);
  const int64_t batch = 64;
  auto normalize = [](const Tensor& x) { return (x - 0.2860) / 0.3530; };
  for (int64_t step = 1; step <= o.train_steps; ++step) {
    std::vector<int64_t> idx(batch);
    for (int64_t& i : idx) i = rng.below(train.size());
    const Tensor index = tg::tensor(idx, {batch});
    opt.zero_grad();
    Tensor loss = tg::cross_entropy(net->forward(normalize(tg::index_select(train.data(), 0, index))),
                                    tg::index_select(train.targets(), 0, index));
    loss.backward();
    opt.step();
  }
  {
    tg::NoGradGuard no_grad;
    const int64_t n = std::min<int64_t>(2000, test.size());
    Tensor logits = net->forward(normalize(test.data().narrow(0, 0, n)));
    const double acc = tg::eq(logits.argmax(1), test.targets().narrow(0, 0, n))
                           .to(tg::kFloat64).mean().item();
    std::cout << "  feature CNN: 4 conv layers trained for " << o.train_steps << " steps of "
              << batch << ", test accuracy " << std::fixed << std::setprecision(3) << acc
              << " on " << n << " images\n";
  }
  Extractor e;
  auto p = net->named_parameters();
  const int conv_index[4] = {0, 2, 5, 7};
  for (int k = 0; k < 4; ++k) {
    const std::string name = std::to_string(conv_index[k]);
    e.stages.push_back({p[name + ".weight"].detach(), p[name + ".bias"].detach(), 1, k % 2 == 1});
  }
  e.content_stage = 2;
  return e;
}

// tapegrad-train's LeNet-5 (conv 5x5 padding 2, pool, conv 5x5, pool, three linear layers):
// its two convolutions, read from the checkpoint's "model.0.*" and "model.3.*".
Extractor lenet_extractor(const std::string& path) {
  tg::io::LoadedTensors file = tg::io::load_safetensors(path);
  auto get = [&](const std::string& name) -> Tensor {
    for (auto& [n, t] : file.tensors)
      if (n == name) return t;
    throw tg::Error("style_transfer: " + path + " has no '" + name +
                    "' (expected a checkpoint of tapegrad-train --model lenet)");
  };
  Extractor e;
  Tensor w0 = get("model.0.weight"), w3 = get("model.3.weight");
  TG_CHECK(w0.shape() == tg::Shape({6, 1, 5, 5}) && w3.shape() == tg::Shape({16, 6, 5, 5}),
           "style_transfer: ", path, " is not a LeNet-5 checkpoint (conv weights ", w0.shape(),
           " and ", w3.shape(), ")");
  e.stages.push_back({w0, get("model.0.bias"), 2, true});
  e.stages.push_back({w3, get("model.3.bias"), 0, false});
  e.content_stage = 1;
  std::cout << "  feature CNN: LeNet-5 from " << path << "\n";
  return e;
}

Tensor pattern(const std::string& name, int64_t side) {
  std::vector<float> v(side * side);
  for (int64_t y = 0; y < side; ++y)
    for (int64_t x = 0; x < side; ++x) {
      double f;
      if (name == "stripes") {
        f = 0.5 + 0.5 * std::sin(2 * M_PI * static_cast<double>(x + y) / 8.0);
      } else {
        f = ((x / 7) + (y / 7)) % 2 == 0 ? 0.95 : 0.05;
      }
      v[y * side + x] = static_cast<float>(f);
    }
  return tg::tensor(v, {1, 1, side, side});
}

Tensor fashion_image(const tg::data::TensorDataset& test, int64_t index, int64_t side) {
  TG_CHECK(index >= 0 && index < test.size(), "style_transfer: test image index ", index,
           " out of range [0, ", test.size(), ")");
  const std::vector<float> img = test.data().select(0, index).contiguous().to_vector<float>();
  return tg::tensor(canvas::resize(img.data(), static_cast<int>(side)), {1, 1, side, side});
}

int run(const Options& o) {
  const double start = now_seconds();
  if (o.threads > 0) tg::set_num_threads(o.threads);
  tg::manual_seed(o.seed);
  std::filesystem::create_directories(o.out_dir);
  std::cout << "style_transfer: content = Fashion-MNIST test image " << o.content_index
            << ", style = " << o.style << ", " << o.side << "x" << o.side << " pixels, "
            << tg::get_num_threads() << " threads\n";
  const Extractor ex = o.checkpoint.empty() ? train_extractor(o) : lenet_extractor(o.checkpoint);
  tg::data::TensorDataset test = tg::data::FashionMNIST(tg::data::Split::Test, o.data_dir);
  const Tensor content = fashion_image(test, o.content_index, o.side);
  const Tensor style = (o.style == "stripes" || o.style == "checks")
                           ? pattern(o.style, o.side)
                           : fashion_image(test, std::stoll(o.style), o.side);

  std::vector<Tensor> style_grams;
  Tensor content_target;
  {
    tg::NoGradGuard no_grad;
    for (const Tensor& f : ex.features(style)) style_grams.push_back(gram(f));
    content_target = ex.features(content)[ex.content_stage];
  }
  auto losses = [&](const Tensor& image) {
    const std::vector<Tensor> fs = ex.features(image);
    Tensor style_loss = tg::zeros({});
    for (size_t l = 0; l < fs.size(); ++l)
      style_loss = style_loss + tg::mse_loss(gram(fs[l]), style_grams[l]);
    Tensor content_loss = tg::mse_loss(fs[ex.content_stage], content_target);
    return std::make_pair(content_loss, style_loss);
  };

  Tensor image = content.clone().requires_grad_();  // the parameter: the picture itself
  tg::optim::Adam opt({image}, tg::optim::AdamOptions(o.lr));
  double first_style = 0, first_content = 0, last_style = 0, last_content = 0;
  for (int64_t step = 0; step <= o.steps; ++step) {
    opt.zero_grad();
    auto [c, s] = losses(image);
    const double cv = c.item(), sv = s.item();
    if (step == 0) first_content = cv, first_style = sv;
    last_content = cv, last_style = sv;
    if (step % 50 == 0 || step == o.steps)
      std::cout << "  step " << std::setw(4) << step << std::scientific << std::setprecision(3)
                << "  content loss " << cv << "  style loss " << sv << std::fixed << "   ("
                << std::setprecision(1) << now_seconds() - start << " s)\n";
    if (step == o.steps) break;
    (c * o.content_weight + s * o.style_weight).backward();  // d loss / d pixels
    opt.step();
    tg::NoGradGuard no_grad;
    image.clamp_(0.0, 1.0);  // stay a valid picture
  }
  std::cout << std::scientific << std::setprecision(3) << "  style loss " << first_style << " -> "
            << last_style << ", content loss " << first_content << " -> " << last_content
            << "\n  style loss reduction " << std::fixed << std::setprecision(1)
            << first_style / std::max(last_style, 1e-30) << "x\n";

  const int zoom = o.side >= 56 ? 4 : 8, n = static_cast<int>(o.side), gap = 8, caption = 24;
  canvas::Picture pic(3 * n * zoom + 4 * gap, n * zoom + 2 * gap + caption);
  const Tensor result = image.detach();
  const char* titles[3] = {"content", "style", "result"};
  int k = 0;
  for (const Tensor* t : {&content, &style, &result}) {
    const std::vector<float> v = t->contiguous().to_vector<float>();
    const int x0 = gap + k * (n * zoom + gap);
    pic.grey(x0, gap, v.data(), n, zoom);
    pic.text(x0 + 4, n * zoom + gap + 6, titles[k++], {0, 0, 0}, 2);
  }
  const std::string path = o.out_dir + "/style_transfer.png";
  pic.save(path);
  std::cout << "  wrote " << path << " (content | style | result)\n";
  std::cout << "total time " << std::fixed << std::setprecision(1) << now_seconds() - start
            << " s\n";
  if (!std::isfinite(last_style) || !std::isfinite(last_content)) return 1;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"Style transfer: optimise a picture's pixels against a CNN's features"};
  app.add_option("--content", o.content_index, "Fashion-MNIST test image for the content")
      ->capture_default_str();
  app.add_option("--style", o.style, "stripes | checks | a Fashion-MNIST test image index")
      ->capture_default_str();
  app.add_option("--checkpoint", o.checkpoint,
                 "tapegrad-train LeNet-5 checkpoint (e.g. runs/best.safetensors) instead of "
                 "training a feature CNN here");
  app.add_option("--train-steps", o.train_steps, "feature CNN training steps (batch 64)")
      ->capture_default_str();
  app.add_option("--steps", o.steps, "image optimisation steps (Adam)")->capture_default_str();
  app.add_option("--lr", o.lr, "Adam learning rate on the pixels")->capture_default_str();
  app.add_option("--style-weight", o.style_weight, "weight of the style loss")
      ->capture_default_str();
  app.add_option("--content-weight", o.content_weight, "weight of the content loss")
      ->capture_default_str();
  app.add_option("--side", o.side, "picture side in pixels (the 28x28 images are upscaled)")
      ->capture_default_str();
  app.add_option("--threads", o.threads, "worker threads (default: TG_NUM_THREADS or all cores)");
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  app.add_option("--data-dir", o.data_dir, "Fashion-MNIST IDX files")->capture_default_str();
  app.add_option("--out-dir", o.out_dir, "where the picture goes")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "style_transfer: " << e.what() << "\n";
    return 1;
  }
}
