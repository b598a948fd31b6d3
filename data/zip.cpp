#include "data/zip.h"
#include "data/file_error.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <stdexcept>

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

[[noreturn]] void fail(const char* op, const std::string& source, const std::string& what) {
  throw tg::FileError(std::string(op) + ": " + source + ": " + what);
}

// Bounds-checked little-endian reads from the archive.
class Reader {
 public:
  Reader(const unsigned char* data, size_t size, const std::string& source, const char* op)
      : data_(data), size_(size), source_(source), op_(op) {}
  const char* op() const { return op_; }

  void need(uint64_t offset, uint64_t count, const char* what) const {
    if (offset > size_ || count > size_ - offset) {
      fail(op_, source_, std::string(what) + " at offset " + std::to_string(offset) +
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
  const char* op_;
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
  const char* op = r.op();
  if (r.size() < kEndSize) fail(op, source, "too short to be a zip archive");
  // The end record sits in the last 22 + (up to 65535 comment) bytes; search backwards.
  uint64_t lowest = r.size() > kEndSize + 65535 ? r.size() - kEndSize - 65535 : 0;
  uint64_t pos = r.size() - kEndSize;
  while (true) {
    if (r.le(pos, 4, "end record") == kEndSig &&
        pos + kEndSize + r.le(pos + 20, 2, "end record") == r.size()) {
      break;
    }
    if (pos == lowest) fail(op, source, "not a zip archive (no end-of-central-directory record)");
    --pos;
  }
  Directory d;
  d.count = r.le(pos + 10, 2, "end record");
  d.size = r.le(pos + 12, 4, "end record");
  d.offset = r.le(pos + 16, 4, "end record");
  if (r.le(pos + 4, 2, "end record") != 0 || r.le(pos + 6, 2, "end record") != 0) {
    fail(op, source, "multi-disk zip archives are not supported");
  }
  if (d.count == 0xffff || d.size == 0xffffffff || d.offset == 0xffffffff) {
    if (pos < 20 || r.le(pos - 20, 4, "zip64 locator") != kZip64LocatorSig) {
      fail(op, source, "end record asks for ZIP64 but the ZIP64 locator is missing");
    }
    uint64_t z = r.le(pos - 20 + 8, 8, "zip64 locator");
    if (r.le(z, 4, "zip64 end record") != kZip64EndSig) {
      fail(op, source, "bad ZIP64 end-of-central-directory signature");
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
  const char* op = r.op();
  std::vector<Member> members;
  uint64_t pos = d.offset;
  for (uint64_t i = 0; i < d.count; ++i) {
    r.need(pos, kCentralHeaderSize, "central directory entry");
    if (r.le(pos, 4, "central directory entry") != kCentralSig) {
      fail(op, source, "bad signature for central directory entry " + std::to_string(i));
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
      if (extra + 4 + len > extra_end) fail(op, source, "extra field of '" + m.name + "' overruns");
      if (id == 0x0001) {
        uint64_t p = extra + 4, end = p + len;
        for (uint64_t* field : {&m.size, &m.compressed_size, &m.local_offset}) {
          if (*field != 0xffffffff) continue;
          if (p + 8 > end) fail(op, source, "short ZIP64 extra field for '" + m.name + "'");
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

std::vector<unsigned char> inflate_raw(const unsigned char* src, uint64_t src_size,
                                       uint64_t out_size, const std::string& where,
                                       const char* op) {
  std::vector<unsigned char> out;
  z_stream z{};
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK) fail(op, where, "zlib inflateInit2 failed");
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
    if (rc == Z_DATA_ERROR) fail(op, where, std::string("corrupt deflate data: ") +
                                            (msg ? msg : "unknown error"));
    if (produced == out_size) fail(op, where, "inflates to more than the " +
                                              std::to_string(out_size) + " bytes announced");
    fail(op, where, "deflate stream ends early (truncated)");
  }
  if (produced != out_size) {
    fail(op, where, "inflates to " + std::to_string(produced) + " bytes, the directory says " +
                    std::to_string(out_size));
  }
  return out;
}

}  // namespace

uint32_t zip_crc32(const unsigned char* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {
    uInt n = static_cast<uInt>(std::min<size_t>(size, UINT_MAX));
    crc = crc32(crc, data, n);
    data += n;
    size -= n;
  }
  return static_cast<uint32_t>(crc);
}

std::vector<std::string> zip_member_names(const unsigned char* data, size_t size,
                                          const std::string& source, const char* op) {
  Reader r(data, size, source, op);
  std::vector<std::string> names;
  for (const Member& m : read_directory(r, find_directory(r, source), source))
    names.push_back(m.name);
  return names;
}

std::vector<ZipMember> read_zip_members(const unsigned char* data, size_t size,
                                        const std::string& source, const char* op) {
  Reader r(data, size, source, op);
  Directory dir = find_directory(r, source);
  std::vector<ZipMember> out;
  for (const Member& m : read_directory(r, dir, source)) {
    if (!m.name.empty() && m.name.back() == '/') continue;  // a directory entry
    std::string where = source + ": member '" + m.name + "'";
    if (m.flags & kFlagEncrypted) fail(op, where, "is encrypted");
    r.need(m.local_offset, kLocalHeaderSize, "local header");
    if (r.le(m.local_offset, 4, "local header") != kLocalSig) {
      fail(op, where, "bad local header signature");
    }
    uint64_t name_len = r.le(m.local_offset + 26, 2, "local header");
    uint64_t extra_len = r.le(m.local_offset + 28, 2, "local header");
    uint64_t start = m.local_offset + kLocalHeaderSize + name_len + extra_len;
    r.need(start, m.compressed_size, "member data");

    ZipMember member;
    member.name = m.name;
    member.size = m.size;
    if (m.method == kMethodDeflate) {
      // Deflate expands at most ~1032:1; a larger announced size is a lie, not an allocation.
      if (m.size / 1032 > m.compressed_size + 1) {
        fail(op, where, "announced size " + std::to_string(m.size) + " is impossible for " +
                            std::to_string(m.compressed_size) + " compressed bytes");
      }
      member.inflated = inflate_raw(r.at(start), m.compressed_size, m.size, where, op);
    } else if (m.method == kMethodStored) {
      if (m.compressed_size != m.size) {
        fail(op, where, "stored member with different compressed and uncompressed sizes");
      }
      member.stored = r.at(start);
    } else {
      fail(op, where, "unsupported compression method " + std::to_string(m.method) +
                          " (only stored and deflate are supported)");
    }
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION  // fuzzing: mutations must reach the members
    if (zip_crc32(member.bytes(), m.size) != m.crc) fail(op, where, "CRC-32 mismatch (corrupt data)");
#endif
    out.push_back(std::move(member));
  }
  return out;
}

}  // namespace tg::io
