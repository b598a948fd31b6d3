// Shared by the detect and segment examples (header only: examples/CMakeLists.txt turns a
// folder of .cpp files into a program, and this folder has none).
//
// Canvases: Fashion-MNIST items pasted at random positions and scales on a square black
// canvas, generated deterministically from a seed. Each item comes with its tight bounding box
// (the lecture's point + width + height, in pixels) and its class; every canvas has a label map
// (0 = background, 1 + class on the item's pixels). Plus what the programs need to draw their
// results: an RGB picture with nearest-neighbour upscaling, rectangles, a colour per class.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <stb/stb_easy_font.h>  // Debian's libstb-dev: a small bitmap font made of quads

#include "tapegrad.h"
#include "data/fashion_mnist.h"
#include "data/png.h"

namespace canvas {

// A small deterministic generator (splitmix64): the same seed gives the same canvases on
// every platform, unlike std::uniform_*_distribution.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  int64_t below(int64_t n) { return static_cast<int64_t>(next() % static_cast<uint64_t>(n)); }
  int64_t between(int64_t lo, int64_t hi) { return lo + below(hi - lo + 1); }  // [lo, hi]

 private:
  uint64_t state_;
};

struct Item {
  int64_t label = 0;
  double x = 0, y = 0, w = 0, h = 0;  // tight box: top-left point, width, height (pixels)
};

struct Canvas {
  int size = 64;
  std::vector<float> pixels;    // size * size, in [0, 1]
  std::vector<int64_t> labels;  // size * size: 0 background, 1 + class on an item
  std::vector<Item> items;
};

// Fashion-MNIST images as float [N, 28 * 28] and labels, held in plain vectors.
struct Source {
  std::vector<float> images;
  std::vector<int64_t> labels;
  int64_t count() const { return static_cast<int64_t>(labels.size()); }
  const float* image(int64_t i) const { return images.data() + i * 28 * 28; }
};

inline Source load_source(tg::data::Split split, const std::string& root, int64_t limit) {
  tg::data::TensorDataset ds = tg::data::FashionMNIST(split, root);
  if (limit > 0 && limit < ds.size()) ds = ds.head(limit);
  Source s;
  s.images = ds.data().contiguous().to_vector<float>();
  s.labels = ds.targets().contiguous().to_vector<int64_t>();
  return s;
}

struct CanvasOptions {
  int size = 64;
  int min_items = 1, max_items = 1;
  int min_side = 20, max_side = 44;  // the 28x28 item is resized to side x side pixels
  double ink = 0.15;                 // pixels above this belong to the item (box and mask)
};

// Bilinear resize of a 28x28 image to side x side (pixel centres aligned, as
// align_corners=false).
inline std::vector<float> resize(const float* src, int side) {
  std::vector<float> out(static_cast<size_t>(side) * side);
  const double scale = 28.0 / side;
  for (int oy = 0; oy < side; ++oy) {
    const double sy = std::clamp((oy + 0.5) * scale - 0.5, 0.0, 27.0);
    const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, 27);
    const double fy = sy - y0;
    for (int ox = 0; ox < side; ++ox) {
      const double sx = std::clamp((ox + 0.5) * scale - 0.5, 0.0, 27.0);
      const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, 27);
      const double fx = sx - x0;
      const double top = src[y0 * 28 + x0] * (1 - fx) + src[y0 * 28 + x1] * fx;
      const double bottom = src[y1 * 28 + x0] * (1 - fx) + src[y1 * 28 + x1] * fx;
      out[oy * side + ox] = static_cast<float>(top * (1 - fy) + bottom * fy);
    }
  }
  return out;
}

// One canvas: between min_items and max_items items whose squares do not overlap (an item that
// finds no free place in 100 tries is left out, so the count can fall short of the draw; at
// least one item is always placed).
inline Canvas make_canvas(const Source& src, Rng& rng, const CanvasOptions& o) {
  Canvas c;
  c.size = o.size;
  c.pixels.assign(static_cast<size_t>(o.size) * o.size, 0.0f);
  c.labels.assign(c.pixels.size(), 0);
  const int64_t want = rng.between(o.min_items, o.max_items);
  std::vector<std::array<int, 3>> squares;  // x, y, side
  for (int64_t k = 0; k < want; ++k) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      const int side = static_cast<int>(rng.between(o.min_side, o.max_side));
      const int x = static_cast<int>(rng.between(0, o.size - side));
      const int y = static_cast<int>(rng.between(0, o.size - side));
      bool free = true;
      for (const auto& q : squares)
        free = free && (x + side <= q[0] || q[0] + q[2] <= x || y + side <= q[1] ||
                        q[1] + q[2] <= y);
      if (!free) continue;
      const int64_t index = rng.below(src.count());
      const std::vector<float> patch = resize(src.image(index), side);
      int bx0 = side, by0 = side, bx1 = -1, by1 = -1;
      for (int py = 0; py < side; ++py)
        for (int px = 0; px < side; ++px) {
          const float v = patch[py * side + px];
          const size_t at = static_cast<size_t>(y + py) * o.size + (x + px);
          c.pixels[at] = std::max(c.pixels[at], v);
          if (v > o.ink) {
            c.labels[at] = 1 + src.labels[index];
            bx0 = std::min(bx0, px), by0 = std::min(by0, py);
            bx1 = std::max(bx1, px), by1 = std::max(by1, py);
          }
        }
      if (bx1 < 0) continue;  // an empty image (none in Fashion-MNIST, but be safe)
      squares.push_back({x, y, side});
      c.items.push_back({src.labels[index], double(x + bx0), double(y + by0),
                         double(bx1 - bx0 + 1), double(by1 - by0 + 1)});
      break;
    }
    if (c.items.empty() && k + 1 == want) --k;  // retry: a canvas is never empty
  }
  return c;
}

inline std::vector<Canvas> make_canvases(const Source& src, int64_t count, uint64_t seed,
                                         const CanvasOptions& o) {
  Rng rng(seed);
  std::vector<Canvas> out;
  out.reserve(count);
  for (int64_t i = 0; i < count; ++i) out.push_back(make_canvas(src, rng, o));
  return out;
}

// The pixels of canvases [first, first + n) as float [n, 1, size, size].
inline tg::Tensor images(const std::vector<Canvas>& cs, const std::vector<int64_t>& which) {
  const int s = cs.front().size;
  std::vector<float> v;
  v.reserve(which.size() * s * s);
  for (int64_t i : which) v.insert(v.end(), cs[i].pixels.begin(), cs[i].pixels.end());
  return tg::tensor(v, {static_cast<int64_t>(which.size()), 1, s, s});
}

inline std::vector<int64_t> range(int64_t first, int64_t n) {
  std::vector<int64_t> r(n);
  for (int64_t i = 0; i < n; ++i) r[i] = first + i;
  return r;
}

// ---------------------------------------------------------------- pictures

struct Rgb {
  uint8_t r, g, b;
};

// Ten well-separated colours, one per Fashion-MNIST class (index = class).
inline Rgb class_colour(int64_t label) {
  static const Rgb palette[10] = {{230, 25, 75},  {60, 180, 75},   {255, 225, 25}, {0, 130, 200},
                                  {245, 130, 48}, {145, 30, 180},  {70, 240, 240}, {240, 50, 230},
                                  {210, 245, 60}, {250, 190, 190}};
  return palette[((label % 10) + 10) % 10];
}

// An RGB picture assembled from tiles; written as PNG.
class Picture {
 public:
  Picture(int width, int height, Rgb fill = {255, 255, 255})
      : w_(width), h_(height), rgb_(static_cast<size_t>(width) * height * 3) {
    for (int y = 0; y < h_; ++y)
      for (int x = 0; x < w_; ++x) set(x, y, fill);
  }
  int width() const { return w_; }
  int height() const { return h_; }
  void set(int x, int y, Rgb c) {
    if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
    uint8_t* p = &rgb_[(static_cast<size_t>(y) * w_ + x) * 3];
    p[0] = c.r, p[1] = c.g, p[2] = c.b;
  }
  // A grey-level image (values in [0, 1], row-major n x n) scaled by `zoom` at (x0, y0).
  void grey(int x0, int y0, const float* v, int n, int zoom) {
    for (int y = 0; y < n * zoom; ++y)
      for (int x = 0; x < n * zoom; ++x) {
        const float f = std::clamp(v[(y / zoom) * n + x / zoom], 0.0f, 1.0f);
        const auto g = static_cast<uint8_t>(std::lround(f * 255));
        set(x0 + x, y0 + y, {g, g, g});
      }
  }
  // A label map (0 background, 1 + class) as colours over the dimmed grey image.
  void labels(int x0, int y0, const int64_t* lab, const float* v, int n, int zoom) {
    for (int y = 0; y < n * zoom; ++y)
      for (int x = 0; x < n * zoom; ++x) {
        const int64_t l = lab[(y / zoom) * n + x / zoom];
        const float f = std::clamp(v[(y / zoom) * n + x / zoom], 0.0f, 1.0f);
        if (l == 0) {
          const auto g = static_cast<uint8_t>(std::lround(f * 60));
          set(x0 + x, y0 + y, {g, g, g});
        } else {
          const Rgb c = class_colour(l - 1);
          const double k = 0.55 + 0.45 * f;
          set(x0 + x, y0 + y, {static_cast<uint8_t>(c.r * k), static_cast<uint8_t>(c.g * k),
                               static_cast<uint8_t>(c.b * k)});
        }
      }
  }
  // Outline of the box (x, y, w, h in canvas pixels) drawn on a tile at (x0, y0) with `zoom`.
  void box(int x0, int y0, int zoom, double x, double y, double w, double h, Rgb c,
           int thickness = 2, bool dashed = false) {
    const int ax = x0 + static_cast<int>(std::lround(x * zoom));
    const int ay = y0 + static_cast<int>(std::lround(y * zoom));
    const int bx = x0 + static_cast<int>(std::lround((x + w) * zoom)) - 1;
    const int by = y0 + static_cast<int>(std::lround((y + h) * zoom)) - 1;
    for (int t = 0; t < thickness; ++t) {
      for (int i = ax; i <= bx; ++i)
        if (!dashed || ((i - ax) / 4) % 2 == 0) set(i, ay + t, c), set(i, by - t, c);
      for (int j = ay; j <= by; ++j)
        if (!dashed || ((j - ay) / 4) % 2 == 0) set(ax + t, j, c), set(bx - t, j, c);
    }
  }
  void fill(int x0, int y0, int w, int h, Rgb c) {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) set(x0 + x, y0 + y, c);
  }
  // Text with its top-left corner at (x0, y0), each font pixel drawn as scale x scale.
  void text(int x0, int y0, const std::string& str, Rgb c, int scale = 1) {
    std::vector<char> chars(str.begin(), str.end());
    chars.push_back('\0');
    std::vector<float> quads(str.size() * 300);  // 16 bytes per vertex, 4 per quad
    const int n = stb_easy_font_print(0, 0, chars.data(), nullptr, quads.data(),
                                      static_cast<int>(quads.size() * sizeof(float)));
    for (int q = 0; q < n; ++q) {
      const float* v = &quads[static_cast<size_t>(q) * 16];  // 4 vertices of 4 floats
      const float ax = std::min(v[0], v[8]), bx = std::max(v[0], v[8]);
      const float ay = std::min(v[1], v[9]), by = std::max(v[1], v[9]);
      fill(x0 + static_cast<int>(ax * scale), y0 + static_cast<int>(ay * scale),
           static_cast<int>((bx - ax) * scale), static_cast<int>((by - ay) * scale), c);
    }
  }
  static int text_width(const std::string& str, int scale = 1) {
    std::vector<char> chars(str.begin(), str.end());
    chars.push_back('\0');
    return stb_easy_font_width(chars.data()) * scale;
  }
  void save(const std::string& path) const { tg::io::write_png_rgb(path, w_, h_, rgb_); }

 private:
  int w_, h_;
  std::vector<uint8_t> rgb_;
};

}  // namespace canvas
