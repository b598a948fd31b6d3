// Chart rendering for training curves: a small raster canvas, a built-in bitmap font, "nice"
// axis ticks, antialiased polylines and a legend placed in the emptiest corner.
#include "data/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/png.h"

namespace tg::io {
namespace {

// ---------------------------------------------------------------- bitmap font
// Printable ASCII (32..126), 5 columns x 9 rows per glyph: rows 0-6 stand on the baseline,
// rows 7-8 hold descenders. Bit 4 of a row is the leftmost column.
constexpr int kGlyphW = 5, kGlyphH = 9, kAdvance = 6, kCapHeight = 7;
constexpr uint8_t kFont[95][kGlyphH] = {
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  // ' '
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04, 0x00, 0x00},  // '!'
    {0x0A, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  // '"'
    {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A, 0x00, 0x00},  // '#'
    {0x04, 0x0F, 0x14, 0x0E, 0x05, 0x1E, 0x04, 0x00, 0x00},  // '$'
    {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03, 0x00, 0x00},  // '%'
    {0x0C, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0D, 0x00, 0x00},  // '&'
    {0x04, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  // '\''
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02, 0x00, 0x00},  // '('
    {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08, 0x00, 0x00},  // ')'
    {0x00, 0x04, 0x15, 0x0E, 0x15, 0x04, 0x00, 0x00, 0x00},  // '*'
    {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00, 0x00, 0x00},  // '+'
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C, 0x04, 0x08},  // ','
    {0x00, 0x00, 0x00, 0x0E, 0x00, 0x00, 0x00, 0x00, 0x00},  // '-'
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C, 0x00, 0x00},  // '.'
    {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00, 0x00, 0x00},  // '/'
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E, 0x00, 0x00},  // '0'
    {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E, 0x00, 0x00},  // '1'
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F, 0x00, 0x00},  // '2'
    {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E, 0x00, 0x00},  // '3'
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02, 0x00, 0x00},  // '4'
    {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E, 0x00, 0x00},  // '5'
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E, 0x00, 0x00},  // '6'
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08, 0x00, 0x00},  // '7'
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E, 0x00, 0x00},  // '8'
    {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C, 0x00, 0x00},  // '9'
    {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00, 0x00, 0x00},  // ':'
    {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x04, 0x08, 0x00},  // ';'
    {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02, 0x00, 0x00},  // '<'
    {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00, 0x00, 0x00},  // '='
    {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08, 0x00, 0x00},  // '>'
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04, 0x00, 0x00},  // '?'
    {0x0E, 0x11, 0x17, 0x15, 0x17, 0x10, 0x0E, 0x00, 0x00},  // '@'
    {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11, 0x00, 0x00},  // 'A'
    {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E, 0x00, 0x00},  // 'B'
    {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E, 0x00, 0x00},  // 'C'
    {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C, 0x00, 0x00},  // 'D'
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F, 0x00, 0x00},  // 'E'
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10, 0x00, 0x00},  // 'F'
    {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F, 0x00, 0x00},  // 'G'
    {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11, 0x00, 0x00},  // 'H'
    {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E, 0x00, 0x00},  // 'I'
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C, 0x00, 0x00},  // 'J'
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11, 0x00, 0x00},  // 'K'
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F, 0x00, 0x00},  // 'L'
    {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11, 0x00, 0x00},  // 'M'
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11, 0x00, 0x00},  // 'N'
    {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E, 0x00, 0x00},  // 'O'
    {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10, 0x00, 0x00},  // 'P'
    {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D, 0x00, 0x00},  // 'Q'
    {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11, 0x00, 0x00},  // 'R'
    {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E, 0x00, 0x00},  // 'S'
    {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x00},  // 'T'
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E, 0x00, 0x00},  // 'U'
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04, 0x00, 0x00},  // 'V'
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A, 0x00, 0x00},  // 'W'
    {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11, 0x00, 0x00},  // 'X'
    {0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04, 0x00, 0x00},  // 'Y'
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F, 0x00, 0x00},  // 'Z'
    {0x0E, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0E, 0x00, 0x00},  // '['
    {0x00, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00, 0x00, 0x00},  // '\\'
    {0x0E, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0E, 0x00, 0x00},  // ']'
    {0x04, 0x0A, 0x11, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  // '^'
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F, 0x00},  // '_'
    {0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00},  // '`'
    {0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F, 0x00, 0x00},  // 'a'
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E, 0x00, 0x00},  // 'b'
    {0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E, 0x00, 0x00},  // 'c'
    {0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F, 0x00, 0x00},  // 'd'
    {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E, 0x00, 0x00},  // 'e'
    {0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08, 0x00, 0x00},  // 'f'
    {0x00, 0x00, 0x0F, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x0E},  // 'g'
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11, 0x00, 0x00},  // 'h'
    {0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E, 0x00, 0x00},  // 'i'
    {0x02, 0x00, 0x06, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C},  // 'j'
    {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12, 0x00, 0x00},  // 'k'
    {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E, 0x00, 0x00},  // 'l'
    {0x00, 0x00, 0x1A, 0x15, 0x15, 0x15, 0x15, 0x00, 0x00},  // 'm'
    {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11, 0x00, 0x00},  // 'n'
    {0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E, 0x00, 0x00},  // 'o'
    {0x00, 0x00, 0x1E, 0x11, 0x11, 0x11, 0x1E, 0x10, 0x10},  // 'p'
    {0x00, 0x00, 0x0F, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x01},  // 'q'
    {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10, 0x00, 0x00},  // 'r'
    {0x00, 0x00, 0x0F, 0x10, 0x0E, 0x01, 0x1E, 0x00, 0x00},  // 's'
    {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06, 0x00, 0x00},  // 't'
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D, 0x00, 0x00},  // 'u'
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04, 0x00, 0x00},  // 'v'
    {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0A, 0x00, 0x00},  // 'w'
    {0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x00, 0x00},  // 'x'
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x0E},  // 'y'
    {0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F, 0x00, 0x00},  // 'z'
    {0x03, 0x04, 0x04, 0x18, 0x04, 0x04, 0x03, 0x00, 0x00},  // '{'
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},  // '|'
    {0x18, 0x04, 0x04, 0x03, 0x04, 0x04, 0x18, 0x00, 0x00},  // '}'
    {0x00, 0x00, 0x08, 0x15, 0x02, 0x00, 0x00, 0x00, 0x00},  // '~'
};

// The glyph index of each character drawn for `text`: printable ASCII as is, anything else as
// '?', one per UTF-8 code point.
std::vector<int> glyphs_of(const std::string& text) {
  std::vector<int> out;
  for (unsigned char c : text) {
    if (c >= 32 && c < 127) out.push_back(c - 32);
    else if (c < 0x80 || c >= 0xC0) out.push_back('?' - 32);  // continuation bytes are skipped
  }
  return out;
}

int text_width(const std::string& text, int scale) {
  size_t n = glyphs_of(text).size();
  return n == 0 ? 0 : static_cast<int>(n * kAdvance - 1) * scale;
}

// ---------------------------------------------------------------- canvas
struct Rect {
  int x0, y0, x1, y1;  // [x0, x1) x [y0, y1)
  int width() const { return x1 - x0; }
  int height() const { return y1 - y0; }
};

class Canvas {
 public:
  Canvas(int width, int height) : width_(width), height_(height),
      rgb_(static_cast<size_t>(width) * height * 3, 255) {}

  void blend(int x, int y, Colour c, double alpha) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha <= 0) return;
    alpha = std::min(alpha, 1.0);
    uint8_t* p = &rgb_[(static_cast<size_t>(y) * width_ + x) * 3];
    const uint8_t src[3] = {c.r, c.g, c.b};
    for (int k = 0; k < 3; ++k) {
      p[k] = static_cast<uint8_t>(std::lround(p[k] * (1 - alpha) + src[k] * alpha));
    }
  }
  void fill(const Rect& r, Colour c, double alpha = 1.0) {
    for (int y = r.y0; y < r.y1; ++y) {
      for (int x = r.x0; x < r.x1; ++x) blend(x, y, c, alpha);
    }
  }
  void frame(const Rect& r, Colour c) {
    fill({r.x0, r.y0, r.x1, r.y0 + 1}, c);
    fill({r.x0, r.y1 - 1, r.x1, r.y1}, c);
    fill({r.x0, r.y0, r.x0 + 1, r.y1}, c);
    fill({r.x1 - 1, r.y0, r.x1, r.y1}, c);
  }

  // Text with its top-left corner at (x, y); each font pixel becomes a scale x scale block.
  void text(int x, int y, const std::string& s, Colour c, int scale = 1) {
    int pen = x;
    for (int g : glyphs_of(s)) {
      for (int row = 0; row < kGlyphH; ++row) {
        for (int col = 0; col < kGlyphW; ++col) {
          if (kFont[g][row] & (0x10 >> col)) {
            fill({pen + col * scale, y + row * scale, pen + (col + 1) * scale,
                  y + (row + 1) * scale}, c);
          }
        }
      }
      pen += kAdvance * scale;
    }
  }
  // Text turned a quarter turn anticlockwise (reads bottom to top); the glyph tops face left.
  // (x, y) is the bottom-left corner of the turned text.
  void text_up(int x, int y, const std::string& s, Colour c) {
    int pen = 0;
    for (int g : glyphs_of(s)) {
      for (int row = 0; row < kGlyphH; ++row) {
        for (int col = 0; col < kGlyphW; ++col) {
          if (kFont[g][row] & (0x10 >> col)) blend(x + row, y - 1 - (pen + col), c, 1.0);
        }
      }
      pen += kAdvance;
    }
  }

  int width() const { return width_; }
  int height() const { return height_; }
  std::vector<uint8_t>& rgb() { return rgb_; }

 private:
  int width_, height_;
  std::vector<uint8_t> rgb_;
};

constexpr Colour kInk{40, 40, 40};
constexpr Colour kFrame{90, 90, 90};
constexpr Colour kGrid{228, 228, 228};
constexpr Colour kMinorGrid{242, 242, 242};
constexpr Colour kWhite{255, 255, 255};

// ---------------------------------------------------------------- axes and ticks
struct Tick {
  double pos;  // in axis units (log10 of the value on a log axis)
  std::string label;
  bool major;
};

struct Axis {
  double lo = 0, hi = 1;  // in axis units
  bool log = false;
  std::vector<Tick> ticks;

  // Position of an axis-unit coordinate in [0, 1] along the axis (outside for clipped data).
  double frac(double pos) const { return (pos - lo) / (hi - lo); }
  // Position of a data value.
  double unit(double value) const { return frac(log ? std::log10(value) : value); }
};

// Pixel-centre coordinates of axis fractions inside the plot area (y grows downwards).
double x_pixel(const Rect& area, double frac) { return area.x0 + 0.5 + frac * (area.width() - 1); }
double y_pixel(const Rect& area, double frac) {
  return area.y1 - 0.5 - frac * (area.height() - 1);
}
// A pixel coordinate as an int, clamped to a range far outside any canvas (NaN -> lo), so
// that extreme data never overflows the conversion.
int to_pixel(double v, int lo = -(1 << 20), int hi = 1 << 20) {
  if (!(v >= lo)) return lo;
  if (v > hi) return hi;
  return static_cast<int>(v);
}
int pixel_index(double centre) { return to_pixel(std::floor(centre)); }

bool usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

// 1, 2 or 5 times a power of ten, close to `raw`.
double nice_step(double raw) {
  double p = std::pow(10.0, std::floor(std::log10(raw)));
  double m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

std::string format_number(double v, double step) {
  char buf[48];
  if (v == 0) return "0";
  double mag = std::fabs(v);
  if (mag >= 1e6 || step < 1e-4) {
    std::snprintf(buf, sizeof(buf), "%.3g", v);
    std::string s = buf;
    // "1e-05" -> "1e-5", "2e+06" -> "2e6"
    size_t e = s.find('e');
    if (e != std::string::npos) {
      std::string mant = s.substr(0, e), ex = s.substr(e + 1);
      bool neg = ex[0] == '-';
      ex = ex.substr(1);
      while (ex.size() > 1 && ex[0] == '0') ex.erase(0, 1);
      s = mant + "e" + (neg ? "-" : "") + ex;
    }
    return s;
  }
  if (mag >= 1e4 && step >= 100) {  // 12500 -> "12.5k"
    int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step / 1e3) + 1e-9)));
    std::snprintf(buf, sizeof(buf), "%.*fk", decimals, v / 1e3);
    return buf;
  }
  int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

std::string format_power_of_ten(int k) {
  if (k >= 0 && k <= 4) return format_number(std::pow(10.0, k), 1);
  if (k < 0 && k >= -3) return format_number(std::pow(10.0, k), std::pow(10.0, k));
  return "1e" + std::to_string(k);
}

// Sets lo/hi (padded by `pad` of the span on each side) and the ticks for `pixels` of length.
void fit_axis(Axis& a, double data_lo, double data_hi, double pad, int pixels, int spacing) {
  if (!(data_lo <= data_hi)) {  // no data
    data_lo = a.log ? 1 : 0;
    data_hi = a.log ? 10 : 1;
  }
  double lo = a.log ? std::log10(data_lo) : data_lo;
  double hi = a.log ? std::log10(data_hi) : data_hi;
  if (hi - lo < 1e-12 * std::max(1.0, std::fabs(lo))) {  // a constant: open a window around it
    double d = a.log ? 0.5 : (lo != 0 ? std::fabs(lo) * 0.1 : 1.0);
    lo -= d;
    hi += d;
  }
  double span = hi - lo;
  a.lo = lo - span * pad;
  a.hi = hi + span * pad;
  a.ticks.clear();
  if (!std::isfinite(a.hi - a.lo)) {  // e.g. -1e308 .. 1e308: beyond double's reach, no ticks
    a.lo = lo;
    a.hi = hi;
    return;
  }

  int target = std::clamp(pixels / spacing, 3, 10);
  if (a.log && a.hi - a.lo >= 1.5) {
    // Decades, labelled; 2..9 times each decade as unlabelled minor grid when they are few.
    int first = static_cast<int>(std::ceil(a.lo - 1e-9));
    int last = static_cast<int>(std::floor(a.hi + 1e-9));
    int every = std::max(1, (last - first + 1 + target - 1) / target);
    for (int k = first - 1; k <= last; ++k) {
      if (k >= first && (k - first) % every == 0) {
        a.ticks.push_back({double(k), format_power_of_ten(k), true});
      }
      if (every == 1 && a.hi - a.lo < 6) {
        bool few_decades = last - first < 2;  // then 2x and 5x get labels as well
        for (int m = 2; m <= 9; ++m) {
          double p = k + std::log10(double(m));
          if (p <= a.lo || p >= a.hi) continue;
          if (few_decades && (m == 2 || m == 5)) {
            double unit = std::pow(10.0, k);
            a.ticks.push_back({p, format_number(m * unit, unit), true});
          } else {
            a.ticks.push_back({p, "", false});
          }
        }
      }
    }
    return;
  }
  // Linear ticks (on a short log axis, linear in the value, placed logarithmically).
  double vlo = a.log ? std::pow(10.0, a.lo) : a.lo;
  double vhi = a.log ? std::pow(10.0, a.hi) : a.hi;
  double step = nice_step((vhi - vlo) / target);
  double first = std::ceil(vlo / step - 1e-9), count = std::floor(vhi / step + 1e-9) - first + 1;
  if (!std::isfinite(first) || !std::isfinite(count)) return;  // a range beyond double's reach
  for (int i = 0; i < std::min(count, 50.0); ++i) {
    double v = (first + i) * step;
    if (std::fabs(v) < step * 1e-9) v = 0;
    if (a.log && v <= 0) continue;
    a.ticks.push_back({a.log ? std::log10(v) : v, format_number(v, step), true});
  }
}

// ---------------------------------------------------------------- series
// Coverage of the plot area by one series, combined by max so that joints and overlapping
// segments do not darken; composited once at the end.
class Coverage {
 public:
  explicit Coverage(const Rect& r)
      : r_(r), a_(static_cast<size_t>(r.width()) * r.height(), 0.f) {}

  void segment(double ax, double ay, double bx, double by, double half_width) {
    double reach = half_width + 1;
    if (!std::isfinite(ax) || !std::isfinite(ay) || !std::isfinite(bx) || !std::isfinite(by)) {
      return;
    }
    int x_begin = std::max(r_.x0, to_pixel(std::floor(std::min(ax, bx) - reach)));
    int x_end = std::min(r_.x1, to_pixel(std::ceil(std::max(ax, bx) + reach)));
    int y_begin = std::max(r_.y0, to_pixel(std::floor(std::min(ay, by) - reach)));
    int y_end = std::min(r_.y1, to_pixel(std::ceil(std::max(ay, by) + reach)));
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    for (int y = y_begin; y < y_end; ++y) {
      for (int x = x_begin; x < x_end; ++x) {
        double px = x + 0.5 - ax, py = y + 0.5 - ay;  // pixel centre relative to a
        double t = len2 > 0 ? std::clamp((px * dx + py * dy) / len2, 0.0, 1.0) : 0.0;
        double d = std::hypot(px - t * dx, py - t * dy);
        put(x, y, half_width + 0.5 - d);
      }
    }
  }
  void dot(double cx, double cy, double radius) { segment(cx, cy, cx, cy, radius); }

  void composite(Canvas& canvas, Colour c, std::vector<float>& ink) const {
    for (int y = r_.y0; y < r_.y1; ++y) {
      for (int x = r_.x0; x < r_.x1; ++x) {
        size_t i = static_cast<size_t>(y - r_.y0) * r_.width() + (x - r_.x0);
        if (a_[i] > 0) {
          canvas.blend(x, y, c, a_[i]);
          ink[i] = std::max(ink[i], a_[i]);
        }
      }
    }
  }

 private:
  void put(int x, int y, double coverage) {
    if (coverage <= 0) return;
    float& a = a_[static_cast<size_t>(y - r_.y0) * r_.width() + (x - r_.x0)];
    a = std::max(a, static_cast<float>(std::min(coverage, 1.0)));
  }
  Rect r_;
  std::vector<float> a_;
};

double x_of(const PlotSeries& s, size_t i) { return s.x.empty() ? double(i) : s.x[i]; }

void draw_series(Canvas& canvas, const Rect& area, const Axis& ax, const Axis& ay,
                 const PlotSeries& s, Colour colour, std::vector<float>& ink) {
  Coverage cov(area);
  auto px = [&](size_t i) { return x_pixel(area, ax.unit(x_of(s, i))); };
  auto py = [&](size_t i) { return y_pixel(area, ay.unit(s.y[i])); };
  auto ok = [&](size_t i) { return usable(x_of(s, i), ax.log) && usable(s.y[i], ay.log); };
  size_t n = s.y.size();
  for (size_t i = 0; i < n; ++i) {
    if (!ok(i)) continue;
    bool joined_prev = i > 0 && ok(i - 1), joined_next = i + 1 < n && ok(i + 1);
    if (joined_next) cov.segment(px(i), py(i), px(i + 1), py(i + 1), 0.9);
    if (s.markers || (!joined_prev && !joined_next)) cov.dot(px(i), py(i), 2.6);
  }
  cov.composite(canvas, colour, ink);
}

// ---------------------------------------------------------------- legend
void draw_legend(Canvas& canvas, const Rect& area, const std::vector<const PlotSeries*>& named,
                 const std::vector<Colour>& colours, const std::vector<float>& ink) {
  if (named.empty()) return;
  constexpr int kPad = 6, kSample = 18, kGap = 5, kRow = 12, kInset = 8;
  int text_w = 0;
  for (const PlotSeries* s : named) text_w = std::max(text_w, text_width(s->name, 1));
  int w = kPad + kSample + kGap + text_w + kPad;
  int h = kPad + static_cast<int>(named.size()) * kRow - (kRow - kCapHeight) + kPad;
  if (w > area.width() - 2 * kInset || h > area.height() - 2 * kInset) return;  // no room

  // The corner whose box covers the least ink; ties go to the earlier corner.
  const int left = area.x0 + kInset, right = area.x1 - kInset - w;
  const int top = area.y0 + kInset, bottom = area.y1 - kInset - h;
  const int corners[4][2] = {{right, top}, {right, bottom}, {left, top}, {left, bottom}};
  double best = std::numeric_limits<double>::infinity();
  int bx = right, by = top;
  for (const auto& c : corners) {
    double sum = 0;
    for (int y = c[1]; y < c[1] + h; ++y) {
      for (int x = c[0]; x < c[0] + w; ++x) {
        sum += ink[static_cast<size_t>(y - area.y0) * area.width() + (x - area.x0)];
      }
    }
    if (sum < best - 1e-6) {
      best = sum;
      bx = c[0];
      by = c[1];
    }
  }
  Rect box{bx, by, bx + w, by + h};
  canvas.fill(box, kWhite, 0.88);
  canvas.frame(box, Colour{200, 200, 200});
  for (size_t i = 0; i < named.size(); ++i) {
    int row_top = by + kPad + static_cast<int>(i) * kRow;
    int mid = row_top + kCapHeight / 2;
    canvas.fill({bx + kPad, mid - 1, bx + kPad + kSample, mid + 1}, colours[i]);
    canvas.text(bx + kPad + kSample + kGap, row_top, named[i]->name, kInk);
  }
}

// ---------------------------------------------------------------- one panel
void check_panel(const PlotPanel& p, size_t index) {
  for (size_t k = 0; k < p.series.size(); ++k) {
    const PlotSeries& s = p.series[k];
    if (!s.x.empty() && s.x.size() != s.y.size()) {
      throw std::invalid_argument(
          "plot_training_curves_png: panel " + std::to_string(index) + " ('" + p.title +
          "') series " + std::to_string(k) + " ('" + s.name + "') has " +
          std::to_string(s.x.size()) + " x values and " + std::to_string(s.y.size()) +
          " y values");
    }
  }
}

void draw_panel(Canvas& canvas, const Rect& cell, const PlotPanel& panel) {
  constexpr int kTitleScale = 2, kTickLen = 4, kLineH = kGlyphH;
  // Data ranges.
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const PlotSeries& s : panel.series) {
    for (size_t i = 0; i < s.y.size(); ++i) {
      double x = x_of(s, i), y = s.y[i];
      if (!usable(x, false) || !usable(y, panel.log_y)) continue;
      xlo = std::min(xlo, x);
      xhi = std::max(xhi, x);
      ylo = std::min(ylo, y);
      yhi = std::max(yhi, y);
    }
  }
  bool has_data = xlo <= xhi;

  // Vertical layout first: it fixes the y axis, whose labels then fix the left margin.
  int top = cell.y0 + (panel.title.empty() ? 14 : 12 + kCapHeight * kTitleScale + 12);
  int bottom = cell.y1 - (8 + kTickLen + 3 + kLineH + (panel.x_label.empty() ? 0 : 5 + kLineH));
  Axis ay;
  ay.log = panel.log_y;
  fit_axis(ay, ylo, yhi, 0.06, bottom - top, 45);
  int label_w = 0;
  for (const Tick& t : ay.ticks) label_w = std::max(label_w, text_width(t.label, 1));
  int left = cell.x0 + 10 + (panel.y_label.empty() ? 0 : kLineH + 6) + label_w + 3 + kTickLen;
  int right = cell.x1 - 18;
  Axis ax;
  fit_axis(ax, xlo, xhi, 0.03, right - left, 80);
  Rect area{left, top, right, bottom};

  // Grid.
  for (const Tick& t : ay.ticks) {
    int y = pixel_index(y_pixel(area, ay.frac(t.pos)));
    canvas.fill({area.x0, y, area.x1, y + 1}, t.major ? kGrid : kMinorGrid);
  }
  for (const Tick& t : ax.ticks) {
    int x = pixel_index(x_pixel(area, ax.frac(t.pos)));
    canvas.fill({x, area.y0, x + 1, area.y1}, kGrid);
  }

  // Series, then the frame over their clipped ends.
  std::vector<float> ink(static_cast<size_t>(area.width()) * area.height(), 0.f);
  std::vector<const PlotSeries*> named;
  std::vector<Colour> named_colours;
  for (size_t k = 0; k < panel.series.size(); ++k) {
    const PlotSeries& s = panel.series[k];
    Colour c = s.colour ? *s.colour : plot_palette(k);
    draw_series(canvas, area, ax, ay, s, c, ink);
    if (!s.name.empty()) {
      named.push_back(&s);
      named_colours.push_back(c);
    }
  }
  canvas.frame({area.x0 - 1, area.y0 - 1, area.x1 + 1, area.y1 + 1}, kFrame);
  if (!has_data) {
    std::string msg = "no data";
    canvas.text((area.x0 + area.x1 - text_width(msg, 1)) / 2,
                (area.y0 + area.y1 - kCapHeight) / 2, msg, Colour{150, 150, 150});
  }

  // Ticks and their labels.
  for (const Tick& t : ay.ticks) {
    if (!t.major) continue;
    int y = pixel_index(y_pixel(area, ay.frac(t.pos)));
    canvas.fill({area.x0 - 1 - kTickLen, y, area.x0 - 1, y + 1}, kFrame);
    canvas.text(area.x0 - 1 - kTickLen - 3 - text_width(t.label, 1), y - kCapHeight / 2,
                t.label, kInk);
  }
  for (const Tick& t : ax.ticks) {
    int x = pixel_index(x_pixel(area, ax.frac(t.pos)));
    canvas.fill({x, area.y1 + 1, x + 1, area.y1 + 1 + kTickLen}, kFrame);
    canvas.text(x - text_width(t.label, 1) / 2, area.y1 + 1 + kTickLen + 3, t.label, kInk);
  }

  // Axis labels and title.
  if (!panel.x_label.empty()) {
    canvas.text((area.x0 + area.x1 - text_width(panel.x_label, 1)) / 2,
                area.y1 + 1 + kTickLen + 3 + kLineH + 5, panel.x_label, kInk);
  }
  if (!panel.y_label.empty()) {
    int len = text_width(panel.y_label, 1);
    canvas.text_up(cell.x0 + 10, (area.y0 + area.y1 + len) / 2, panel.y_label, kInk);
  }
  if (!panel.title.empty()) {
    int w = text_width(panel.title, kTitleScale);
    canvas.text(std::max(cell.x0 + 4, (area.x0 + area.x1 - w) / 2), cell.y0 + 12, panel.title,
                kInk, kTitleScale);
  }
  draw_legend(canvas, area, named, named_colours, ink);
}

}  // namespace

Colour plot_palette(size_t index) {
  static constexpr Colour kPalette[10] = {
      {31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},   {148, 103, 189},
      {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
  return kPalette[index % 10];
}

RgbImage render_training_curves(const std::vector<PlotPanel>& panels,
                                const PlotOptions& options) {
  if (panels.empty()) {
    throw std::invalid_argument("plot_training_curves_png: no panels to draw");
  }
  if (options.panel_width < 160 || options.panel_height < 120 || options.panel_width > 8192 ||
      options.panel_height > 8192 || options.columns < 0) {
    throw std::invalid_argument(
        "plot_training_curves_png: panel size must be between 160x120 and 8192x8192 and "
        "columns >= 0, got " + std::to_string(options.panel_width) + "x" +
        std::to_string(options.panel_height) + ", columns " + std::to_string(options.columns));
  }
  for (size_t i = 0; i < panels.size(); ++i) check_panel(panels[i], i);
  int n = static_cast<int>(panels.size());
  int columns = options.columns > 0 ? std::min(options.columns, n)
                                    : (n <= 3 ? n : n == 4 ? 2 : 3);
  int rows = (n + columns - 1) / columns;
  Canvas canvas(columns * options.panel_width, rows * options.panel_height);
  for (int i = 0; i < n; ++i) {
    int cx = (i % columns) * options.panel_width, cy = (i / columns) * options.panel_height;
    draw_panel(canvas, {cx, cy, cx + options.panel_width, cy + options.panel_height},
               panels[i]);
  }
  RgbImage image;
  image.width = canvas.width();
  image.height = canvas.height();
  image.rgb = std::move(canvas.rgb());
  return image;
}

void plot_training_curves_png(const std::string& path, const std::vector<PlotPanel>& panels,
                              const PlotOptions& options) {
  RgbImage image = render_training_curves(panels, options);
  write_png_rgb(path, image.width, image.height, image.rgb);
}

void draw_text(RgbImage& image, int x, int y, const std::string& text, Colour colour,
               int scale) {
  if (scale < 1 || image.rgb.size() != static_cast<size_t>(image.width) * image.height * 3) {
    throw std::invalid_argument("draw_text: scale must be >= 1 and the image " +
                                std::to_string(image.width) + "x" +
                                std::to_string(image.height) + " needs width*height*3 bytes");
  }
  int pen = x;
  for (int g : glyphs_of(text)) {
    for (int row = 0; row < kGlyphH * scale; ++row) {
      for (int col = 0; col < kGlyphW * scale; ++col) {
        const int px = pen + col, py = y + row;
        if (!(kFont[g][row / scale] & (0x10 >> (col / scale)))) continue;
        if (px < 0 || py < 0 || px >= image.width || py >= image.height) continue;
        uint8_t* p = &image.rgb[(static_cast<size_t>(py) * image.width + px) * 3];
        p[0] = colour.r, p[1] = colour.g, p[2] = colour.b;
      }
    }
    pen += kAdvance * scale;
  }
}

}  // namespace tg::io
