#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/idx.h"

namespace tg::io {
namespace {

std::string data_file(const std::string& name) {
  return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/data/files/" + name;
}

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "io_idx_" + name; }

template <class E, class F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected an exception mentioning \"" << needle << "\"";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

std::vector<unsigned char> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

TEST(IoIdx, ReadsRawAndGzipFiles) {
  std::vector<uint8_t> expected(24);
  for (int i = 0; i < 24; ++i) expected[i] = static_cast<uint8_t>(i * 10);
  for (const char* name : {"images-idx3-ubyte", "images-idx3-ubyte.gz"}) {
    SCOPED_TRACE(name);
    RawArray a = read_idx(data_file(name));
    EXPECT_EQ(a.dtype, "uint8");
    EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(a.values<uint8_t>(), expected);
  }
  RawArray labels = read_idx(data_file("labels-idx1-ubyte.gz"));
  EXPECT_EQ(labels.shape, std::vector<int64_t>{5});
  EXPECT_EQ(labels.values<uint8_t>(), (std::vector<uint8_t>{3, 1, 4, 1, 5}));
}

TEST(IoIdx, ConvertsMultiByteTypesToLittleEndian) {
  RawArray shorts = read_idx(data_file("short-idx2"));
  EXPECT_EQ(shorts.dtype, "int32");  // widened
  EXPECT_EQ(shorts.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(shorts.values<int32_t>(), (std::vector<int32_t>{-300, 2, 32767, -32768}));
  EXPECT_EQ(read_idx(data_file("float-idx1")).values<float>(),
            (std::vector<float>{1.5f, -0.25f, 1e10f}));
  RawArray doubles = read_idx(data_file("double-idx2"));
  EXPECT_EQ(doubles.shape, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(doubles.values<double>(), (std::vector<double>{0.1, -2.5e-300}));
}

TEST(IoIdx, RoundTripsRawAndGzip) {
  std::vector<RawArray> arrays = {
      RawArray::from_values<uint8_t>({2, 2}, {0, 1, 254, 255}),
      RawArray::from_values<int8_t>({3}, {-128, 0, 127}),
      RawArray::from_values<int32_t>({2, 1, 2}, {-1, 70000, 1 << 30, -(1 << 30)}),
      RawArray::from_values<float>({2}, {3.5f, -1e-20f}),
      RawArray::from_values<double>({1}, {-6.25}),
      RawArray::from_values<uint8_t>({0, 28, 28}, {}),
  };
  for (const char* suffix : {"", ".gz"}) {
    std::string path = temp_path(std::string("roundtrip") + suffix);
    for (const RawArray& a : arrays) {
      write_idx(path, a);
      RawArray back = read_idx(path);
      EXPECT_EQ(back.dtype, a.dtype) << suffix;
      EXPECT_EQ(back.shape, a.shape) << suffix;
      EXPECT_EQ(back.bytes, a.bytes) << suffix;
      RawArray mem = idx_from_buffer(idx_to_buffer(a));
      EXPECT_EQ(mem.bytes, a.bytes);
    }
    std::vector<unsigned char> head = file_bytes(path);
    ASSERT_GE(head.size(), 2u);
    EXPECT_EQ(head[0] == 0x1f && head[1] == 0x8b, std::string(suffix) == ".gz");  // gzip magic
    std::remove(path.c_str());
  }
}

TEST(IoIdx, MissingFileNamesThePath) {
  expect_error<tg::Error>([] { read_idx("/nonexistent/train-images-idx3-ubyte.gz"); },
                                   "/nonexistent/train-images-idx3-ubyte.gz");
}

TEST(IoIdx, RejectsBadMagicTypesAndSizes) {
  auto parse = [](std::vector<unsigned char> b) { return idx_from_buffer(b, "x.idx"); };
  expect_error<tg::Error>([&] { parse({0x50, 0x4b, 3, 4, 0, 0, 0, 0}); }, "bad magic");
  expect_error<tg::Error>([&] { parse({0, 0, 0x0A, 1, 0, 0, 0, 1, 0}); },
                                   "unknown element type 0x0a");
  expect_error<tg::Error>([&] { parse({0, 0, 8, 2, 0, 0, 0, 1}); }, "truncated header");
  expect_error<tg::Error>([&] { parse({0, 0, 8, 1, 0, 0, 0, 3, 1, 2}); },
                                   "truncated data");
  expect_error<tg::Error>([&] { parse({0, 0, 8, 1, 0, 0, 0, 1, 1, 2}); },
                                   "unexpected bytes");
  expect_error<tg::Error>([&] { parse({0, 0, 8}); }, "too short");
  expect_error<tg::Error>([&] { parse({0, 0, 8, 1, 0, 0, 0, 3, 1, 2}); }, "x.idx");
}

TEST(IoIdx, RejectsBadFiles) {
  std::string path = temp_path("bad");
  write_bytes(path, {0x12, 0x34, 8, 1, 0, 0, 0, 1, 9});
  expect_error<tg::Error>([&] { read_idx(path); }, "bad magic");

  std::vector<unsigned char> raw = file_bytes(data_file("images-idx3-ubyte"));
  raw.resize(raw.size() - 3);
  write_bytes(path, raw);
  expect_error<tg::Error>([&] { read_idx(path); }, "truncated data");

  raw = file_bytes(data_file("images-idx3-ubyte"));
  raw.push_back(0);
  write_bytes(path, raw);
  expect_error<tg::Error>([&] { read_idx(path); }, "unexpected bytes");

  // A gzip stream cut short, at every length past the gzip header.
  std::vector<unsigned char> gz = file_bytes(data_file("images-idx3-ubyte.gz"));
  for (size_t n = 10; n < gz.size(); ++n) {
    write_bytes(path, std::vector<unsigned char>(gz.begin(), gz.begin() + n));
    EXPECT_THROW(read_idx(path), tg::Error) << "length " << n;
  }
  // A corrupt gzip stream (bad CRC in the trailer).
  std::vector<unsigned char> corrupt = gz;
  corrupt[corrupt.size() - 6] ^= 0xff;
  write_bytes(path, corrupt);
  expect_error<tg::Error>([&] { read_idx(path); }, "decompress");
  std::remove(path.c_str());
}

TEST(IoIdx, EveryTruncationOfABufferThrows) {
  std::vector<unsigned char> full =
      idx_to_buffer(RawArray::from_values<float>({2, 3}, {1, 2, 3, 4, 5, 6}));
  for (size_t n = 0; n < full.size(); ++n) {
    EXPECT_THROW(idx_from_buffer(std::vector<unsigned char>(full.begin(), full.begin() + n)),
                 tg::Error);
  }
}

TEST(IoIdx, WriterRejectsTypesIdxCannotHold) {
  expect_error<std::invalid_argument>(
      [] { idx_to_buffer(RawArray::from_values<int64_t>({1}, {1})); }, "int64");
  EXPECT_THROW(idx_to_buffer(RawArray::from_values<bool>({1}, {true})), std::invalid_argument);
}

}  // namespace
}  // namespace tg::io
