#include "data/fashion_mnist.h"

#include <cstring>
#include <filesystem>

#include "data/idx.h"

namespace tg::data {
namespace {

std::string find_file(const std::string& root, const std::string& stem) {
  namespace fs = std::filesystem;
  for (const std::string& name : {stem + ".gz", stem}) {
    const fs::path p = fs::path(root) / name;
    if (fs::exists(p)) return p.string();
  }
  throw Error(format_message("FashionMNIST: cannot find ", stem, "(.gz) in ", root,
                             ". Install the Debian package with `apt-get install "
                             "dataset-fashion-mnist`, or pass the directory that holds the "
                             "IDX files"));
}

}  // namespace

std::string default_fashion_mnist_root() { return "/usr/share/datasets/fashion-mnist"; }

TensorDataset load_mnist_format(const std::string& root, Split split) {
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  io::RawArray images = io::read_idx(find_file(root, prefix + "-images-idx3-ubyte"));
  io::RawArray labels = io::read_idx(find_file(root, prefix + "-labels-idx1-ubyte"));
  TG_CHECK(images.dtype == "uint8" && images.shape.size() == 3, "FashionMNIST: expected uint8 "
           "images [N, H, W], got ", images.dtype, " with ", images.shape.size(), " dims");
  TG_CHECK(labels.dtype == "uint8" && labels.shape.size() == 1 && labels.shape[0] == images.shape[0],
           "FashionMNIST: labels do not match the ", images.shape[0], " images");
  const int64_t n = images.shape[0], h = images.shape[1], w = images.shape[2];
  Tensor x = empty({n, 1, h, w}, kFloat32);
  float* px = x.data_ptr<float>();
  for (int64_t i = 0; i < n * h * w; ++i) px[i] = static_cast<float>(images.bytes[i]) / 255.0f;
  Tensor y = empty({n}, kInt64);
  int64_t* py = y.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) py[i] = labels.bytes[i];
  return TensorDataset(x, y);
}

TensorDataset FashionMNIST(Split split, const std::string& root) {
  return load_mnist_format(root, split);
}

const char* fashion_mnist_class_name(int64_t label) {
  static const char* names[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return label >= 0 && label < 10 ? names[label] : "?";
}

}  // namespace tg::data
