#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/npz.h"

namespace tg::io {
namespace {

std::string data_file(const std::string& name) {
  return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/data/files/" + name;
}

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "io_npz_" + name; }

template <class E, class F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected an exception mentioning \"" << needle << "\"";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

NamedArrays sample_entries() {
  return {
      {"weight", RawArray::from_values<float>({2, 3}, {1, 2, 3, 4, 5, 6})},
      {"step", RawArray::from_values<int64_t>({}, {12345})},
      {"mask", RawArray::from_values<bool>({3}, {true, false, true})},
      {"layer.0/bias", RawArray::from_values<double>({2}, {0.5, -0.5})},
  };
}

void expect_same(const NamedArrays& a, const NamedArrays& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_EQ(a[i].second.dtype, b[i].second.dtype) << a[i].first;
    EXPECT_EQ(a[i].second.shape, b[i].second.shape) << a[i].first;
    EXPECT_EQ(a[i].second.bytes, b[i].second.bytes) << a[i].first;
  }
}

TEST(IoNpz, ReadsNumpySavezAndSavezCompressed) {
  for (const char* name : {"stored.npz", "deflated.npz"}) {
    SCOPED_TRACE(name);
    NamedArrays entries = read_npz(data_file(name));
    ASSERT_EQ(entries.size(), 3u);
    EXPECT_EQ(entries[0].first, "a");
    EXPECT_EQ(entries[0].second.shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(entries[0].second.values<float>(),
              (std::vector<float>{-1, -0.5f, 0, 0.5f, 1, 1.5f}));
    EXPECT_EQ(entries[1].first, "b");
    EXPECT_EQ(entries[1].second.values<int64_t>(), (std::vector<int64_t>{7, 8, 9}));
    EXPECT_EQ(entries[2].first, "c");
    EXPECT_TRUE(entries[2].second.shape.empty());
    EXPECT_EQ(entries[2].second.values<bool>(), std::vector<bool>{true});
  }
}

TEST(IoNpz, RoundTripsStoredAndDeflated) {
  for (bool compress : {false, true}) {
    SCOPED_TRACE(compress ? "deflated" : "stored");
    std::string path = temp_path(compress ? "deflated.npz" : "stored.npz");
    write_npz(path, sample_entries(), compress);
    expect_same(read_npz(path), sample_entries());
    expect_same(npz_from_buffer(npz_to_buffer(sample_entries(), compress)), sample_entries());
    std::remove(path.c_str());
  }
  EXPECT_TRUE(npz_from_buffer(npz_to_buffer({})).empty());
}

TEST(IoNpz, CompressionShrinksRepetitiveData) {
  NamedArrays big = {{"zeros", RawArray::from_values<float>({1000}, std::vector<float>(1000))}};
  EXPECT_LT(npz_to_buffer(big, true).size() * 10, npz_to_buffer(big, false).size());
}

TEST(IoNpz, DetectsCorruptData) {
  std::vector<unsigned char> zip = npz_to_buffer(sample_entries());
  // Flip one byte of the first member's float data (after its 30-byte local header,
  // 10-byte name and 128-byte .npy header).
  std::vector<unsigned char> flipped = zip;
  flipped[30 + 10 + 128 + 2] ^= 0x40;
  expect_error<tg::Error>([&] { npz_from_buffer(flipped, "x.npz"); }, "CRC-32");

  std::vector<unsigned char> method = zip;
  method[8] = 12;  // bzip2 in the local header is ignored; the directory's method counts
  size_t directory = zip.size() - 22;
  size_t dir_offset = zip[directory + 16] | (zip[directory + 17] << 8) |
                      (zip[directory + 18] << 16) | (zip[directory + 19] << 24);
  method[dir_offset + 10] = 12;
  expect_error<tg::Error>([&] { npz_from_buffer(method); }, "compression method 12");

  std::vector<unsigned char> encrypted = zip;
  encrypted[dir_offset + 8] |= 1;
  expect_error<tg::Error>([&] { npz_from_buffer(encrypted); }, "encrypted");

  std::vector<unsigned char> bad_offset = zip;
  bad_offset[dir_offset + 42 + 3] = 0x7f;  // local header offset far past the end
  expect_error<tg::Error>([&] { npz_from_buffer(bad_offset); }, "runs past the end");

  std::vector<unsigned char> deflated = npz_to_buffer(sample_entries(), true);
  deflated[30 + 10 + 5] ^= 0xff;
  EXPECT_THROW(npz_from_buffer(deflated), tg::Error);

  expect_error<tg::Error>(
      [] { npz_from_buffer(std::vector<unsigned char>(100, 'x'), "junk.npz"); },
      "not a zip archive");
}

TEST(IoNpz, EveryTruncationThrowsCleanly) {
  for (bool compress : {false, true}) {
    std::vector<unsigned char> full = npz_to_buffer(sample_entries(), compress);
    for (size_t n = 0; n < full.size(); ++n) {
      std::vector<unsigned char> cut(full.begin(), full.begin() + n);
      EXPECT_THROW(npz_from_buffer(cut), tg::Error) << "length " << n;
    }
  }
}

TEST(IoNpz, MissingFileNamesThePath) {
  expect_error<tg::Error>([] { read_npz("/nonexistent/w.npz"); }, "/nonexistent/w.npz");
}

TEST(IoNpz, WriterRejectsBadNames) {
  NamedArrays dup = {{"a", RawArray::from_values<float>({1}, {1})},
                     {"a", RawArray::from_values<float>({1}, {2})}};
  expect_error<std::invalid_argument>([&] { npz_to_buffer(dup); }, "duplicate array name 'a'");
  NamedArrays unnamed = {{"", RawArray::from_values<float>({1}, {1})}};
  EXPECT_THROW(npz_to_buffer(unnamed), std::invalid_argument);
  NamedArrays broken = {{"x", RawArray::from_values<float>({2}, {1, 2})}};
  broken[0].second.bytes.pop_back();
  expect_error<std::invalid_argument>([&] { npz_to_buffer(broken); }, "array 'x'");
}

}  // namespace
}  // namespace tg::io
