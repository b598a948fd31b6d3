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

}  // namespace compare
