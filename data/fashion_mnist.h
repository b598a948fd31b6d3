// Fashion-MNIST (and MNIST-format data in general) from IDX files.
#pragma once
#include <string>

#include "data/dataset.h"

namespace tg::data {

enum class Split { Train, Test };

// Where Debian's dataset-fashion-mnist package puts the files.
std::string default_fashion_mnist_root();

// Loads <root>/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]: images as float32
// [N, 1, 28, 28] scaled to [0, 1], labels as int64 [N]. A missing file throws an error
// that names the file (and, for Fashion-MNIST, the Debian package to install); so does a
// truncated or malformed file. `name` starts the error messages.
TensorDataset load_mnist_format(const std::string& root, Split split,
                                const std::string& name = "FashionMNIST");
TensorDataset FashionMNIST(Split split, const std::string& root = default_fashion_mnist_root());

// The ten class names of Fashion-MNIST.
const char* fashion_mnist_class_name(int64_t label);

}  // namespace tg::data
