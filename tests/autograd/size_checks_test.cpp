// Sizes that do not fit: shapes whose element count, strides or byte count overflow int64,
// allocations the system refuses, and views that reach outside their storage.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "data/idx.h"
#include "data/tensor_io.h"
#include "tapegrad.h"

namespace tg {
namespace {

// Runs f, expects a tg::Error whose message holds every one of `parts`.
template <class F>
void expect_error(F&& f, std::initializer_list<const char*> parts) {
  try {
    f();
    ADD_FAILURE() << "no tg::Error thrown (expected one naming " << *parts.begin() << ")";
  } catch (const Error& e) {
    const std::string what = e.what();
    for (const char* p : parts) EXPECT_NE(what.find(p), std::string::npos) << what;
  }
}

constexpr int64_t k62 = int64_t{1} << 62;

TEST(SizeChecks, ElementCountOverflowIsRefusedNamingOpAndShape) {
  expect_error([] { zeros({k62, 4}); }, {"zeros", "[4611686018427387904, 4]"});
  expect_error([] { ones({3037000500, 3037000500}); }, {"full", "[3037000500, 3037000500]"});
  expect_error([] { empty({k62, k62}, kFloat64); }, {"empty", "4611686018427387904"});
  // Fits as an element count, not as bytes.
  expect_error([] { empty({k62}, kFloat64); }, {"empty", "bytes"});
  expect_error([] { full({-1, 3}, 1.0); }, {"full", "negative dimension", "[-1, 3]"});
}

TEST(SizeChecks, EmptyShapeWithOverflowingStridesIsRefused) {
  // Zero elements, but the contiguous strides of the other dims do not fit int64.
  expect_error([] { randn({0, k62, k62}); }, {"[0, 4611686018427387904, 4611686018427387904]"});
  // Empty tensors whose strides fit are fine.
  EXPECT_EQ(zeros({0, int64_t{1} << 40}).numel(), 0);
  EXPECT_EQ(empty({3, 0, 7}).sum().item<float>(), 0.0f);
}

TEST(SizeChecks, AllocationFailureIsATgErrorNamingShapeAndBytes) {
  // 4 PiB is beyond any address space; 4 TiB is beyond this machine's memory (and refused by
  // the kernel's default overcommit heuristic, or by the sanitizer's allocator). Either way a
  // tg::Error naming the shape and the bytes, never std::bad_alloc.
  for (int64_t n : {int64_t{1} << 50, int64_t{1} << 40}) {
    try {
      Tensor t = empty({n});
      ADD_FAILURE() << "a tensor of " << n << " floats was allocated";
    } catch (const Error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("[" + std::to_string(n) + "]"), std::string::npos) << what;
      EXPECT_NE(what.find(std::to_string(4 * n) + " bytes"), std::string::npos) << what;
    } catch (const std::bad_alloc&) {
      ADD_FAILURE() << "std::bad_alloc escaped";
    }
  }
}

TEST(SizeChecks, ViewsCannotOverflowEither) {
  Tensor x = zeros({1});
  expect_error([&] { x.expand({k62, 4}); }, {"[4611686018427387904, 4]"});
  expect_error([&] { x.reshape({1, 1}).expand({3037000500, 3037000500}); },
               {"[3037000500, 3037000500]"});
}

std::string tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tapegrad_size_checks_" + name)).string();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

TEST(SizeChecks, HugeShapesFromFilesAreRefused) {
  // .npy with 0 elements and strides that overflow.
  std::string dict = "{'descr': '<f4', 'fortran_order': False, "
                     "'shape': (0, 4611686018427387904, 4611686018427387904), }";
  dict += std::string(117 - dict.size(), ' ') + "\n";
  std::string npy = std::string("\x93NUMPY\x01\x00", 8) + char(dict.size()) + '\0' + dict;
  write_bytes(tmp("huge.npy"), npy);
  expect_error([] { load_npy(tmp("huge.npy")); }, {"4611686018427387904"});

  // safetensors, the same shape.
  std::string json = R"({"x":{"dtype":"F32","shape":[0,4611686018427387904,4611686018427387904],)"
                     R"("data_offsets":[0,0]}})";
  std::string st(8, '\0');
  for (int i = 0; i < 8; ++i) st[i] = static_cast<char>((json.size() >> (8 * i)) & 0xff);
  write_bytes(tmp("huge.safetensors"), st + json);
  expect_error([] { io::load_safetensors(tmp("huge.safetensors")); }, {"4611686018427387904"});

  // IDX: 0 x 2^32-1 x 2^32-1 x 2^32-1 bytes.
  std::string idx = std::string("\0\0\x08\x04", 4) + std::string("\0\0\0\0", 4) +
                    std::string(12, '\xff');
  write_bytes(tmp("huge.idx"), idx);
  io::RawArray a = io::read_idx(tmp("huge.idx"));
  expect_error([&] { io::from_raw(a); }, {"4294967295"});
}

TEST(SizeChecks, AsStridedViewMustStayInsideItsStorage) {
  Tensor base = arange(4, kFloat32);
  expect_error([&] { as_strided_view(base, {4}, {1}, 1); }, {"as_strided", "outside"});
  expect_error([&] { as_strided_view(base, {2}, {4}, 0); }, {"as_strided", "[2]", "[4]"});
  expect_error([&] { as_strided_view(base, {1}, {1}, -1); }, {"as_strided", "offset -1"});
  expect_error([&] { as_strided_view(base, {2}, {-2}, 1); }, {"as_strided", "outside"});
  expect_error([&] { as_strided_view(base, {k62, 4}, {0, 0}, 0); }, {"as_strided"});
  expect_error([&] { as_strided_view(base, {3}, {k62}, 0); }, {"as_strided"});
  // Inside: the last element, a stride-0 broadcast, a backwards view, an empty view.
  EXPECT_EQ(as_strided_view(base, {1}, {1}, 3).item<float>(), 3.0f);
  EXPECT_EQ(as_strided_view(base, {5, 2}, {0, 3}, 0).sum().item<float>(), 15.0f);
  EXPECT_EQ(as_strided_view(base, {4}, {-1}, 3).to_vector<float>(),
            (std::vector<float>{3, 2, 1, 0}));
  EXPECT_EQ(as_strided_view(base, {0}, {1}, 9).numel(), 0);
  // A view of a view is checked against the shared storage, not the view's own extent.
  Tensor tail = base.slice(0, 2, 4);
  EXPECT_EQ(as_strided_view(tail, {4}, {1}, 0).sum().item<float>(), 6.0f);
  expect_error([&] { as_strided_view(tail, {3}, {1}, 2); }, {"as_strided"});
}

}  // namespace
}  // namespace tg
