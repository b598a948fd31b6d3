#include "data/idx.h"
#include "data/file_error.h"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/atomic_file.h"

namespace tg::io {
namespace {

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw tg::FileError("read_idx: " + source + ": " + what);
}

struct TypeInfo {
  unsigned char code;
  size_t file_size;   // bytes per element in the file
  const char* dtype;  // what it becomes
};

constexpr TypeInfo kTypes[] = {
    {0x08, 1, "uint8"}, {0x09, 1, "int8"},    {0x0B, 2, "int32"},
    {0x0C, 4, "int32"}, {0x0D, 4, "float32"}, {0x0E, 8, "float64"},
};

struct Header {
  TypeInfo type;
  std::vector<int64_t> shape;
  uint64_t data_bytes = 0;  // in the file
};

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

uint32_t big_endian_u32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// Checks the 4 magic bytes; returns the number of dimensions.
size_t decode_magic(const unsigned char* magic, const std::string& source, TypeInfo& type) {
  if (magic[0] != 0 || magic[1] != 0) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "bad magic %02x %02x %02x %02x (expected 00 00 type ndim)",
                  magic[0], magic[1], magic[2], magic[3]);
    fail(source, buf);
  }
  auto it = std::find_if(std::begin(kTypes), std::end(kTypes),
                         [&](const TypeInfo& t) { return t.code == magic[2]; });
  if (it == std::end(kTypes)) {
    char buf[96];
    std::snprintf(buf, sizeof(buf),
                  "unknown element type 0x%02x (expected 08, 09, 0B, 0C, 0D or 0E)", magic[2]);
    fail(source, buf);
  }
  type = *it;
  return magic[3];
}

Header decode_dims(const TypeInfo& type, const unsigned char* dims, size_t ndim,
                   const std::string& source) {
  Header h;
  h.type = type;
  uint64_t bytes = type.file_size;
  for (size_t i = 0; i < ndim; ++i) {
    uint64_t d = big_endian_u32(dims + 4 * i);
    h.shape.push_back(static_cast<int64_t>(d));
    if (d != 0 && bytes > std::numeric_limits<uint64_t>::max() / 8 / d) {
      fail(source, "dimensions " + shape_text(h.shape) + " are too large");
    }
    bytes *= d;
  }
  h.data_bytes = bytes;
  return h;
}

// Turns big-endian file elements into the little-endian RawArray.
RawArray convert(const Header& h, const unsigned char* src) {
  RawArray out;
  out.dtype = h.type.dtype;
  out.shape = h.shape;
  size_t n = static_cast<size_t>(h.data_bytes / h.type.file_size);
  size_t item = RawArray::itemsize(out.dtype);
  out.bytes.resize(n * item);
  unsigned char* dst = out.bytes.data();
  if (h.type.code == 0x0B) {  // int16 widened to int32 with sign extension
    for (size_t i = 0; i < n; ++i) {
      int32_t v = static_cast<int16_t>((src[2 * i] << 8) | src[2 * i + 1]);
      std::memcpy(dst + 4 * i, &v, 4);
    }
    return out;
  }
  for (size_t i = 0; i < n; ++i) {
    for (size_t b = 0; b < item; ++b) dst[i * item + b] = src[i * item + item - 1 - b];
  }
  return out;
}

unsigned char idx_type_code(const std::string& dtype) {
  if (dtype == "uint8") return 0x08;
  if (dtype == "int8") return 0x09;
  if (dtype == "int32") return 0x0C;
  if (dtype == "float32") return 0x0D;
  if (dtype == "float64") return 0x0E;
  throw std::invalid_argument("write_idx: dtype " + dtype + " has no IDX type "
                              "(use uint8, int8, int32, float32 or float64)");
}

// Reads up to `want` bytes from a gzip (or plain) stream, appending to `out`; returns false
// at the end of the input. The buffer grows with the data (chunks from 64 KiB doubling up to
// 16 MiB), so a lying header cannot force a large allocation, nor a large one per call.
bool gz_read_into(gzFile f, uint64_t want, std::vector<unsigned char>& out,
                  const std::string& source) {
  constexpr uint64_t kMinChunk = 1 << 16, kMaxChunk = 1 << 24;
  while (want > 0) {
    const uint64_t chunk = std::min<uint64_t>(kMaxChunk, std::max<uint64_t>(kMinChunk, out.size()));
    unsigned n = static_cast<unsigned>(std::min(want, chunk));
    size_t old = out.size();
    out.resize(old + n);
    int got = gzread(f, out.data() + old, n);
    if (got < 0) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      fail(source, std::string("cannot decompress: ") + (msg ? msg : "gzip error"));
    }
    out.resize(old + static_cast<size_t>(got));
    if (static_cast<unsigned>(got) < n) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      if (code != Z_OK) {
        fail(source, std::string("cannot decompress: ") + (msg ? msg : "gzip error") +
                         " (truncated or corrupt gzip stream)");
      }
      return false;
    }
    want -= n;
  }
  return true;
}

struct GzCloser {
  gzFile f;
  ~GzCloser() {
    if (f) gzclose(f);
  }
};

}  // namespace

RawArray idx_from_buffer(const unsigned char* data, size_t size, const std::string& source) {
  if (size < 4) fail(source, "too short (" + std::to_string(size) + " bytes) for the magic");
  TypeInfo type;
  size_t ndim = decode_magic(data, source, type);
  if (size < 4 + 4 * ndim) {
    fail(source, "truncated header: " + std::to_string(ndim) + " dimensions need " +
                     std::to_string(4 + 4 * ndim) + " bytes, found " + std::to_string(size));
  }
  Header h = decode_dims(type, data + 4, ndim, source);
  uint64_t have = size - 4 - 4 * ndim;
  if (have < h.data_bytes) {
    fail(source, "truncated data: shape " + shape_text(h.shape) + " needs " +
                     std::to_string(h.data_bytes) + " bytes, found " + std::to_string(have));
  }
  if (have > h.data_bytes) {
    fail(source, std::to_string(have - h.data_bytes) + " unexpected bytes after the data of "
                 "shape " + shape_text(h.shape));
  }
  return convert(h, data + 4 + 4 * ndim);
}

RawArray idx_from_buffer(const std::vector<unsigned char>& buffer, const std::string& source) {
  return idx_from_buffer(buffer.data(), buffer.size(), source);
}

RawArray read_idx(const std::string& path) {
  std::string source = "'" + path + "'";
  errno = 0;
  GzCloser file{gzopen(path.c_str(), "rb")};
  if (!file.f) {
    fail(source, std::string("cannot open: ") + (errno ? std::strerror(errno) : "out of memory"));
  }
  std::vector<unsigned char> bytes;
  if (!gz_read_into(file.f, 4, bytes, source)) {
    fail(source, "too short (" + std::to_string(bytes.size()) + " bytes) for the magic");
  }
  TypeInfo type;
  size_t ndim = decode_magic(bytes.data(), source, type);
  if (!gz_read_into(file.f, 4 * ndim, bytes, source)) {
    fail(source, "truncated header: " + std::to_string(ndim) + " dimensions need " +
                     std::to_string(4 + 4 * ndim) + " bytes, found " +
                     std::to_string(bytes.size()));
  }
  Header h = decode_dims(type, bytes.data() + 4, ndim, source);
  size_t header_bytes = bytes.size();
  if (!gz_read_into(file.f, h.data_bytes, bytes, source)) {
    fail(source, "truncated data: shape " + shape_text(h.shape) + " needs " +
                     std::to_string(h.data_bytes) + " bytes, found " +
                     std::to_string(bytes.size() - header_bytes));
  }
  std::vector<unsigned char> extra;
  if (gz_read_into(file.f, 1, extra, source) || !extra.empty()) {
    fail(source, "unexpected bytes after the data of shape " + shape_text(h.shape));
  }
  return convert(h, bytes.data() + header_bytes);
}

std::vector<unsigned char> idx_to_buffer(const RawArray& array) {
  check_raw_array("write_idx", array);
  unsigned char code = idx_type_code(array.dtype);
  if (array.shape.size() > 255) {
    throw std::invalid_argument("write_idx: IDX holds at most 255 dimensions, got " +
                                std::to_string(array.shape.size()));
  }
  std::vector<unsigned char> out = {0, 0, code, static_cast<unsigned char>(array.shape.size())};
  for (int64_t d : array.shape) {
    if (d > static_cast<int64_t>(std::numeric_limits<uint32_t>::max())) {
      throw std::invalid_argument("write_idx: dimension " + std::to_string(d) +
                                  " does not fit IDX's 32-bit sizes");
    }
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<unsigned char>((d >> shift) & 0xff));
    }
  }
  size_t item = RawArray::itemsize(array.dtype);
  size_t start = out.size();
  out.resize(start + array.bytes.size());
  for (size_t i = 0; i < array.bytes.size(); i += item) {
    for (size_t b = 0; b < item; ++b) out[start + i + b] = array.bytes[i + item - 1 - b];
  }
  return out;
}

void write_idx(const std::string& path, const RawArray& array) {
  std::vector<unsigned char> data = idx_to_buffer(array);
  bool gzip = path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  if (!gzip) {
    write_file_atomic(path, data, "write_idx");
    return;
  }
  write_file_atomic(
      path,
      [&](int fd) {
        const int own = dup(fd);  // gzclose closes its descriptor; the caller still syncs fd
        if (own < 0) return false;
        gzFile f = gzdopen(own, "wb");
        if (!f) {
          close(own);
          return false;
        }
        bool ok = true;
        for (size_t pos = 0; ok && pos < data.size();) {
          unsigned n = static_cast<unsigned>(std::min<size_t>(data.size() - pos, 1u << 30));
          ok = gzwrite(f, data.data() + pos, n) == static_cast<int>(n);
          pos += n;
        }
        return (gzclose(f) == Z_OK) && ok;
      },
      "write_idx");
}

}  // namespace tg::io
