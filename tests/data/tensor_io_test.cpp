#include <gtest/gtest.h>

#include <filesystem>

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

}  // namespace
}  // namespace tg::io
