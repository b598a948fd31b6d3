// Counts and sizes read from files are bounded before they size an allocation, and readers
// grow their buffers as data really arrives: a small file that lies about its size costs
// about what it holds, not what it claims.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "data/npz.h"
#include "data/png.h"
#include "tapegrad.h"

namespace tg {
namespace {

// Peak resident memory (bytes) of what `f` does beyond the memory resident when it starts
// (/proc/self/clear_refs with 5 resets the high-water mark).
template <class F>
int64_t peak_growth(F&& f) {
  auto read_kb = [](const char* field) {
    std::ifstream s("/proc/self/status");
    std::string line;
    while (std::getline(s, line)) {
      if (line.rfind(field, 0) == 0) {
        return static_cast<int64_t>(std::stoll(line.substr(std::string(field).size())));
      }
    }
    return int64_t{-1};
  };
  { std::ofstream("/proc/self/clear_refs") << "5"; }
  const int64_t before = read_kb("VmRSS:");
  f();
  return (read_kb("VmHWM:") - before) * 1024;
}

// CRC-32 (the PNG/zip polynomial), bit by bit.
uint32_t crc32_of(const unsigned char* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}

void put_be32(std::vector<unsigned char>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<unsigned char>(v >> (24 - 8 * i));
}
void put_le32(std::vector<unsigned char>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<unsigned char>(v >> (8 * i));
}

TEST(UntrustedSizes, OptimizerStateIndexIsBoundedByTheEntryCount) {
  OrderedDict<std::string, Tensor> flat("Tensor");
  flat.insert("param_groups.0.lr", scalar_tensor(0.1, kFloat64));
  flat.insert("param_groups.0.params", tensor(std::vector<int64_t>{0}, {1}));
  flat.insert("param_groups.100000000.lr", scalar_tensor(0.1, kFloat64));
  int64_t growth = 0;
  try {
    growth = peak_growth([&] { optim::OptimizerStateDict::unflatten(flat); });
    ADD_FAILURE() << "index 100000000 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("param_groups.100000000.lr"), std::string::npos)
        << e.what();
  }
  EXPECT_LT(growth, int64_t{64} << 20);
}

TEST(UntrustedSizes, PngClaimingAHugeImageIsRefusedBeforeAllocating) {
  std::vector<unsigned char> png = io::png_rgb_to_buffer(1, 1, {10, 20, 30});
  // IHDR: width at 16, height at 20, CRC over type + data at 29.
  put_be32(png, 16, 16384);
  put_be32(png, 20, 16384);
  put_be32(png, 29, crc32_of(png.data() + 12, 17));
  int w = 0, h = 0;
  try {
    io::png_rgb_from_buffer(png.data(), png.size(), w, h, "x.png");
    ADD_FAILURE() << "a " << png.size() << "-byte 16384x16384 PNG was read";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("16384x16384"), std::string::npos) << e.what();
  }
  // The real allocation would be 805 MB of RGB.
  EXPECT_LT(peak_growth([&] {
              try {
                io::png_rgb_from_buffer(png.data(), png.size(), w, h, "x.png");
              } catch (const std::exception&) {
              }
            }),
            int64_t{64} << 20);
}

TEST(UntrustedSizes, NpzMemberLyingAboutItsSizeCostsWhatItHolds) {
  // A 1 MiB random uint8 member, compressed (random bytes stay ~1 MiB), then its announced
  // size raised to 1 GiB: still within deflate's 1032:1 bound, so the reader must find out by
  // inflating, with a buffer that grows as output arrives.
  std::vector<uint8_t> values(1 << 20);
  uint32_t x = 12345;
  for (auto& v : values) v = static_cast<uint8_t>((x = x * 1664525u + 1013904223u) >> 24);
  io::NamedArrays arrays = {{"a", io::RawArray::from_values<uint8_t>({1 << 20}, values)}};
  std::vector<unsigned char> zip = io::npz_to_buffer(arrays, /*compress=*/true);
  // Local header: uncompressed size at 22. Central directory entry: at 24.
  const uint32_t kHuge = 1u << 30;
  put_le32(zip, 22, kHuge);
  size_t central = zip.size() - 22 - 46 - 5;  // one entry named "a.npy", no extras
  ASSERT_EQ(zip[central], 'P');
  ASSERT_EQ(zip[central + 1], 'K');
  put_le32(zip, central + 24, kHuge);
  int64_t growth = peak_growth([&] {
    try {
      io::npz_from_buffer(zip, "x.npz");
      ADD_FAILURE() << "a lying member was read";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("1073741824"), std::string::npos) << e.what();
    }
  });
  EXPECT_LT(growth, int64_t{64} << 20);
}

}  // namespace
}  // namespace tg
