// libFuzzer target: the .npz reader as it runs in production, CRC-32 check included. Before
// parsing, the harness makes each member's checksum (and uncompressed size) agree with the
// member's mutated bytes, so that mutations reach the .npy parser instead of stopping at the
// checksum; what is left to fail is the archive structure and the members themselves.
//
// With TG_FUZZ_FIXED_OUT=path set, the fixed-up input is also written to `path`: that file
// reproduces a finding with the ordinary reader (a unit test's input).
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "data/npz.h"

namespace {

constexpr uint64_t kMaxInflated = uint64_t{16} << 20;  // the fix-up inflates at most this much

uint64_t le(const std::vector<uint8_t>& b, uint64_t at, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | b[at + i];
  return v;
}

void put_le(std::vector<uint8_t>& b, uint64_t at, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// Inflates a raw deflate stream; false when it is corrupt, truncated or too large.
bool inflate_all(const uint8_t* src, uint64_t size, std::vector<uint8_t>& out) {
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) return false;
  z.next_in = const_cast<uint8_t*>(src);
  z.avail_in = static_cast<uInt>(size);
  int rc = Z_OK;
  uint8_t chunk[1 << 14];
  while (rc == Z_OK) {
    z.next_out = chunk;
    z.avail_out = sizeof(chunk);
    rc = inflate(&z, Z_NO_FLUSH);
    out.insert(out.end(), chunk, chunk + (sizeof(chunk) - z.avail_out));
    if (out.size() > kMaxInflated) rc = Z_MEM_ERROR;
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

// Rewrites the CRC-32 and uncompressed size of every member whose data can be located, in
// the central directory and the local header. Anything malformed is left as it is.
void fix_up(std::vector<uint8_t>& b) {
  const uint64_t n = b.size();
  if (n < 22) return;
  uint64_t end = n - 22;
  const uint64_t lowest = n > 22 + 65535 ? n - 22 - 65535 : 0;
  while (le(b, end, 4) != 0x06054b50) {
    if (end == lowest) return;
    --end;
  }
  const uint64_t count = le(b, end + 10, 2);
  uint64_t pos = le(b, end + 16, 4);
  for (uint64_t i = 0; i < count; ++i) {
    if (pos > n || n - pos < 46 || le(b, pos, 4) != 0x02014b50) return;
    const uint64_t method = le(b, pos + 10, 2);
    const uint64_t compressed = le(b, pos + 20, 4);
    const uint64_t name_len = le(b, pos + 28, 2), extra_len = le(b, pos + 30, 2),
                   comment_len = le(b, pos + 32, 2);
    const uint64_t local = le(b, pos + 42, 4);
    const uint64_t central = pos;
    pos += 46 + name_len + extra_len + comment_len;
    if (compressed == 0xffffffff || local > n || n - local < 30 ||
        le(b, local, 4) != 0x04034b50) {
      continue;
    }
    const uint64_t start = local + 30 + le(b, local + 26, 2) + le(b, local + 28, 2);
    if (start > n || compressed > n - start) continue;
    const uint8_t* bytes = b.data() + start;
    uint64_t size = compressed;
    std::vector<uint8_t> inflated;
    if (method == 8) {
      if (!inflate_all(bytes, compressed, inflated)) continue;
      bytes = inflated.data();
      size = inflated.size();
    } else if (method != 0) {
      continue;
    }
    const uint32_t crc = static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), bytes,
                                                     static_cast<uInt>(size)));
    put_le(b, central + 16, crc, 4);
    put_le(b, central + 24, size, 4);
    put_le(b, local + 14, crc, 4);
    put_le(b, local + 22, size, 4);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> fixed(data, data + size);
  fix_up(fixed);
  if (const char* out = std::getenv("TG_FUZZ_FIXED_OUT")) {
    if (std::FILE* f = std::fopen(out, "wb")) {
      std::fwrite(fixed.data(), 1, fixed.size(), f);
      std::fclose(f);
    }
  }
  try {
    for (const auto& [name, a] : tg::io::npz_from_buffer(fixed.data(), fixed.size(), "fuzz")) {
      tg::io::check_raw_array("fuzz", a);
    }
  } catch (const std::exception&) {
  }
  return 0;
}
