// Batch transforms for image data [N, C, H, W]: normalisation and augmentation.
// Random transforms draw from the generator they are given, so a data loader with a
// fixed seed produces the same batches every run, whatever the thread count.
#pragma once
#include <functional>
#include <vector>

#include "autograd/random.h"
#include "data/dataset.h"

namespace tg::data {

using Transform = std::function<Example<>(Example<> batch, Generator& gen)>;

// (x - mean[c]) / std[c] per channel.
Transform Normalize(std::vector<double> mean, std::vector<double> std);
// Pads each image by `padding` zeros on every side, then crops a random size x size window.
Transform RandomCrop(int64_t size, int64_t padding);
// Mirrors each image left-right with probability p.
Transform RandomHorizontalFlip(double p = 0.5);
// Applies the transforms in order.
Transform Compose(std::vector<Transform> transforms);

}  // namespace tg::data
