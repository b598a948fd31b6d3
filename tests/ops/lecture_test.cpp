// The CNN lecture's worked examples (shared/seed/cnn-lecture.md) as tests, with PyTorch 1.13's
// semantics as the oracle: where a slide disagrees with PyTorch, PyTorch wins and the test
// says so. Slide notation is 1-based (a11 is the top-left input element); code is 0-based.
#include <gtest/gtest.h>

#include <vector>

#include "tapegrad.h"

namespace tg {
namespace {

// Row-major values of a [1, 1, h, w] tensor.
Tensor image(const std::vector<double>& values, int64_t h, int64_t w) {
  return tensor(values, {1, 1, h, w});
}

// Element (i, j) of the last two dims of a [1, 1, h, w] tensor.
double at(const Tensor& t, int64_t i, int64_t j) {
  return t.select(0, 0).select(0, 0).select(0, i).select(0, j).item();
}

void expect_values(const Tensor& t, const std::vector<double>& want) {
  const std::vector<double> got = t.to_vector<double>();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12) << "at " << i;
}

// ---------------------------------------------------------------- output sizes
// Slides: valid r = n - f + 1; same p = (f-1)/2 gives r = n; strided r = (n+2p-f)/s + 1;
// dilated r = (n+2p-(f-1)*l-1)/s + 1. The slides leave the rounding open; PyTorch floors.
TEST(LectureExamples, OutputSizeFormulas) {
  for (int64_t n : {5, 6, 7, 9, 12}) {
    for (int64_t f : {1, 2, 3, 5}) {
      for (int64_t s : {1, 2, 3}) {
        for (int64_t p : {0, 1, 2}) {
          for (int64_t l : {1, 2}) {
            if (n + 2 * p < (f - 1) * l + 1) continue;  // the kernel must fit
            Tensor y = conv2d(zeros({1, 1, n, n}), zeros({1, 1, f, f}), {}, s, p, l);
            const int64_t dilated = (n + 2 * p - (f - 1) * l - 1) / s + 1;
            EXPECT_EQ(y.size(2), dilated) << "n=" << n << " f=" << f << " s=" << s << " p=" << p
                                          << " l=" << l;
            if (l == 1) EXPECT_EQ(y.size(3), (n + 2 * p - f) / s + 1);  // strided
            if (l == 1 && s == 1 && p == 0) EXPECT_EQ(y.size(3), n - f + 1);  // valid
          }
        }
      }
      // "same": p = (f-1)/2 keeps r = n for odd f. For even f, (f-1)/2 is not an integer;
      // PyTorch's padding='same' pads f/2 - 1 before and f/2 after instead.
      Tensor x = zeros({1, 1, n, n}), w = zeros({1, 1, f, f});
      if (f % 2 == 1) EXPECT_EQ(conv2d(x, w, {}, 1, (f - 1) / 2).size(2), n);
      EXPECT_EQ(conv2d(x, w, {}, 1, kSame).shape(), Shape({1, 1, n, n}));
      EXPECT_EQ(conv2d(x, w, {}, 1, kValid).size(2), n - f + 1);
    }
  }
}

// ---------------------------------------------------------------- the 6x6 pooling example
const std::vector<double> kPoolInput = {3, 4, 5, 6, 5, 4,  //
                                        5, 4, 3, 3, 2, 1,  //
                                        1, 3, 2, 4, 6, 2,  //
                                        3, 7, 8, 5, 1, 2,  //
                                        0, 3, 7, 8, 1, 3,  //
                                        2, 7, 8, 3, 4, 0};

TEST(LectureExamples, MaxPooling6x6) {
  Tensor a = image(kPoolInput, 6, 6);
  Tensor z = max_pool2d(a, 2, 2);
  // The slide shows [[5, 6, 5], [7, 8, 3], [7, 8, 4]]. Its middle-right window holds
  // {6, 2, 1, 2} (rows 3-4, columns 5-6), whose maximum is 6, not 3: a typo on the slide.
  // PyTorch (and tapegrad) give 6.
  expect_values(z, {5, 6, 5, 7, 8, 6, 7, 8, 4});
  // Every value is the maximum of its 2x2 window of the input.
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      double m = -1e9;
      for (int64_t di = 0; di < 2; ++di)
        for (int64_t dj = 0; dj < 2; ++dj) m = std::max(m, at(a, 2 * i + di, 2 * j + dj));
      EXPECT_EQ(at(z, i, j), m);
    }
}

TEST(LectureExamples, AveragePooling6x6) {
  Tensor a = image(kPoolInput, 6, 6);
  Tensor z = avg_pool2d(a, 2, 2);
  // The slide's values all check out against the input.
  expect_values(z, {4, 4.25, 3, 3.5, 4.75, 2.75, 3, 6.5, 2});
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      double sum = 0;
      for (int64_t di = 0; di < 2; ++di)
        for (int64_t dj = 0; dj < 2; ++dj) sum += at(a, 2 * i + di, 2 * j + dj);
      EXPECT_EQ(at(z, i, j), sum / 4);
    }
}

// ---------------------------------------------------------------- edge detection
// A 6x6 image whose left three columns are 1 and right three 0, filtered with the vertical
// edge detector [[1, 0, -1]] x 3 (a cross-correlation, as in PyTorch): 4x4 output whose two
// middle columns (the windows straddling the edge) are 3 and the others 0.
TEST(LectureExamples, VerticalEdgeDetector) {
  std::vector<double> img;
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 6; ++c) img.push_back(c < 3 ? 1 : 0);
  Tensor w = image({1, 0, -1, 1, 0, -1, 1, 0, -1}, 3, 3);
  expect_values(conv2d(image(img, 6, 6), w), {0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0, 0, 3, 3, 0});
  // The padding slide: the 4x4 image [[1, 1, -1, -1]] x 4 with p = 1 ("same", r = n = 4);
  // the slide's fragments (4, 4, -2; 6, 6) are consistent with PyTorch's result.
  std::vector<double> img4;
  for (int r = 0; r < 4; ++r)
    for (double v : {1, 1, -1, -1}) img4.push_back(v);
  const std::vector<double> want = {-2, 4, 4, -2, -3, 6, 6, -3, -3, 6, 6, -3, -2, 4, 4, -2};
  expect_values(conv2d(image(img4, 4, 4), w, {}, 1, 1), want);
  expect_values(conv2d(image(img4, 4, 4), w, {}, 1, kSame), want);
}

// ---------------------------------------------------------------- backprop through conv
// 5x5 input a, 3x3 filter w, stride 2: z is 2x2 with
//   z11 = w11 a11 + w12 a12 + ... + w33 a33, z12 = w11 a13 + ... + w33 a35, ...
// and dL/dw_ij = a_ij dL/dz11 + a_i(j+2) dL/dz12 + a_(i+2)j dL/dz21 + a_(i+2)(j+2) dL/dz22,
// e.g. dL/dw11 = a11 dz11 + a13 dz12 + a31 dz21 + a33 dz22.
TEST(LectureExamples, ConvWeightGradientFormulas) {
  manual_seed(21);
  Tensor a = randn({1, 1, 5, 5}, kFloat64);
  Tensor w = randn({1, 1, 3, 3}, kFloat64).requires_grad_();
  Tensor z = conv2d(a, w, {}, 2);
  ASSERT_EQ(z.shape(), Shape({1, 1, 2, 2}));
  // Forward: z_kl = sum_ij w_ij a_(2k+i)(2l+j) (0-based).
  for (int64_t k = 0; k < 2; ++k)
    for (int64_t l = 0; l < 2; ++l) {
      double sum = 0;
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t j = 0; j < 3; ++j) sum += at(w.detach(), i, j) * at(a, 2 * k + i, 2 * l + j);
      EXPECT_NEAR(at(z.detach(), k, l), sum, 1e-12);
    }
  Tensor dz = randn({1, 1, 2, 2}, kFloat64);  // dL/dz from the layers above
  Tensor dw = autograd::grad({z}, {w}, {dz})[0];
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      const double slide = at(a, i, j) * at(dz, 0, 0) + at(a, i, j + 2) * at(dz, 0, 1) +
                           at(a, i + 2, j) * at(dz, 1, 0) + at(a, i + 2, j + 2) * at(dz, 1, 1);
      EXPECT_NEAR(at(dw, i, j), slide, 1e-12) << "dL/dw" << i + 1 << j + 1;
    }
  // dL/da, left as an exercise on the slide: a_ij collects w_(i-2k)(j-2l) dL/dz_kl.
  Tensor a_leaf = a.clone().requires_grad_();
  Tensor da = autograd::grad({conv2d(a_leaf, w.detach(), {}, 2)}, {a_leaf}, {dz})[0];
  for (int64_t r = 0; r < 5; ++r)
    for (int64_t c = 0; c < 5; ++c) {
      double sum = 0;
      for (int64_t k = 0; k < 2; ++k)
        for (int64_t l = 0; l < 2; ++l) {
          const int64_t i = r - 2 * k, j = c - 2 * l;
          if (i >= 0 && i < 3 && j >= 0 && j < 3) sum += at(w.detach(), i, j) * at(dz, k, l);
        }
      EXPECT_NEAR(at(da, r, c), sum, 1e-12);
    }
}

// ---------------------------------------------------------------- backprop through pooling
// Average pooling f = 3, s = 2, p = 0 on 5x5: z11 = (a11 + ... + a33) / 9 etc. Windows
// overlap on row 3 and column 3, where gradients add: dL/da11 = dL/dz11 / 9,
// dL/da23 = (dL/dz11 + dL/dz12) / 9, dL/da33 = (dL/dz11 + dL/dz12 + dL/dz21 + dL/dz22) / 9.
TEST(LectureExamples, AveragePoolingBackward) {
  manual_seed(22);
  Tensor a = randn({1, 1, 5, 5}, kFloat64).requires_grad_();
  Tensor z = avg_pool2d(a, 3, 2);
  ASSERT_EQ(z.shape(), Shape({1, 1, 2, 2}));
  Tensor dz = tensor(std::vector<double>{1, 10, 100, 1000}, {1, 1, 2, 2});
  Tensor da = autograd::grad({z}, {a}, {dz})[0];
  const double z11 = 1, z12 = 10, z21 = 100, z22 = 1000;
  EXPECT_NEAR(at(da, 0, 0), z11 / 9, 1e-12);                        // dL/da11
  EXPECT_NEAR(at(da, 1, 2), (z11 + z12) / 9, 1e-12);                // dL/da23
  EXPECT_NEAR(at(da, 2, 2), (z11 + z12 + z21 + z22) / 9, 1e-12);    // dL/da33
  EXPECT_NEAR(at(da, 4, 4), z22 / 9, 1e-12);                        // dL/da55
  EXPECT_NEAR(at(da, 2, 0), (z11 + z21) / 9, 1e-12);                // dL/da31
  // Every element: the sum of dL/dz over the windows that contain it, / 9.
  for (int64_t r = 0; r < 5; ++r)
    for (int64_t c = 0; c < 5; ++c) {
      double sum = 0;
      for (int64_t k = 0; k < 2; ++k)
        for (int64_t l = 0; l < 2; ++l)
          if (r >= 2 * k && r < 2 * k + 3 && c >= 2 * l && c < 2 * l + 3) sum += at(dz, k, l);
      EXPECT_NEAR(at(da, r, c), sum / 9, 1e-12);
    }
}

// ---------------------------------------------------------------- multi-channel convolutions
// RGB input, several filters: each output element sums f x f x c products (plus the bias).
TEST(LectureExamples, RgbInputManyFilters) {
  manual_seed(23);
  const int64_t c = 3, f = 3, k = 4;
  Tensor x = randn({1, c, 6, 6}, kFloat64), w = randn({k, c, f, f}, kFloat64);
  Tensor b = randn({k}, kFloat64);
  Tensor y = conv2d(x, w, b);
  ASSERT_EQ(y.shape(), Shape({1, k, 4, 4}));  // one output channel per filter
  const std::vector<double> xs = x.to_vector<double>(), ws = w.to_vector<double>();
  const std::vector<double> ys = y.to_vector<double>(), bs = b.to_vector<double>();
  for (int64_t o = 0; o < k; ++o)
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 4; ++j) {
        double sum = bs[o];
        int terms = 0;
        for (int64_t ch = 0; ch < c; ++ch)
          for (int64_t u = 0; u < f; ++u)
            for (int64_t v = 0; v < f; ++v, ++terms)
              sum += ws[((o * c + ch) * f + u) * f + v] * xs[(ch * 6 + i + u) * 6 + j + v];
        EXPECT_EQ(terms, f * f * c);
        EXPECT_NEAR(ys[(o * 4 + i) * 4 + j], sum, 1e-12);
      }
}

// A 1x1 convolution mixes channels at each position: y[:, h, w] = W x[:, h, w] + b.
TEST(LectureExamples, OneByOneConvMixesChannels) {
  manual_seed(24);
  Tensor x = randn({2, 6, 5, 4}, kFloat64), w = randn({3, 6, 1, 1}, kFloat64);
  Tensor b = randn({3}, kFloat64);
  Tensor y = conv2d(x, w, b);
  EXPECT_EQ(y.shape(), Shape({2, 3, 5, 4}));  // reduces 6 channels to 3, keeps H and W
  Tensor mixed = matmul(x.permute({0, 2, 3, 1}), w.view({3, 6}).t()) + b;
  EXPECT_TRUE(allclose(y, mixed.permute({0, 3, 1, 2}), 1e-12, 1e-12));
}

// Depthwise-separable convolution: a depthwise conv (groups = in_channels, one filter per
// channel) then a 1x1 conv. It equals a full conv whose weight is pointwise[o, c] *
// depthwise[c] (a rank-one weight per (o, c)), with far fewer parameters.
TEST(LectureExamples, DepthwiseSeparableConv) {
  manual_seed(25);
  const int64_t c_in = 16, c_out = 32, f = 3;
  Tensor x = randn({1, c_in, 8, 8}, kFloat64);
  Tensor depthwise = randn({c_in, 1, f, f}, kFloat64);
  Tensor pointwise = randn({c_out, c_in, 1, 1}, kFloat64);
  Tensor per_channel = conv2d(x, depthwise, {}, 1, 1, 1, c_in);
  EXPECT_EQ(per_channel.shape(), Shape({1, c_in, 8, 8}));  // channels stay independent
  // Channel c of the depthwise output only sees channel c of the input.
  Tensor one = conv2d(x.narrow(1, 5, 1), depthwise.narrow(0, 5, 1), {}, 1, 1);
  EXPECT_TRUE(allclose(per_channel.narrow(1, 5, 1), one, 1e-12, 1e-12));
  Tensor separable = conv2d(per_channel, pointwise);
  Tensor full_weight = pointwise.view({c_out, c_in, 1, 1}) * depthwise.view({1, c_in, f, f});
  EXPECT_TRUE(allclose(separable, conv2d(x, full_weight, {}, 1, 1), 1e-10, 1e-10));
  const int64_t separable_params = depthwise.numel() + pointwise.numel();
  const int64_t full_params = c_out * c_in * f * f;
  EXPECT_EQ(separable_params, c_in * f * f + c_out * c_in);  // 144 + 512 = 656
  EXPECT_EQ(full_params, 4608);
  EXPECT_LT(separable_params * 7, full_params);  // about 7x fewer
}

}  // namespace
}  // namespace tg
