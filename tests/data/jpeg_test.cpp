#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/jpeg.h"
#include "data/png.h"
#include "data/tensor_io.h"

namespace tg::io {
namespace {

std::string data_file(const std::string& name) {
  return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/data/files/" + name;
}

std::vector<unsigned char> file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

template <class F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected an exception mentioning \"" << needle << "\"";
  } catch (const tg::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// Decoded pixels equal Pillow's decoding of the same file (both use libjpeg-turbo's
// default accurate integer IDCT and fancy upsampling; one level of slack for rounding).
TEST(IoJpeg, MatchesPillowsDecoding) {
  for (const char* name : {"rgb_16x8", "rgb444_progressive_16x8", "grey_9x7"}) {
    SCOPED_TRACE(name);
    int w = 0, h = 0;
    const std::vector<uint8_t> rgb = read_jpeg_rgb(data_file(std::string(name) + ".jpg"), w, h);
    const Tensor want = load_npy(data_file(std::string(name) + ".npy"));  // [h, w, 3]
    ASSERT_EQ(h, want.size(0));
    ASSERT_EQ(w, want.size(1));
    ASSERT_EQ(want.size(2), 3);
    const std::vector<int64_t> expected = want.to_vector<int64_t>();
    ASSERT_EQ(rgb.size(), expected.size());
    for (size_t i = 0; i < rgb.size(); ++i) {
      ASSERT_LE(std::abs(int(rgb[i]) - int(expected[i])), 1) << "byte " << i;
    }
  }
}

TEST(IoJpeg, GreyIsReplicatedToRgb) {
  int w = 0, h = 0;
  const std::vector<uint8_t> rgb = read_jpeg_rgb(data_file("grey_9x7.jpg"), w, h);
  EXPECT_EQ(w, 9);
  EXPECT_EQ(h, 7);
  for (size_t p = 0; p < rgb.size(); p += 3) {
    EXPECT_EQ(rgb[p], rgb[p + 1]);
    EXPECT_EQ(rgb[p], rgb[p + 2]);
  }
}

// Adobe's inverted CMYK: left half pure red (C=0, M=Y=255, K=0), right half 50% black.
TEST(IoJpeg, CmykIsConvertedToRgb) {
  int w = 0, h = 0;
  const std::vector<uint8_t> rgb = read_jpeg_rgb(data_file("cmyk_16x8.jpg"), w, h);
  ASSERT_EQ(w, 16);
  ASSERT_EQ(h, 8);
  auto near = [](int got, int want) { return std::abs(got - want) <= 4; };
  for (int y = 0; y < h; ++y) {
    const uint8_t* left = &rgb[(y * w + 2) * 3];
    const uint8_t* right = &rgb[(y * w + 12) * 3];
    EXPECT_TRUE(near(left[0], 255) && near(left[1], 0) && near(left[2], 0))
        << int(left[0]) << " " << int(left[1]) << " " << int(left[2]);
    for (int c = 0; c < 3; ++c) EXPECT_TRUE(near(right[c], 127)) << int(right[c]);
  }
}

TEST(IoJpeg, BufferAndFileAgree) {
  const std::vector<unsigned char> bytes = file_bytes(data_file("rgb_16x8.jpg"));
  int w1 = 0, h1 = 0, w2 = 0, h2 = 0;
  EXPECT_EQ(jpeg_rgb_from_buffer(bytes.data(), bytes.size(), w1, h1),
            read_jpeg_rgb(data_file("rgb_16x8.jpg"), w2, h2));
  EXPECT_EQ(w1, w2);
  EXPECT_EQ(h1, h2);
}

TEST(IoJpeg, ReadImageTellsPngFromJpegByContent) {
  int w = 0, h = 0;
  EXPECT_EQ(read_image_rgb(data_file("rgb_16x8.jpg"), w, h),
            read_jpeg_rgb(data_file("rgb_16x8.jpg"), w, h));
  EXPECT_EQ(read_image_rgb(data_file("rgba_4x3.png"), w, h),
            read_png_rgb(data_file("rgba_4x3.png"), w, h));
  expect_error([&] { read_image_rgb(data_file("u8_4.npy"), w, h); },
                       "neither a PNG nor a JPEG");
}

TEST(IoJpeg, BadFilesThrowNamingTheFile) {
  int w = 0, h = 0;
  expect_error([&] { read_jpeg_rgb("/nonexistent/a.jpg", w, h); }, "/nonexistent/a.jpg");
  const std::vector<unsigned char> png = file_bytes(data_file("grey_4x3.png"));
  expect_error([&] { jpeg_rgb_from_buffer(png.data(), png.size(), w, h, "x.jpg"); },
                       "not a JPEG");
  const std::vector<unsigned char> good = file_bytes(data_file("rgb_16x8.jpg"));
  for (size_t keep : {size_t{3}, size_t{40}, good.size() / 2, good.size() - 3}) {
    SCOPED_TRACE(keep);
    std::vector<unsigned char> cut(good.begin(), good.begin() + keep);
    EXPECT_THROW(jpeg_rgb_from_buffer(cut.data(), cut.size(), w, h, "cut.jpg"),
                 tg::Error);
  }
  std::vector<unsigned char> junk = {0xFF, 0xD8, 0xFF, 0xD9};  // start, then end: no image
  expect_error([&] { jpeg_rgb_from_buffer(junk.data(), junk.size(), w, h, "junk.jpg"); },
                       "junk.jpg");
}

// fuzz_huge_progressive.jpg: 372 bytes found by the jpeg fuzz target, a progressive JPEG whose
// header claims 12304x58888 pixels. libjpeg allocated and zeroed the whole image's coefficient
// buffers (gigabytes) in jpeg_start_decompress before the size was looked at: over 30 s.
TEST(IoJpeg, HugeClaimedSizeIsRefusedBeforeAnythingIsAllocated) {
  int w = 0, h = 0;
  std::vector<unsigned char> bytes = file_bytes(data_file("fuzz_huge_progressive.jpg"));
  ASSERT_EQ(bytes.size(), 372u);
  expect_error([&] { jpeg_rgb_from_buffer(bytes.data(), bytes.size(), w, h, "f.jpg"); },
                       "image size 12304x58888 is out of range");
  // Within the pixel cap (16384x16384) but its coefficients would take 1.5 GiB: libjpeg's
  // memory limit refuses it instead of allocating.
  ASSERT_EQ(bytes[0xa3], 0xe6);  // the SOF2 segment's height and width, big-endian
  bytes[0xa3] = 0x40, bytes[0xa4] = 0x00, bytes[0xa5] = 0x40, bytes[0xa6] = 0x00;
  expect_error([&] { jpeg_rgb_from_buffer(bytes.data(), bytes.size(), w, h, "f.jpg"); },
                       "Backing store not supported");
}

}  // namespace
}  // namespace tg::io
