#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/npy.h"

namespace tg::io {
namespace {

std::string data_file(const std::string& name) {
  return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/data/files/" + name;
}

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "io_npy_" + name; }

std::vector<unsigned char> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

template <class E, class F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected an exception mentioning \"" << needle << "\"";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// A version 1.0 .npy buffer with the given header dict (padded) and payload.
std::vector<unsigned char> npy_with_header(const std::string& dict, const std::string& payload) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string s = "\x93NUMPY";
  s += '\x01';
  s += '\x00';
  s += static_cast<char>(header.size() & 0xff);
  s += static_cast<char>(header.size() >> 8);
  return bytes_of(s + header + payload);
}

TEST(IoNpy, ReadsNumpyWrittenFilesOfEveryDtype) {
  RawArray a = read_npy(data_file("f32_2x3.npy"));
  EXPECT_EQ(a.dtype, "float32");
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.values<float>(), (std::vector<float>{-1, -0.5f, 0, 0.5f, 1, 1.5f}));

  RawArray s = read_npy(data_file("f64_scalar.npy"));
  EXPECT_EQ(s.dtype, "float64");
  EXPECT_TRUE(s.shape.empty());
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.values<double>(), std::vector<double>{3.25});

  EXPECT_EQ(read_npy(data_file("i64_5.npy")).values<int64_t>(),
            (std::vector<int64_t>{-2, -1, 0, 1, int64_t{1} << 40}));
  RawArray i32 = read_npy(data_file("i32_2x2.npy"));
  EXPECT_EQ(i32.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(i32.values<int32_t>(), (std::vector<int32_t>{1, -2, 3, -4}));
  EXPECT_EQ(read_npy(data_file("u8_4.npy")).values<uint8_t>(),
            (std::vector<uint8_t>{0, 1, 128, 255}));
  EXPECT_EQ(read_npy(data_file("i8_3.npy")).values<int8_t>(),
            (std::vector<int8_t>{-128, 0, 127}));
  EXPECT_EQ(read_npy(data_file("bool_3.npy")).values<bool>(),
            (std::vector<bool>{true, false, true}));

  RawArray h = read_npy(data_file("f16_3.npy"));
  EXPECT_EQ(h.dtype, "float16");
  // IEEE half: 1.0 = 0x3C00, -2.0 = 0xC000, 0.5 = 0x3800 (little-endian bytes).
  EXPECT_EQ(h.bytes, (std::vector<unsigned char>{0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38}));

  RawArray empty = read_npy(data_file("f32_0x3.npy"));
  EXPECT_EQ(empty.shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(empty.bytes.empty());
}

TEST(IoNpy, ConvertsFortranOrderToCOrder) {
  RawArray a = read_npy(data_file("f32_fortran_2x3x4.npy"));
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3, 4}));
  std::vector<float> expected(24);
  for (int i = 0; i < 24; ++i) expected[i] = static_cast<float>(i);
  EXPECT_EQ(a.values<float>(), expected);
}

TEST(IoNpy, SwapsBigEndianData) {
  EXPECT_EQ(read_npy(data_file("f32_big_endian_2x3.npy")).values<float>(),
            (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(read_npy(data_file("i64_big_endian_3.npy")).values<int64_t>(),
            (std::vector<int64_t>{1, -2, int64_t{1} << 33}));
}

TEST(IoNpy, ReadsFormatVersions2And3) {
  for (const char* name : {"f32_v2.npy", "f32_v3.npy"}) {
    EXPECT_EQ(read_npy(data_file(name)).values<float>(), (std::vector<float>{0, 1, 2, 3}))
        << name;
  }
}

TEST(IoNpy, RoundTripsEveryDtypeThroughFilesAndBuffers) {
  std::vector<RawArray> arrays = {
      RawArray::from_values<float>({2, 2}, {1.5f, -2, 3, 4}),
      RawArray::from_values<double>({}, {2.5}),
      RawArray::from_values<int64_t>({3}, {-1, 0, int64_t{1} << 50}),
      RawArray::from_values<int32_t>({1, 3}, {7, -8, 9}),
      RawArray::from_values<uint8_t>({2, 1, 2}, {0, 9, 200, 255}),
      RawArray::from_values<int8_t>({2}, {-5, 5}),
      RawArray::from_values<bool>({2}, {false, true}),
      RawArray::from_values<float>({0, 4}, {}),
  };
  RawArray half;
  half.dtype = "float16";
  half.shape = {2};
  half.bytes = {0x00, 0x3C, 0x00, 0xC0};
  arrays.push_back(half);

  std::string path = temp_path("roundtrip.npy");
  for (const RawArray& a : arrays) {
    std::vector<unsigned char> buffer = npy_to_buffer(a);
    EXPECT_EQ(buffer[6], 1);  // version 1.0
    size_t header_len = buffer[8] | (buffer[9] << 8);
    EXPECT_EQ((10 + header_len) % 64, 0u) << "data must start 64-byte aligned";
    RawArray back = npy_from_buffer(buffer);
    EXPECT_EQ(back.dtype, a.dtype);
    EXPECT_EQ(back.shape, a.shape);
    EXPECT_EQ(back.bytes, a.bytes);

    write_npy(path, a);
    RawArray from_file = read_npy(path);
    EXPECT_EQ(from_file.dtype, a.dtype);
    EXPECT_EQ(from_file.shape, a.shape);
    EXPECT_EQ(from_file.bytes, a.bytes);
  }
  std::remove(path.c_str());
}

TEST(IoNpy, WritesTheHeaderNumpyWrites) {
  std::vector<unsigned char> b = npy_to_buffer(RawArray::from_values<float>({3}, {1, 2, 3}));
  std::string header(b.begin() + 10, b.begin() + 10 + (b[8] | (b[9] << 8)));
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 0), 0u)
      << header;
  EXPECT_EQ(header.back(), '\n');
}

TEST(IoNpy, MissingFileNamesThePath) {
  expect_error<tg::Error>([] { read_npy("/nonexistent/dir/x.npy"); },
                                   "/nonexistent/dir/x.npy");
}

TEST(IoNpy, RejectsMalformedInput) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  std::string payload(8, '\0');
  auto parse = [](const std::vector<unsigned char>& b) { return npy_from_buffer(b, "t.npy"); };
  EXPECT_NO_THROW(parse(npy_with_header(dict, payload)));

  std::string bad_magic("\x93NUMPX\x01\x00\x00\x00", 10);
  expect_error<tg::Error>([&] { parse(bytes_of(bad_magic)); }, "magic");
  expect_error<tg::Error>([&] { parse(npy_with_header(dict, payload.substr(0, 5))); },
                                   "truncated data");
  expect_error<tg::Error>([&] { parse(npy_with_header(dict, payload + "xx")); },
                                   "unexpected bytes");
  expect_error<tg::Error>(
      [&] { parse(npy_with_header("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }",
                                  payload)); },
      "unsupported dtype '<c8'");
  expect_error<tg::Error>(
      [&] { parse(npy_with_header("{'descr': [('a', '<f4')], 'fortran_order': False, "
                                  "'shape': (2,), }", payload)); },
      "structured");
  expect_error<tg::Error>(
      [&] { parse(npy_with_header("{'descr': '<f4', 'shape': (2,), }", payload)); },
      "lacks");
  expect_error<tg::Error>(
      [&] { parse(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }",
                                  payload)); },
      "non-negative");
  expect_error<tg::Error>(
      [&] { parse(npy_with_header("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }",
                                  payload)); },
      "fortran_order");
  expect_error<tg::Error>(
      [&] { parse(npy_with_header("{'descr': '<f4', 'fortran_order': False, "
                                  "'shape': (4294967296, 4294967296, 4294967296), }", payload)); },
      "too large");

  std::vector<unsigned char> good = npy_with_header(dict, payload);
  std::vector<unsigned char> v9 = good;
  v9[6] = 9;
  expect_error<tg::Error>([&] { parse(v9); }, "unsupported format version 9.0");
  std::vector<unsigned char> long_header = good;
  long_header[9] = 0x7f;  // header length far past the end
  expect_error<tg::Error>([&] { parse(long_header); }, "runs past the end");
  // Error messages name the source.
  expect_error<tg::Error>([&] { parse(v9); }, "t.npy");
}

TEST(IoNpy, EveryTruncationThrowsCleanly) {
  std::vector<unsigned char> full =
      npy_to_buffer(RawArray::from_values<double>({2, 3}, {1, 2, 3, 4, 5, 6}));
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<unsigned char> cut(full.begin(), full.begin() + n);
    EXPECT_THROW(npy_from_buffer(cut), tg::Error) << "length " << n;
  }
}

TEST(IoNpy, WriterRejectsInconsistentArrays) {
  RawArray bad = RawArray::from_values<float>({2}, {1, 2});
  bad.shape = {3};
  expect_error<std::invalid_argument>([&] { npy_to_buffer(bad); }, "write_npy");
  RawArray unknown = RawArray::from_values<float>({1}, {1});
  unknown.dtype = "complex64";
  EXPECT_THROW(npy_to_buffer(unknown), std::invalid_argument);
}

TEST(IoRawArray, ChecksShapesAndDtypes) {
  EXPECT_EQ(RawArray::itemsize("float16"), 2u);
  EXPECT_THROW(RawArray::itemsize("int16"), std::invalid_argument);
  expect_error<std::invalid_argument>([] { RawArray::from_values<float>({2, 2}, {1, 2, 3}); },
                                      "needs 16 bytes, got 12");
  expect_error<std::invalid_argument>(
      [] { RawArray::from_values<float>({int64_t{1} << 40, int64_t{1} << 40}, {}); },
      "too large");
  RawArray a = RawArray::from_values<int32_t>({3}, {1, 2, 3});
  expect_error<std::invalid_argument>([&] { a.values<float>(); }, "asked for float32");
}

}  // namespace
}  // namespace tg::io
