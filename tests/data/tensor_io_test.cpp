#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "data/tensor_io.h"
#include "tapegrad.h"

namespace tg::io {
namespace {

std::string tmp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tapegrad_tensor_io_" + name)).string();
}

TEST(TensorIo, NpyRoundTripKeepsValuesShapeAndDtype) {
  manual_seed(3);
  for (DType t : {kFloat32, kFloat64}) {
    Tensor x = randn({2, 3, 4}, t).permute({2, 0, 1});  // non-contiguous on purpose
    save_npy(tmp("a.npy"), x);
    Tensor y = load_npy(tmp("a.npy"));
    EXPECT_EQ(y.dtype(), t);
    EXPECT_TRUE(equal(x.contiguous(), y));
  }
  Tensor i = arange(5);
  save_npy(tmp("i.npy"), i);
  EXPECT_TRUE(equal(load_npy(tmp("i.npy")), i));
}

TEST(TensorIo, SafetensorsAndNpzRoundTrip) {
  NamedTensors ts = {{"w", randn({3, 3})}, {"b", zeros({3}, kFloat64)}, {"n", arange(4)},
                     {"m", gt(randn({2}), 0)}};
  save_safetensors(tmp("m.safetensors"), ts, {{"epoch", "3"}});
  LoadedTensors back = load_safetensors(tmp("m.safetensors"));
  ASSERT_EQ(back.tensors.size(), ts.size());
  for (std::size_t k = 0; k < ts.size(); ++k) {
    EXPECT_EQ(back.tensors[k].first, ts[k].first);
    EXPECT_TRUE(equal(back.tensors[k].second, ts[k].second));
  }
  EXPECT_EQ(back.metadata.at("epoch"), "3");
  EXPECT_THROW(back.at("missing"), Error);
  for (bool compress : {false, true}) {
    save_npz(tmp("m.npz"), ts, compress);
    NamedTensors z = load_npz(tmp("m.npz"));
    ASSERT_EQ(z.size(), ts.size());
    for (std::size_t k = 0; k < ts.size(); ++k) EXPECT_TRUE(equal(z[k].second, ts[k].second));
  }
}

TEST(TensorIo, NarrowIntegerTypesWidenToInt64) {
  RawArray a = RawArray::from_values<uint8_t>({3}, {1, 200, 7});
  Tensor t = from_raw(a);
  EXPECT_EQ(t.dtype(), kInt64);
  EXPECT_EQ(t.to_vector<int64_t>(), (std::vector<int64_t>{1, 200, 7}));
}

TEST(TensorIo, BoolBytesOtherThanZeroOrOneAreRefusedNamingFileAndOffset) {
  // The bytes 00 02 ff as a bool .npy: not a valid bool array (it summed to 257 once).
  std::string dict = "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }";
  dict += std::string(117 - dict.size(), ' ') + "\n";
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8) + char(dict.size()) + '\0' + dict +
                      std::string("\x00\x02\xff", 3);
  const std::string path = tmp("badbool.npy");
  { std::ofstream(path, std::ios::binary) << bytes; }
  try {
    load_npy(path);
    ADD_FAILURE() << "bool bytes 00 02 ff loaded";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("byte 2 at offset 1"), std::string::npos) << what;
  }
  // 0 and 1 load as false and true; the same through safetensors.
  bytes.back() = '\x01';
  bytes[bytes.size() - 2] = '\x00';
  { std::ofstream(path, std::ios::binary) << bytes; }
  EXPECT_EQ(load_npy(path).to_vector<bool>(), (std::vector<bool>{false, false, true}));
  RawArray a;
  a.dtype = "bool";
  a.shape = {2};
  a.bytes = {1, 7};
  EXPECT_THROW(from_raw(a), Error);
}

}  // namespace
}  // namespace tg::io
