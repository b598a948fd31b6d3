// filters: the lecture's image filters as tg::conv2d on a photograph, and what padding
// ("valid", "same"), stride and dilation do to the output size r = (n+2p-(f-1)*l-1)/s + 1.
//
//   filters [IMAGE.png|IMAGE.jpg] [--fashion-mnist INDEX] [--out filters.png] [--max-side 384]
//
// Without IMAGE it uses the photograph in Debian's python-matplotlib-data package, or, when
// that is not installed (or with --fashion-mnist), a Fashion-MNIST test image. Writes one
// labelled contact sheet.
#include <tapegrad.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "data/fashion_mnist.h"
#include "data/jpeg.h"
#include "data/plot.h"
#include "data/png.h"

using tg::Tensor;

const char* kDefaultPhoto = "/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg";

// A [1, 3, h, w] float32 image in [0, 1] from a PNG/JPEG file, or from Fashion-MNIST.
Tensor load_image(std::string& path, int64_t fashion_index) {
  if (path.empty() && fashion_index < 0 && std::filesystem::exists(kDefaultPhoto)) {
    path = kDefaultPhoto;
  }
  if (path.empty()) {
    fashion_index = std::max<int64_t>(fashion_index, 0);
    path = "Fashion-MNIST test image #" + std::to_string(fashion_index);
    Tensor grey = tg::data::FashionMNIST(tg::data::Split::Test).data()[fashion_index];
    return grey.expand({3, 28, 28}).unsqueeze(0).contiguous();
  }
  int w = 0, h = 0;
  std::vector<uint8_t> rgb = tg::io::read_image_rgb(path, w, h);
  Tensor pixels = tg::tensor(std::vector<float>(rgb.begin(), rgb.end()), {h, w, 3});
  return (pixels.permute({2, 0, 1}).unsqueeze(0) / 255.0).contiguous();
}

// A 2-d kernel as a conv2d weight [1, 1, f, f] (multiply by `scale`).
Tensor kernel(std::vector<float> v, double scale = 1.0) {
  const auto f = static_cast<int64_t>(std::lround(std::sqrt(v.size())));
  return tg::tensor(v, {1, 1, f, f}) * scale;
}
Tensor gaussian5(double sigma) {
  Tensor x = tg::linspace(-2, 2, 5);
  Tensor g = (x * x / (-2 * sigma * sigma)).exp();
  Tensor k = g.unsqueeze(1) * g.unsqueeze(0);
  return (k / k.sum()).reshape({1, 1, 5, 5});
}

struct Tile {
  std::string label;
  Tensor image;           // [1, 1, h, w] or [1, 3, h, w]
  bool is_signed = false; // edges: mid-grey is 0, light positive, dark negative
};

// 8-bit RGB of a tile, upscaled by `zoom` (nearest), contrast-stretched if signed/unbounded.
std::vector<uint8_t> to_rgb(const Tile& t, int zoom, int& w, int& h) {
  Tensor img = t.image[0].to(tg::kFloat32).contiguous();
  const int64_t c = img.size(0);
  h = static_cast<int>(img.size(1)) * zoom, w = static_cast<int>(img.size(2)) * zoom;
  std::vector<float> v = img.to_vector<float>();
  float scale = 1;
  if (t.is_signed) {  // stretch so that 99% of the values fit
    std::vector<float> mag(v.size());
    std::transform(v.begin(), v.end(), mag.begin(), [](float x) { return std::abs(x); });
    std::nth_element(mag.begin(), mag.begin() + mag.size() * 99 / 100, mag.end());
    scale = std::max(mag[mag.size() * 99 / 100], 1e-6f);
  }
  std::vector<uint8_t> rgb(size_t(w) * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int k = 0; k < 3; ++k) {
        float p = v[(k % c) * (h / zoom) * (w / zoom) + (y / zoom) * (w / zoom) + x / zoom];
        p = t.is_signed ? 0.5f + 0.5f * p / scale : p;
        rgb[(size_t(y) * w + x) * 3 + k] = uint8_t(std::lround(std::clamp(p, 0.f, 1.f) * 255));
      }
  return rgb;
}

int main(int argc, char** argv) {
  std::string path, out = "filters.png";
  int max_side = 384, fashion_index = -1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--out" && i + 1 < argc) out = argv[++i];
    else if (arg == "--max-side" && i + 1 < argc) max_side = std::stoi(argv[++i]);
    else if (arg == "--fashion-mnist" && i + 1 < argc) fashion_index = std::stoi(argv[++i]);
    else if (arg == "--help" || arg[0] == '-') {
      std::printf("usage: filters [IMAGE.png|IMAGE.jpg] [--fashion-mnist INDEX] "
                  "[--out filters.png] [--max-side N]\n");
      return arg == "--help" ? 0 : 2;
    } else path = arg;
  }
  Tensor colour = load_image(path, fashion_index);
  if (colour.size(2) < 16 || colour.size(3) < 16) {
    std::fprintf(stderr, "filters: %s is too small (at least 16x16 pixels)\n", path.c_str());
    return 1;
  }
  // Large photos are shrunk by an integer factor with average pooling (itself a filter).
  const int64_t side = std::max(colour.size(2), colour.size(3));
  if (max_side > 0 && side > max_side) {
    const int64_t factor = (side + max_side - 1) / max_side;
    colour = tg::avg_pool2d(colour, factor);
  }
  // Grey levels: one input channel, as on the slides.
  Tensor grey = (colour * tg::tensor({0.299, 0.587, 0.114}).reshape({1, 3, 1, 1}))
                    .sum({1}, /*keepdim=*/true);
  std::printf("image: %s, %lldx%lld (height x width) after resizing\n", path.c_str(),
              (long long)grey.size(2), (long long)grey.size(3));

  Tensor box = kernel(std::vector<float>(25, 1.f), 1.0 / 25), gauss = gaussian5(1.0);
  Tensor sharpen = kernel({0, -1, 0, -1, 5, -1, 0, -1, 0});
  Tensor horizontal = kernel({1, 1, 1, 0, 0, 0, -1, -1, -1});
  Tensor vertical = kernel({1, 0, -1, 1, 0, -1, 1, 0, -1});  // the slides' edge detector
  Tensor laplacian = kernel({0, 1, 0, 1, -4, 1, 0, 1, 0});
  // Sobel: two filters in one conv2d call (weight [2, 1, 3, 3]), then the gradient magnitude.
  Tensor sobel = tg::cat({kernel({1, 0, -1, 2, 0, -2, 1, 0, -1}),
                          kernel({1, 2, 1, 0, 0, 0, -1, -2, -1})}, 0);
  Tensor g = tg::conv2d(grey, sobel, {}, 1, tg::kSame);
  Tensor magnitude = (g.pow(2).sum({1}, true)).sqrt();

  const int64_t n = grey.size(2);  // rows; the table reports the row count r
  std::vector<Tile> tiles = {
      {"original", colour},
      {"box blur 5x5", tg::conv2d(grey, box, {}, 1, tg::kSame)},
      {"Gaussian 5x5, sigma=1", tg::conv2d(grey, gauss, {}, 1, tg::kSame)},
      {"sharpen", tg::conv2d(grey, sharpen, {}, 1, tg::kSame)},
      {"horizontal edges", tg::conv2d(grey, horizontal, {}, 1, tg::kSame), true},
      {"vertical edges", tg::conv2d(grey, vertical, {}, 1, tg::kSame), true},
      {"Sobel magnitude", magnitude / magnitude.max()},
      {"Laplacian", tg::conv2d(grey, laplacian, {}, 1, tg::kSame), true},
      {"vertical, valid", tg::conv2d(grey, vertical, {}, 1, tg::kValid), true},
      {"vertical, s=2, p=1", tg::conv2d(grey, vertical, {}, 2, 1), true},
      {"vertical, dilation 4", tg::conv2d(grey, vertical, {}, 1, tg::kValid, 4), true},
      // RGB: each colour channel blurred by its own copy of the kernel (groups = 3).
      {"RGB Gaussian groups=3", tg::conv2d(colour, gauss.expand({3, 1, 5, 5}), {}, 1,
                                              tg::kSame, 1, /*groups=*/3)},
  };

  std::printf("\n%-26s %-9s %-11s %s\n", "filter (f = kernel size)", "output", "formula",
              "r = (n + 2p - (f-1)*l - 1)/s + 1 rows");
  struct Geometry { int64_t tile, f, p, s, l; };  // the tiles whose sizes differ
  for (const Geometry& q : {Geometry{5, 3, 1, 1, 1}, Geometry{8, 3, 0, 1, 1},
                            Geometry{9, 3, 1, 2, 1}, Geometry{10, 3, 0, 1, 4}}) {
    const Tensor& img = tiles[q.tile].image;
    const int64_t r = (n + 2 * q.p - (q.f - 1) * q.l - 1) / q.s + 1;
    std::printf("%-26s %4lldx%-4lld (%lld+2*%lld-%lld*%lld-1)/%lld+1 = %lld %s\n",
                tiles[q.tile].label.c_str(), (long long)img.size(2), (long long)img.size(3),
                (long long)n, (long long)q.p, (long long)q.f - 1, (long long)q.l, (long long)q.s,
                (long long)r, r == img.size(2) ? "(matches)" : "(DIFFERS)");
    if (r != img.size(2)) return 1;
  }

  // The contact sheet: 4 tiles a row, each in a cell the size of the (zoomed) input.
  const int zoom = std::max<int>(1, 256 / std::max(grey.size(2), grey.size(3)));
  const int cell_w = int(grey.size(3)) * zoom + 8;
  const int text_scale = cell_w >= 2 * 6 * 21 ? 2 : 1;  // labels are up to 21 characters
  const int label_h = 22 * text_scale, cell_h = int(grey.size(2)) * zoom + label_h + 8;
  const size_t max_chars = (cell_w - 8) / (6 * text_scale);  // longer labels are cut
  tg::io::RgbImage sheet;
  sheet.width = 4 * cell_w;
  sheet.height = int((tiles.size() + 3) / 4) * cell_h;
  sheet.rgb.assign(size_t(sheet.width) * sheet.height * 3, 255);
  for (size_t i = 0; i < tiles.size(); ++i) {
    int w = 0, h = 0;
    std::vector<uint8_t> rgb = to_rgb(tiles[i], zoom, w, h);
    const int x0 = int(i % 4) * cell_w + 4, y0 = int(i / 4) * cell_h + 4;
    for (int y = 0; y < h; ++y)
      std::copy_n(&rgb[size_t(y) * w * 3], w * 3,
                  &sheet.rgb[(size_t(y0 + label_h + y) * sheet.width + x0) * 3]);
    const std::string size = "output " + std::to_string(tiles[i].image.size(2)) + "x" +
                             std::to_string(tiles[i].image.size(3));
    tg::io::draw_text(sheet, x0, y0, tiles[i].label.substr(0, max_chars), {0, 0, 0}, text_scale);
    tg::io::draw_text(sheet, x0, y0 + 11 * text_scale, size.substr(0, max_chars), {90, 90, 90},
                      text_scale);
  }
  tg::io::write_png_rgb(out, sheet.width, sheet.height, sheet.rgb);
  std::printf("\nwrote %s (%dx%d): %zu tiles\n", out.c_str(), sheet.width, sheet.height,
              tiles.size());
  return 0;
}
