#include "data/transforms.h"

#include <algorithm>

namespace tg::data {
namespace {

void check_images(const Tensor& x, const char* op) {
  TG_CHECK(x.dim() == 4 && x.dtype() == kFloat32 && x.is_contiguous(), op,
           ": expected a contiguous float32 batch [N, C, H, W], got ", x.dtype(), " ", x.shape());
}

}  // namespace

Transform Normalize(std::vector<double> mean, std::vector<double> std) {
  TG_CHECK(mean.size() == std.size() && !mean.empty(), "Normalize: mean and std must have the "
           "same non-zero length, got ", mean.size(), " and ", std.size());
  return [mean, std](Example<> b, Generator&) {
    check_images(b.data, "Normalize");
    const int64_t n = b.data.size(0), c = b.data.size(1), plane = b.data.size(2) * b.data.size(3);
    TG_CHECK(static_cast<int64_t>(mean.size()) == c || mean.size() == 1, "Normalize: ",
             mean.size(), " means for ", c, " channels");
    Tensor out = empty(b.data.shape(), kFloat32);
    const float* src = b.data.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    for (int64_t i = 0; i < n; ++i)
      for (int64_t ch = 0; ch < c; ++ch) {
        const std::size_t k = mean.size() == 1 ? 0 : static_cast<std::size_t>(ch);
        const float m = static_cast<float>(mean[k]), inv = static_cast<float>(1.0 / std[k]);
        const int64_t base = (i * c + ch) * plane;
        for (int64_t j = 0; j < plane; ++j) dst[base + j] = (src[base + j] - m) * inv;
      }
    return Example<>{out, b.target};
  };
}

Transform RandomCrop(int64_t size, int64_t padding) {
  TG_CHECK(size > 0 && padding >= 0, "RandomCrop: size must be positive and padding "
           "non-negative, got ", size, " and ", padding);
  return [size, padding](Example<> b, Generator& gen) {
    check_images(b.data, "RandomCrop");
    const int64_t n = b.data.size(0), c = b.data.size(1), h = b.data.size(2), w = b.data.size(3);
    TG_CHECK(size <= h + 2 * padding && size <= w + 2 * padding, "RandomCrop: crop ", size,
             " is larger than the padded image ", h + 2 * padding, "x", w + 2 * padding);
    Tensor out = zeros({n, c, size, size}, kFloat32);
    const float* src = b.data.data_ptr<float>();
    float* dst = out.data_ptr<float>();
    for (int64_t i = 0; i < n; ++i) {
      // Window origin in padded coordinates, then shifted back into the image.
      const int64_t top = static_cast<int64_t>(gen.next_u64() % static_cast<uint64_t>(h + 2 * padding - size + 1)) - padding;
      const int64_t left = static_cast<int64_t>(gen.next_u64() % static_cast<uint64_t>(w + 2 * padding - size + 1)) - padding;
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t y = 0; y < size; ++y) {
          const int64_t sy = top + y;
          if (sy < 0 || sy >= h) continue;
          for (int64_t x = 0; x < size; ++x) {
            const int64_t sx = left + x;
            if (sx < 0 || sx >= w) continue;
            dst[((i * c + ch) * size + y) * size + x] = src[((i * c + ch) * h + sy) * w + sx];
          }
        }
    }
    return Example<>{out, b.target};
  };
}

Transform RandomHorizontalFlip(double p) {
  TG_CHECK(p >= 0 && p <= 1, "RandomHorizontalFlip: p must be in [0, 1], got ", p);
  return [p](Example<> b, Generator& gen) {
    check_images(b.data, "RandomHorizontalFlip");
    Tensor out = b.data.clone();
    const int64_t n = out.size(0), c = out.size(1), h = out.size(2), w = out.size(3);
    float* d = out.data_ptr<float>();
    for (int64_t i = 0; i < n; ++i) {
      if (gen.uniform() >= p) continue;
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t y = 0; y < h; ++y) {
          float* row = d + ((i * c + ch) * h + y) * w;
          std::reverse(row, row + w);
        }
    }
    return Example<>{out, b.target};
  };
}

Transform Compose(std::vector<Transform> transforms) {
  return [transforms](Example<> b, Generator& gen) {
    for (const auto& t : transforms) b = t(std::move(b), gen);
    return b;
  };
}

}  // namespace tg::data
