// The workloads timed side by side with PyTorch (benchmarks/compare_pytorch). The same
// list, with the same names and shapes, is in pytorch_side.py.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace compare {

struct ConvShape {
  std::string name;
  int64_t n, cin, hw, cout, k, stride, pad, groups, dilation;
};

inline std::vector<ConvShape> conv_shapes() {
  return {{"A first layer", 64, 1, 28, 32, 5, 1, 0, 1, 1},
          {"B", 64, 32, 14, 64, 5, 1, 2, 1, 1},
          {"C", 32, 64, 56, 64, 3, 1, 1, 1, 1},
          {"D strided", 32, 128, 28, 128, 3, 2, 1, 1, 1},
          {"E depthwise", 32, 64, 56, 64, 3, 1, 1, 64, 1},
          {"F 1x1", 32, 64, 56, 256, 1, 1, 0, 1, 1},
          {"G stem", 8, 3, 224, 64, 7, 2, 3, 1, 1},
          {"H dilated", 32, 64, 56, 64, 3, 1, 2, 1, 2}};
}

// conv1d and conv3d (dims 1 or 3) with the channel counts of the networks' 3x3 layers:
// input n x cin x size^dims, weight cout x cin x k^dims, stride 1.
struct ConvDimsShape {
  std::string name;
  int dims;
  int64_t n, cin, size, cout, k, pad;
};

inline std::vector<ConvDimsShape> conv_dims_shapes() {
  return {{"conv1d k3 32x64x1024 -> 64", 1, 32, 64, 1024, 64, 3, 1},
          {"conv1d wide k15 32x64x1024 -> 64", 1, 32, 64, 1024, 64, 15, 7},
          {"conv1d k3 32x256x256 -> 256", 1, 32, 256, 256, 256, 3, 1},
          {"conv3d k3 8x32x16^3 -> 32", 3, 8, 32, 16, 32, 3, 1},
          {"conv3d k3 8x64x8^3 -> 64", 3, 8, 64, 8, 64, 3, 1}};
}

}  // namespace compare
