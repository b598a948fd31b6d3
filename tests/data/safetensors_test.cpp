#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/safetensors.h"

namespace tg::io {
namespace {

std::string data_file(const std::string& name) {
  return std::string(TAPEGRAD_SOURCE_DIR) + "/tests/data/files/" + name;
}

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "io_st_" + name; }

template <class E, class F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "expected an exception mentioning \"" << needle << "\"";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

// A safetensors buffer with the given header text (unpadded) and `data_size` zero bytes.
std::vector<unsigned char> make_file(const std::string& header, size_t data_size) {
  std::string s(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  s += header;
  s.append(data_size, '\0');
  return {s.begin(), s.end()};
}

SafetensorsFile parse(const std::vector<unsigned char>& b) {
  return safetensors_from_buffer(b, "m.safetensors");
}

NamedArrays sample_entries() {
  RawArray half;
  half.dtype = "float16";
  half.shape = {3};
  half.bytes = {0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38};
  return {
      {"mask", RawArray::from_values<bool>({3}, {true, false, true})},
      {"fc.weight", RawArray::from_values<float>({2, 3}, {1, 2, 3, 4, 5, 6})},
      {"half", half},
      {"step", RawArray::from_values<int64_t>({}, {7})},
      {"codes", RawArray::from_values<uint8_t>({5}, {1, 2, 3, 4, 5})},
      {"signed", RawArray::from_values<int8_t>({1}, {-3})},
      {"ids", RawArray::from_values<int32_t>({2}, {-1, 1 << 30})},
      {"fc.bias", RawArray::from_values<double>({2}, {0.25, -0.25})},
      {"empty", RawArray::from_values<float>({0, 3}, {})},
  };
}

TEST(IoSafetensors, ReadsAFileWrittenFromTheSpec) {
  SafetensorsFile f = read_safetensors(data_file("model.safetensors"));
  EXPECT_EQ(f.metadata, (std::map<std::string, std::string>{{"epoch", "3"}, {"format", "pt"}}));
  ASSERT_EQ(f.entries.size(), 5u);
  EXPECT_EQ(f.entries[0].first, "weight");
  EXPECT_EQ(f.entries[0].second.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(f.entries[0].second.values<float>(),
            (std::vector<float>{0, 0.25f, 0.5f, 0.75f, 1, 1.25f}));
  EXPECT_EQ(f.entries[1].first, "bias");
  EXPECT_EQ(f.entries[1].second.values<double>(), (std::vector<double>{1.5, -1.5}));
  EXPECT_EQ(f.entries[2].first, "steps");
  EXPECT_TRUE(f.entries[2].second.shape.empty());
  EXPECT_EQ(f.entries[2].second.values<int64_t>(), std::vector<int64_t>{42});
  EXPECT_EQ(f.entries[3].second.values<bool>(), (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(f.entries[4].second.dtype, "float16");
  EXPECT_EQ(f.entries[4].second.bytes, (std::vector<unsigned char>{0x00, 0x3C, 0x00, 0x38}));
}

TEST(IoSafetensors, RoundTripsKeepingOrderAndMetadata) {
  std::map<std::string, std::string> meta = {{"epoch", "12"}, {"note", "caf\xc3\xa9"}};
  std::string path = temp_path("model.safetensors");
  write_safetensors(path, sample_entries(), meta);
  for (const SafetensorsFile& f :
       {read_safetensors(path), safetensors_from_buffer(safetensors_to_buffer(sample_entries(),
                                                                              meta))}) {
    EXPECT_EQ(f.metadata, meta);
    NamedArrays expected = sample_entries();
    ASSERT_EQ(f.entries.size(), expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(f.entries[i].first, expected[i].first);
      EXPECT_EQ(f.entries[i].second.dtype, expected[i].second.dtype);
      EXPECT_EQ(f.entries[i].second.shape, expected[i].second.shape);
      EXPECT_EQ(f.entries[i].second.bytes, expected[i].second.bytes);
    }
  }
  std::remove(path.c_str());
}

TEST(IoSafetensors, WritesAPaddedHeaderAndAlignedTensors) {
  std::vector<unsigned char> b = safetensors_to_buffer(sample_entries());
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | b[i];
  EXPECT_EQ(n % 8, 0u);
  nlohmann::json header = nlohmann::json::parse(b.begin() + 8, b.begin() + 8 + n);
  EXPECT_FALSE(header.contains("__metadata__"));
  std::map<std::string, size_t> item = {{"BOOL", 1}, {"F32", 4}, {"F16", 2}, {"I64", 8},
                                        {"U8", 1},   {"I8", 1},  {"I32", 4}, {"F64", 8}};
  for (auto it = header.begin(); it != header.end(); ++it) {
    uint64_t begin = it.value()["data_offsets"][0].get<uint64_t>();
    EXPECT_EQ(begin % item.at(it.value()["dtype"].get<std::string>()), 0u) << it.key();
  }
  EXPECT_EQ(header["fc.weight"]["dtype"], "F32");
  EXPECT_EQ(header["fc.weight"]["shape"], nlohmann::json::array({2, 3}));
}

TEST(IoSafetensors, RejectsMalformedHeaders) {
  const std::string t = R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  EXPECT_NO_THROW(parse(make_file(t, 8)));

  expect_error<tg::Error>([] { parse({1, 2, 3}); }, "too short");
  std::vector<unsigned char> huge = make_file(t, 8);
  huge[5] = 1;  // header length ~ 2^40
  expect_error<tg::Error>([&] { parse(huge); }, "exceeds");
  std::vector<unsigned char> past = make_file(t, 8);
  past[0] = static_cast<unsigned char>(t.size() + 9);
  expect_error<tg::Error>([&] { parse(past); }, "runs past the end");
  expect_error<tg::Error>([] { parse(make_file("[1, 2]", 0)); }, "not a JSON object");
  expect_error<tg::Error>([] { parse(make_file("{\"t\": ", 0)); }, "not valid JSON");
  expect_error<tg::Error>([] { parse(make_file("{" + std::string(5000, '[') + "}", 0)); },
                                   "nested too deeply");

  auto entry = [](const std::string& body) { return "{\"t\":" + body + "}"; };
  expect_error<tg::Error>(
      [&] { parse(make_file(entry(R"({"dtype":"BF16","shape":[2],"data_offsets":[0,4]})"), 4)); },
      "unsupported dtype \"BF16\"");
  expect_error<tg::Error>(
      [&] { parse(make_file(entry(R"({"dtype":"F32","shape":[-2],"data_offsets":[0,8]})"), 8)); },
      "non-negative");
  expect_error<tg::Error>(
      [&] { parse(make_file(entry(R"({"dtype":"F32","shape":[2.5],"data_offsets":[0,8]})"), 8)); },
      "non-negative");
  expect_error<tg::Error>(
      [&] { parse(make_file(entry(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"), 8)); },
      "need 12");
  expect_error<tg::Error>(
      [&] { parse(make_file(entry(R"({"dtype":"F32","shape":[2],"data_offsets":[8,0]})"), 8)); },
      "outside");
  expect_error<tg::Error>(
      [&] { parse(make_file(entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8]})"), 4)); },
      "outside");
  expect_error<tg::Error>(
      [&] { parse(make_file(entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0]})"), 8)); },
      "data_offsets must be");
  expect_error<tg::Error>(
      [&] { parse(make_file(entry(R"({"dtype":"F32","shape":[2]})"), 8)); }, "exactly");
  expect_error<tg::Error>(
      [&] { parse(make_file(entry(R"({"dtype":"F32","shape":[4294967296,4294967296,)"
                                  R"(4294967296],"data_offsets":[0,8]})"), 8)); },
      "too large");
  expect_error<tg::Error>(
      [&] { parse(make_file(R"({"__metadata__":{"a":1}})", 0)); }, "not a string");
  expect_error<tg::Error>([&] { parse(make_file(t, 12)); }, "belong to no tensor");

  const std::string two_overlapping = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                      R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})";
  expect_error<tg::Error>([&] { parse(make_file(two_overlapping, 8)); }, "overlapping");
  const std::string with_hole = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})";
  expect_error<tg::Error>([&] { parse(make_file(with_hole, 12)); }, "a hole");
  expect_error<tg::Error>([&] { parse(make_file(with_hole, 12)); }, "m.safetensors");
}

TEST(IoSafetensors, EveryTruncationThrowsCleanly) {
  std::vector<unsigned char> full = safetensors_to_buffer(sample_entries(), {{"k", "v"}});
  for (size_t n = 0; n < full.size(); ++n) {
    std::vector<unsigned char> cut(full.begin(), full.begin() + n);
    EXPECT_THROW(safetensors_from_buffer(cut), tg::Error) << "length " << n;
  }
}

TEST(IoSafetensors, MissingFileNamesThePath) {
  expect_error<tg::Error>([] { read_safetensors("/nonexistent/m.safetensors"); },
                                   "/nonexistent/m.safetensors");
}

TEST(IoSafetensors, WriterRejectsBadNames) {
  RawArray one = RawArray::from_values<float>({1}, {1});
  expect_error<std::invalid_argument>([&] { safetensors_to_buffer({{"a", one}, {"a", one}}); },
                                      "duplicate tensor name 'a'");
  expect_error<std::invalid_argument>([&] { safetensors_to_buffer({{"__metadata__", one}}); },
                                      "reserved");
  EXPECT_THROW(safetensors_to_buffer({{"", one}}), std::invalid_argument);
  expect_error<std::invalid_argument>([&] { safetensors_to_buffer({{"bad\xff", one}}); },
                                      "UTF-8");
}

}  // namespace
}  // namespace tg::io
