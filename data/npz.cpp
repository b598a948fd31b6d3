#include "data/npz.h"

#include "data/atomic_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/npy.h"

namespace tg::io {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndSize = 22;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflate = 8;
constexpr uint16_t kFlagEncrypted = 1;
constexpr uint16_t kFlagUtf8 = 1 << 11;

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw std::runtime_error("read_npz: " + source + ": " + what);
}

std::vector<unsigned char> read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    throw std::runtime_error("read_npz: cannot open '" + path + "': " + std::strerror(errno));
  }
  std::vector<unsigned char> data;
  unsigned char chunk[1 << 16];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof(chunk), f)) > 0) {
    data.insert(data.end(), chunk, chunk + got);
  }
  bool bad = std::ferror(f) != 0;
  int err = errno;
  std::fclose(f);
  if (bad) {
    throw std::runtime_error("read_npz: error reading '" + path + "': " + std::strerror(err));
  }
  return data;
}

uint32_t crc32_of(const unsigned char* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {
    uInt n = static_cast<uInt>(std::min<size_t>(size, UINT_MAX));
    crc = crc32(crc, data, n);
    data += n;
    size -= n;
  }
  return static_cast<uint32_t>(crc);
}

// Bounds-checked little-endian reads from the archive.
class Reader {
 public:
  Reader(const unsigned char* data, size_t size, const std::string& source)
      : data_(data), size_(size), source_(source) {}

  void need(uint64_t offset, uint64_t count, const char* what) const {
    if (offset > size_ || count > size_ - offset) {
      fail(source_, std::string(what) + " at offset " + std::to_string(offset) +
                        " runs past the end of the " + std::to_string(size_) +
                        "-byte archive (truncated or corrupt)");
    }
  }
  uint64_t le(uint64_t offset, int bytes, const char* what) const {
    need(offset, bytes, what);
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | data_[offset + i];
    return v;
  }
  const unsigned char* at(uint64_t offset) const { return data_ + offset; }
  size_t size() const { return size_; }

 private:
  const unsigned char* data_;
  size_t size_;
  const std::string& source_;
};

struct Member {
  std::string name;
  uint16_t flags = 0, method = 0;
  uint32_t crc = 0;
  uint64_t compressed_size = 0, size = 0, local_offset = 0;
};

struct Directory {
  uint64_t count = 0, size = 0, offset = 0;
};

Directory find_directory(const Reader& r, const std::string& source) {
  if (r.size() < kEndSize) fail(source, "too short to be a zip archive");
  // The end record sits in the last 22 + (up to 65535 comment) bytes; search backwards.
  uint64_t lowest = r.size() > kEndSize + 65535 ? r.size() - kEndSize - 65535 : 0;
  uint64_t pos = r.size() - kEndSize;
  while (true) {
    if (r.le(pos, 4, "end record") == kEndSig &&
        pos + kEndSize + r.le(pos + 20, 2, "end record") == r.size()) {
      break;
    }
    if (pos == lowest) fail(source, "not a zip archive (no end-of-central-directory record)");
    --pos;
  }
  Directory d;
  d.count = r.le(pos + 10, 2, "end record");
  d.size = r.le(pos + 12, 4, "end record");
  d.offset = r.le(pos + 16, 4, "end record");
  if (r.le(pos + 4, 2, "end record") != 0 || r.le(pos + 6, 2, "end record") != 0) {
    fail(source, "multi-disk zip archives are not supported");
  }
  if (d.count == 0xffff || d.size == 0xffffffff || d.offset == 0xffffffff) {
    if (pos < 20 || r.le(pos - 20, 4, "zip64 locator") != kZip64LocatorSig) {
      fail(source, "end record asks for ZIP64 but the ZIP64 locator is missing");
    }
    uint64_t z = r.le(pos - 20 + 8, 8, "zip64 locator");
    if (r.le(z, 4, "zip64 end record") != kZip64EndSig) {
      fail(source, "bad ZIP64 end-of-central-directory signature");
    }
    d.count = r.le(z + 32, 8, "zip64 end record");
    d.size = r.le(z + 40, 8, "zip64 end record");
    d.offset = r.le(z + 48, 8, "zip64 end record");
  }
  r.need(d.offset, d.size, "central directory");
  return d;
}

std::vector<Member> read_directory(const Reader& r, const Directory& d,
                                   const std::string& source) {
  std::vector<Member> members;
  uint64_t pos = d.offset;
  for (uint64_t i = 0; i < d.count; ++i) {
    r.need(pos, kCentralHeaderSize, "central directory entry");
    if (r.le(pos, 4, "central directory entry") != kCentralSig) {
      fail(source, "bad signature for central directory entry " + std::to_string(i));
    }
    Member m;
    m.flags = static_cast<uint16_t>(r.le(pos + 8, 2, "entry"));
    m.method = static_cast<uint16_t>(r.le(pos + 10, 2, "entry"));
    m.crc = static_cast<uint32_t>(r.le(pos + 16, 4, "entry"));
    m.compressed_size = r.le(pos + 20, 4, "entry");
    m.size = r.le(pos + 24, 4, "entry");
    uint64_t name_len = r.le(pos + 28, 2, "entry");
    uint64_t extra_len = r.le(pos + 30, 2, "entry");
    uint64_t comment_len = r.le(pos + 32, 2, "entry");
    m.local_offset = r.le(pos + 42, 4, "entry");
    r.need(pos + kCentralHeaderSize, name_len + extra_len + comment_len, "entry name");
    m.name.assign(reinterpret_cast<const char*>(r.at(pos + kCentralHeaderSize)), name_len);

    // ZIP64 extra field: 64-bit values for the 32-bit fields set to 0xffffffff, in order.
    uint64_t extra = pos + kCentralHeaderSize + name_len;
    uint64_t extra_end = extra + extra_len;
    while (extra + 4 <= extra_end) {
      uint64_t id = r.le(extra, 2, "extra field");
      uint64_t len = r.le(extra + 2, 2, "extra field");
      if (extra + 4 + len > extra_end) fail(source, "extra field of '" + m.name + "' overruns");
      if (id == 0x0001) {
        uint64_t p = extra + 4, end = p + len;
        for (uint64_t* field : {&m.size, &m.compressed_size, &m.local_offset}) {
          if (*field != 0xffffffff) continue;
          if (p + 8 > end) fail(source, "short ZIP64 extra field for '" + m.name + "'");
          *field = r.le(p, 8, "zip64 extra field");
          p += 8;
        }
      }
      extra += 4 + len;
    }
    members.push_back(m);
    pos += kCentralHeaderSize + name_len + extra_len + comment_len;
  }
  return members;
}

// Inflates into a buffer that grows as output arrives (doubling, capped at out_size), so a
// member that lies about its size costs what it really inflates to, not what it announces.
std::vector<unsigned char> inflate_raw(const unsigned char* src, uint64_t src_size,
                                       uint64_t out_size, const std::string& where) {
  std::vector<unsigned char> out;
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) fail(where, "zlib inflateInit2 failed");
  z.next_in = const_cast<unsigned char*>(src);
  uint64_t in_left = src_size, produced = 0;
  int rc = Z_OK;
  try {
    while (rc == Z_OK) {
      // zlib counts in 32 bits; feed at most 1 GiB at a time.
      if (z.avail_in == 0 && in_left > 0) {
        z.avail_in = static_cast<uInt>(std::min<uint64_t>(in_left, 1u << 30));
        in_left -= z.avail_in;
      }
      if (produced == out.size() && out.size() < out_size) {
        const uint64_t grown = std::min<uint64_t>(
            out_size, std::max<uint64_t>(uint64_t{1} << 16, 2 * static_cast<uint64_t>(out.size())));
        out.resize(static_cast<size_t>(grown));
      }
      unsigned char none;  // zlib refuses a null output pointer, even for 0 bytes
      z.next_out = out.empty() ? &none : out.data() + produced;
      z.avail_out = static_cast<uInt>(std::min<uint64_t>(out.size() - produced, 1u << 30));
      const uInt before = z.avail_out;
      rc = inflate(&z, Z_NO_FLUSH);  // Z_BUF_ERROR once input is exhausted or output is full
      produced += before - z.avail_out;
      if (rc == Z_BUF_ERROR && produced == out.size() && out.size() < out_size) rc = Z_OK;
    }
  } catch (...) {
    inflateEnd(&z);
    throw;
  }
  const char* msg = z.msg;
  inflateEnd(&z);
  if (rc != Z_STREAM_END) {
    if (rc == Z_DATA_ERROR) fail(where, std::string("corrupt deflate data: ") +
                                            (msg ? msg : "unknown error"));
    if (produced == out_size) fail(where, "inflates to more than the " +
                                              std::to_string(out_size) + " bytes announced");
    fail(where, "deflate stream ends early (truncated)");
  }
  if (produced != out_size) {
    fail(where, "inflates to " + std::to_string(produced) + " bytes, the directory says " +
                    std::to_string(out_size));
  }
  return out;
}

// ---------------------------------------------------------------- writing helpers
void put(std::vector<unsigned char>& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<unsigned char>((v >> (8 * i)) & 0xff));
}

std::vector<unsigned char> deflate_raw(const std::vector<unsigned char>& src) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("write_npz: zlib deflateInit2 failed");
  }
  std::vector<unsigned char> out(deflateBound(&z, static_cast<uLong>(src.size())));
  z.next_in = const_cast<unsigned char*>(src.data());
  z.avail_in = static_cast<uInt>(src.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  size_t produced = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("write_npz: zlib deflate failed");
  out.resize(produced);
  return out;
}

}  // namespace

NamedArrays npz_from_buffer(const unsigned char* data, size_t size, const std::string& source) {
  Reader r(data, size, source);
  Directory dir = find_directory(r, source);
  NamedArrays out;
  for (const Member& m : read_directory(r, dir, source)) {
    if (!m.name.empty() && m.name.back() == '/') continue;  // a directory entry
    std::string where = source + ": member '" + m.name + "'";
    if (m.flags & kFlagEncrypted) fail(where, "is encrypted");
    r.need(m.local_offset, kLocalHeaderSize, "local header");
    if (r.le(m.local_offset, 4, "local header") != kLocalSig) {
      fail(where, "bad local header signature");
    }
    uint64_t name_len = r.le(m.local_offset + 26, 2, "local header");
    uint64_t extra_len = r.le(m.local_offset + 28, 2, "local header");
    uint64_t start = m.local_offset + kLocalHeaderSize + name_len + extra_len;
    r.need(start, m.compressed_size, "member data");

    std::vector<unsigned char> inflated;
    const unsigned char* payload = r.at(start);
    if (m.method == kMethodDeflate) {
      // Deflate expands at most ~1032:1; a larger announced size is a lie, not an allocation.
      if (m.size / 1032 > m.compressed_size + 1) {
        fail(where, "announced size " + std::to_string(m.size) + " is impossible for " +
                        std::to_string(m.compressed_size) + " compressed bytes");
      }
      inflated = inflate_raw(payload, m.compressed_size, m.size, where);
      payload = inflated.data();
    } else if (m.method == kMethodStored) {
      if (m.compressed_size != m.size) {
        fail(where, "stored member with different compressed and uncompressed sizes");
      }
    } else {
      fail(where, "unsupported compression method " + std::to_string(m.method) +
                      " (only stored and deflate are supported)");
    }
    uint32_t crc = crc32_of(payload, m.size);
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION  // fuzzing: mutations must reach the members
    if (crc != m.crc) fail(where, "CRC-32 mismatch (corrupt data)");
#else
    (void)crc;
#endif

    std::string key = m.name;
    if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0) {
      key.resize(key.size() - 4);
    }
    out.emplace_back(key, npy_from_buffer(payload, m.size, where));
  }
  return out;
}

NamedArrays npz_from_buffer(const std::vector<unsigned char>& buffer, const std::string& source) {
  return npz_from_buffer(buffer.data(), buffer.size(), source);
}

NamedArrays read_npz(const std::string& path) {
  std::vector<unsigned char> data = read_file(path);
  return npz_from_buffer(data, "'" + path + "'");
}

std::vector<unsigned char> npz_to_buffer(const NamedArrays& entries, bool compress) {
  std::set<std::string> seen;
  for (const auto& [name, array] : entries) {
    if (name.empty()) throw std::invalid_argument("write_npz: empty array name");
    if (!seen.insert(name).second) {
      throw std::invalid_argument("write_npz: duplicate array name '" + name + "'");
    }
    check_raw_array(("write_npz: array '" + name + "'").c_str(), array);
  }

  auto too_big = [](const std::string& what) {
    return "write_npz: archive would exceed the 4 GiB / 65535-member zip limits at " + what +
           " (ZIP64 writing is not supported)";
  };
  std::vector<unsigned char> out, directory;
  constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;  // 1980-01-01, a fixed timestamp
  for (const auto& [name, array] : entries) {
    std::string file_name = name + ".npy";
    std::vector<unsigned char> npy = npy_to_buffer(array);
    uint64_t offset = out.size();
    if (offset + npy.size() + kLocalHeaderSize + file_name.size() >= 0xffffffffu) {
      throw std::invalid_argument(too_big("array '" + name + "'"));
    }
    uint32_t crc = crc32_of(npy.data(), npy.size());
    std::vector<unsigned char> packed = compress ? deflate_raw(npy) : std::vector<unsigned char>{};
    const std::vector<unsigned char>& payload = compress ? packed : npy;
    bool utf8 = std::any_of(file_name.begin(), file_name.end(),
                            [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    uint16_t flags = utf8 ? kFlagUtf8 : 0;
    uint16_t method = compress ? kMethodDeflate : kMethodStored;

    put(out, kLocalSig, 4);
    put(out, 20, 2);  // version needed: 2.0
    put(out, flags, 2);
    put(out, method, 2);
    put(out, 0, 2);  // time
    put(out, kDosDate, 2);
    put(out, crc, 4);
    put(out, payload.size(), 4);
    put(out, npy.size(), 4);
    put(out, file_name.size(), 2);
    put(out, 0, 2);  // extra length
    out.insert(out.end(), file_name.begin(), file_name.end());
    out.insert(out.end(), payload.begin(), payload.end());

    put(directory, kCentralSig, 4);
    put(directory, 20, 2);  // version made by
    put(directory, 20, 2);  // version needed
    put(directory, flags, 2);
    put(directory, method, 2);
    put(directory, 0, 2);
    put(directory, kDosDate, 2);
    put(directory, crc, 4);
    put(directory, payload.size(), 4);
    put(directory, npy.size(), 4);
    put(directory, file_name.size(), 2);
    put(directory, 0, 2);  // extra length
    put(directory, 0, 2);  // comment length
    put(directory, 0, 2);  // disk number
    put(directory, 0, 2);  // internal attributes
    put(directory, 0x81a4u << 16, 4);  // external attributes: a regular file, mode 0644
    put(directory, offset, 4);
    directory.insert(directory.end(), file_name.begin(), file_name.end());
  }
  uint64_t directory_offset = out.size();
  if (entries.size() >= 0xffff || directory_offset + directory.size() >= 0xffffffffu) {
    throw std::invalid_argument(too_big(std::to_string(entries.size()) + " arrays"));
  }
  out.insert(out.end(), directory.begin(), directory.end());
  put(out, kEndSig, 4);
  put(out, 0, 2);
  put(out, 0, 2);
  put(out, entries.size(), 2);
  put(out, entries.size(), 2);
  put(out, directory.size(), 4);
  put(out, directory_offset, 4);
  put(out, 0, 2);  // comment length
  return out;
}

void write_npz(const std::string& path, const NamedArrays& entries, bool compress) {
  write_file_atomic(path, npz_to_buffer(entries, compress), "write_npz");
}

}  // namespace tg::io
