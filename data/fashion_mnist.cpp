#include "data/fashion_mnist.h"

#include <cstring>
#include <filesystem>

#include "data/idx.h"

namespace tg::data {
namespace {

std::string find_file(const std::string& root, const std::string& stem, const std::string& name) {
  namespace fs = std::filesystem;
  for (const std::string& file : {stem + ".gz", stem}) {
    const fs::path p = fs::path(root) / file;
    if (fs::exists(p)) return p.string();
  }
  const bool fashion = name == "FashionMNIST";
  throw Error(format_message(name, ": cannot find ", stem, "(.gz) in ", root,
                             fashion ? ". Install the Debian package with `apt-get install "
                                       "dataset-fashion-mnist`, or pass the directory that holds "
                                       "the IDX files"
                                     : ""));
}

// read_idx, with its errors as tg::Error naming the dataset.
io::RawArray read_idx_file(const std::string& path, const std::string& name) {
  try {
    return io::read_idx(path);
  } catch (const std::exception& e) {
    throw Error(format_message(name, ": ", e.what()));
  }
}

}  // namespace

std::string default_fashion_mnist_root() { return "/usr/share/datasets/fashion-mnist"; }

TensorDataset load_mnist_format(const std::string& root, Split split, const std::string& name) {
  const std::string prefix = split == Split::Train ? "train" : "t10k";
  const std::string images_path = find_file(root, prefix + "-images-idx3-ubyte", name);
  const std::string labels_path = find_file(root, prefix + "-labels-idx1-ubyte", name);
  io::RawArray images = read_idx_file(images_path, name);
  TG_CHECK(images.dtype == "uint8" && images.shape.size() == 3, name, ": ", images_path,
           ": expected uint8 images [N, H, W], got ", images.dtype, " with ",
           images.shape.size(), " dims");
  io::RawArray labels = read_idx_file(labels_path, name);
  TG_CHECK(labels.dtype == "uint8" && labels.shape.size() == 1, name, ": ", labels_path,
           ": expected uint8 labels [N], got ", labels.dtype, " with ", labels.shape.size(),
           " dims");
  TG_CHECK(labels.shape[0] == images.shape[0], name, ": ", labels.shape[0], " labels in ",
           labels_path, " do not match the ", images.shape[0], " images in ", images_path);
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
