#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/png.h"

namespace tg::io {
namespace {

std::string data_file(const std::string& name) {
  return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/data/files/" + name;
}

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "io_png_" + name; }

template <class E, class F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected an exception mentioning \"" << needle << "\"";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

std::vector<uint8_t> gradient(int width, int height) {
  std::vector<uint8_t> rgb(static_cast<size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      uint8_t* p = &rgb[(static_cast<size_t>(y) * width + x) * 3];
      p[0] = static_cast<uint8_t>(x * 7);
      p[1] = static_cast<uint8_t>(y * 13);
      p[2] = static_cast<uint8_t>((x ^ y) * 5);
    }
  }
  return rgb;
}

TEST(IoPng, RoundTripsThroughFilesAndBuffers) {
  for (auto [w, h] : {std::pair{1, 1}, std::pair{37, 19}, std::pair{256, 3}}) {
    std::vector<uint8_t> rgb = gradient(w, h);
    std::string path = temp_path("roundtrip.png");
    write_png_rgb(path, w, h, rgb);
    int rw = 0, rh = 0;
    EXPECT_EQ(read_png_rgb(path, rw, rh), rgb);
    EXPECT_EQ(rw, w);
    EXPECT_EQ(rh, h);
    std::vector<unsigned char> buffer = png_rgb_to_buffer(w, h, rgb);
    EXPECT_EQ(png_rgb_from_buffer(buffer.data(), buffer.size(), rw, rh), rgb);
    std::remove(path.c_str());
  }
}

// The committed files were written by Pillow: 4x3 with grey level 20 * (x + 4y).
TEST(IoPng, ConvertsOtherPngKindsToRgb) {
  auto grey_at = [](int x, int y) { return static_cast<uint8_t>(20 * (x + 4 * y)); };
  for (const char* name : {"grey_4x3.png", "grey16_4x3.png"}) {
    int w = 0, h = 0;
    std::vector<uint8_t> rgb = read_png_rgb(data_file(name), w, h);
    ASSERT_EQ(w, 4) << name;
    ASSERT_EQ(h, 3) << name;
    for (int y = 0; y < 3; ++y) {
      for (int x = 0; x < 4; ++x) {
        for (int c = 0; c < 3; ++c) EXPECT_EQ(rgb[(y * 4 + x) * 3 + c], grey_at(x, y)) << name;
      }
    }
  }
  for (const char* name : {"rgba_4x3.png", "palette_4x3.png"}) {
    int w = 0, h = 0;
    std::vector<uint8_t> rgb = read_png_rgb(data_file(name), w, h);
    ASSERT_EQ(w * h * 3, static_cast<int>(rgb.size())) << name;
    for (int y = 0; y < 3; ++y) {
      for (int x = 0; x < 4; ++x) {
        const uint8_t* p = &rgb[(y * 4 + x) * 3];
        EXPECT_EQ(p[0], grey_at(x, y)) << name;
        EXPECT_EQ(p[1], 255 - grey_at(x, y)) << name;
        EXPECT_EQ(p[2], 7) << name;
      }
    }
  }
}

TEST(IoPng, RejectsBadArguments) {
  expect_error<std::invalid_argument>([] { png_rgb_to_buffer(2, 2, std::vector<uint8_t>(11)); },
                                      "needs 12 bytes, got 11");
  EXPECT_THROW(png_rgb_to_buffer(0, 2, {}), std::invalid_argument);
  EXPECT_THROW(png_rgb_to_buffer(2, -1, {}), std::invalid_argument);
}

TEST(IoPng, RejectsMalformedFiles) {
  int w = 0, h = 0;
  expect_error<tg::Error>([&] { read_png_rgb("/nonexistent/a.png", w, h); },
                                   "/nonexistent/a.png");
  std::vector<unsigned char> junk(64, 'x');
  expect_error<tg::Error>(
      [&] { png_rgb_from_buffer(junk.data(), junk.size(), w, h, "junk.png"); }, "not a PNG");

  std::vector<unsigned char> good = png_rgb_to_buffer(20, 10, gradient(20, 10));
  for (size_t n = 0; n < good.size(); ++n) {
    std::vector<unsigned char> cut(good.begin(), good.begin() + n);
    EXPECT_THROW(png_rgb_from_buffer(cut.data(), cut.size(), w, h), tg::Error)
        << "length " << n;
  }
  std::vector<unsigned char> bad_crc = good;
  bad_crc[20] ^= 0x01;  // inside the IHDR chunk, whose CRC then fails
  expect_error<tg::Error>(
      [&] { png_rgb_from_buffer(bad_crc.data(), bad_crc.size(), w, h, "crc.png"); }, "crc.png");
}

}  // namespace
}  // namespace tg::io
