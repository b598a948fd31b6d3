// The torch.save reader (data/pytorch_file.h) on files written by Python PyTorch 1.13
// (tests/reference/make_pytorch_files.py) and on hostile input: hand-made archives from the
// same script, and pickles built here in the legacy format's framing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/pytorch_file.h"
#include "tapegrad.h"

namespace tg::io {
namespace {

using Kind = PickleValue::Kind;
using namespace std::string_literals;

std::string fixture(const std::string& name) {
  return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/reference/fixtures_pytorch/" + name;
}

template <class F>
void expect_error_naming(F&& f, const std::vector<std::string>& needles) {
  try {
    f();
    FAIL() << "expected tg::Error";
  } catch (const Error& e) {
    for (const auto& needle : needles)
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "'" << needle << "' not in: " << e.what();
  }
}

std::vector<double> values(const Tensor& t) { return t.to(kFloat64).contiguous().to_vector<double>(); }

TEST(PyTorchFile, NestedContainersNumbersAndStrings) {
  const PickleValue v = load_pytorch(fixture("nested.pt"));
  ASSERT_TRUE(v.is_dict());
  EXPECT_EQ(v.at("name").to_string(), "tapegrad");
  EXPECT_EQ(v.at("epoch").to_int(), 3);
  EXPECT_DOUBLE_EQ(v.at("lr").to_double(), 0.001);
  EXPECT_EQ(v.at("negative").to_int(), -5);
  EXPECT_EQ(v.at("big").to_int(), int64_t{1} << 40);
  EXPECT_EQ(v.at("negative_big").to_int(), -(int64_t{1} << 40));
  EXPECT_EQ(v.at("bytes").kind(), Kind::Bytes);
  EXPECT_EQ(v.at("bytes").to_string(), "xy");
  const PickleValue& flags = v.at("flags");
  ASSERT_EQ(flags.kind(), Kind::List);
  ASSERT_EQ(flags.size(), 3u);
  EXPECT_TRUE(flags[0].to_bool());
  EXPECT_FALSE(flags[1].to_bool());
  EXPECT_TRUE(flags[2].is_none());
  EXPECT_EQ(v.at("shape").kind(), Kind::Tuple);
  EXPECT_EQ(v.at("shape")[1].to_int(), 3);
  const PickleValue& nested = v.at("nested");
  EXPECT_EQ(nested.at("a")[1][1].to_int(), 3);
  EXPECT_EQ(nested.at("a")[2].at("b").to_string(), "c");
  EXPECT_EQ(nested.at("empty").size(), 0u);
  EXPECT_EQ(nested.at("t").kind(), Kind::Tuple);
  EXPECT_EQ(v.at("tensor").to_tensor().to_vector<int64_t>(), (std::vector<int64_t>{0, 1, 2}));
  // Typed access says what went wrong.
  expect_error_naming([&] { v.at("name").to_int(); }, {"to_int", "str"});
  expect_error_naming([&] { v.at("missing"); }, {"missing", "'name'"});
}

TEST(PyTorchFile, ViewsShareTheirStorageWithOffsetsAndStrides) {
  for (const char* file : {"views.pt", "legacy_views.pt"}) {
    SCOPED_TRACE(file);
    const PickleValue v = load_pytorch(fixture(file));
    const Tensor base = v.at("base").to_tensor();
    ASSERT_EQ(base.shape(), Shape({4, 6}));
    std::vector<double> expected(24);
    for (int i = 0; i < 24; ++i) expected[i] = i;
    EXPECT_EQ(values(base), expected);
    const Tensor t = v.at("transposed").to_tensor();
    EXPECT_EQ(t.shape(), Shape({6, 4}));
    EXPECT_EQ(t.strides(), Shape({1, 6}));
    EXPECT_EQ(values(t), values(base.transpose(0, 1)));
    EXPECT_EQ(values(v.at("row").to_tensor()), (std::vector<double>{6, 7, 8, 9, 10, 11}));
    EXPECT_EQ(values(v.at("column").to_tensor()), (std::vector<double>{2, 8, 14, 20}));
    const Tensor block = v.at("block").to_tensor();
    EXPECT_EQ(block.storage_offset(), 15);
    EXPECT_EQ(values(block), (std::vector<double>{15, 16, 17, 21, 22, 23}));
    EXPECT_EQ(values(v.at("double").to_tensor()), (std::vector<double>{0.25, 0.5, 0.75, 1.0}));
    EXPECT_EQ(v.at("double").to_tensor().dtype(), kFloat64);
    // One storage, as in PyTorch: writing through one view shows in the others.
    EXPECT_EQ(base.storage(), t.storage());
    {
      NoGradGuard no_grad;
      Tensor row = v.at("row").to_tensor();
      row.fill_(-1.0);
    }
    EXPECT_EQ(values(v.at("column").to_tensor())[1], -1.0);
  }
}

TEST(PyTorchFile, DtypesLoadOrConvert) {
  const PickleValue v = load_pytorch(fixture("dtypes.pt"));
  const Tensor b = v.at("bool").to_tensor();
  EXPECT_EQ(b.dtype(), kBool);
  EXPECT_EQ(values(b), (std::vector<double>{1, 0, 1}));
  const Tensor i = v.at("int64").to_tensor();
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{-3, 0, int64_t{1} << 40}));
  EXPECT_EQ(v.at("float64").to_tensor().dtype(), kFloat64);
  EXPECT_EQ(v.at("float64").to_tensor().shape(), Shape({1, 2}));
  EXPECT_EQ(values(v.at("float64").to_tensor()), (std::vector<double>{0.1, -2.5}));
  EXPECT_EQ(v.at("scalar").to_tensor().dim(), 0);
  EXPECT_EQ(v.at("scalar").to_tensor().item<float>(), 3.5f);
  EXPECT_EQ(v.at("float16").to_tensor().dtype(), kFloat32);
  EXPECT_EQ(values(v.at("float16").to_tensor()), (std::vector<double>{1.5, -2.25, 65504.0}));
  EXPECT_EQ(values(v.at("bfloat16").to_tensor()), (std::vector<double>{1.5, -3.0}));
  EXPECT_EQ(v.at("int32").to_tensor().dtype(), kInt64);
  EXPECT_EQ(values(v.at("int32").to_tensor()), (std::vector<double>{-7, 2147483647.0}));
  EXPECT_EQ(values(v.at("int16").to_tensor()), (std::vector<double>{-300, 300}));
  EXPECT_EQ(values(v.at("int8").to_tensor()), (std::vector<double>{-128, 127}));
  EXPECT_EQ(values(v.at("uint8").to_tensor()), (std::vector<double>{0, 255}));
  EXPECT_EQ(v.at("empty").to_tensor().shape(), Shape({0, 3}));
}

TEST(PyTorchFile, TensorsListsAndParameters) {
  const Tensor t = load_pytorch(fixture("tensor.pt")).to_tensor();
  EXPECT_EQ(values(t), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  const PickleValue list = load_pytorch(fixture("list.pt"));
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(values(list[0].to_tensor()), (std::vector<double>{1, 1}));
  EXPECT_EQ(list[1].to_tensor().dtype(), kInt64);
  const Tensor p = load_pytorch(fixture("parameter.pt")).to_tensor();
  EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(values(p), (std::vector<double>{0.5, 0.5, 0.5, 0.5}));
}

TEST(PyTorchFile, HandMadeArchiveLoads) {
  // The hostile files below differ from this one only in what they are said to break.
  const Tensor w = load_pytorch(fixture("handmade_ok.pt")).at("w").to_tensor();
  EXPECT_EQ(values(w), (std::vector<double>{1, 2, 3, 4}));
}

TEST(PyTorchFile, HostileArchivesAreRefused) {
  expect_error_naming([] { load_pytorch(fixture("hostile_global.pt")); },
                      {"refusing", "system", "hostile_global.pt"});
  expect_error_naming([] { load_pytorch(fixture("hostile_huge_storage.pt")); },
                      {"storage '0'", "1152921504606846976 elements"});
  expect_error_naming([] { load_pytorch(fixture("hostile_bad_view.pt")); },
                      {"does not fit its storage of 4 elements"});
  expect_error_naming([] { load_pytorch(fixture("hostile_overflow.pt")); },
                      {"does not fit"});
  expect_error_naming([] { load_pytorch(fixture("hostile_missing_storage.pt")); },
                      {"missing from the archive"});
  expect_error_naming([] { load_pytorch(fixture("hostile_truncated.pt")); },
                      {"hostile_truncated.pt"});
  expect_error_naming([] { load_pytorch(fixture("does_not_exist.pt")); }, {"cannot open"});
  expect_error_naming([] { load_pytorch(fixture("../fixtures_optim/optim.json")); },
                      {"not a torch.save file"});
}

// A legacy-format file around `main` (a protocol-2 pickle without storages).
std::vector<unsigned char> legacy(const std::string& main) {
  std::string s = "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."s;
  s += "\x80\x02M\xe9\x03."s;  // protocol version 1001
  s += "\x80\x02}.";                           // system information
  s += main;
  s += "\x80\x02].";                           // no storages
  return std::vector<unsigned char>(s.begin(), s.end());
}

PickleValue parse(const std::string& main) {
  const auto bytes = legacy(main);
  return pytorch_from_buffer(bytes.data(), bytes.size(), "<test>");
}

TEST(PyTorchFile, HostilePicklesAreRefused) {
  // Well-formed: [1, 'ab'].
  const PickleValue ok = parse("\x80\x02]q\x00(K\x01X\x02\x00\x00\x00" "abe."s);
  EXPECT_EQ(ok[1].to_string(), "ab");
  // A list holding itself: a cycle, refused at conversion (no infinite loop, no leak).
  expect_error_naming([] { parse("\x80\x02]q\x00h\x00" "a."s); }, {"reference cycle"});
  // 100000 nested lists.
  expect_error_naming([] {
    std::string p = "\x80\x02";
    for (int i = 0; i < 100000; ++i) p += "]q\x00"s;
    for (int i = 0; i < 99999; ++i) p += "a";
    parse(p + ".");
  }, {"nested deeper"});
  // Shared references that would expand exponentially: l_{k+1} = [l_k, l_k].
  expect_error_naming([] {
    std::string p = "\x80\x02]";
    for (int i = 0; i < 60; ++i) p += "q\x00(h\x00h\x00l"s;
    parse(p + ".");
  }, {"too many values"});
  // Lengths past the end, a huge string length, an unknown opcode, underflow, a bad memo.
  expect_error_naming([] { parse("\x80\x02X\xff\xff\xff\x7f" "ab."); }, {"runs past the end"});
  expect_error_naming([] { parse("\x80\x02\x8d\xff\xff\xff\xff\xff\xff\xff\xff."s); },
                      {"runs past the end"});
  expect_error_naming([] { parse("\x80\x02i__main__\nX\n."); }, {"unsupported pickle opcode 0x69"});
  expect_error_naming([] { parse("\x80\x02" "a."); }, {"stack underflow"});
  expect_error_naming([] { parse("\x80\x02h\x07."); }, {"memo entry 7"});
  expect_error_naming([] { parse("\x80\x02\x8b\x00\x01\x00\x00."s); }, {"does not fit 64 bits"});
  expect_error_naming([] { parse("\x80\x02K\x01"); }, {"truncated"});
  // Globals: refused by name even when never called; REDUCE of a non-callable.
  expect_error_naming([] { parse("\x80\x02" "cbuiltins\neval\n."); },
                      {"refusing", "builtins.eval"});
  expect_error_naming([] { parse("\x80\x02" "cposix\nsystem\nX\x02\x00\x00\x00ls\x85R."s); },
                      {"posix.system"});
  expect_error_naming([] { parse("\x80\x02K\x01)R."); }, {"REDUCE calls a int"});
  // A persistent id that is not a storage.
  expect_error_naming([] { parse("\x80\x02K\x01Q."); }, {"persistent id"});
}

}  // namespace
}  // namespace tg::io
