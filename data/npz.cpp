#include "data/npz.h"
#include "data/file_error.h"

#include "data/atomic_file.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/npy.h"
#include "data/zip.h"

namespace tg::io {
namespace {

constexpr uint32_t kLocalSig = 0x04034b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kEndSig = 0x06054b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr uint16_t kMethodStored = 0;
constexpr uint16_t kMethodDeflate = 8;
constexpr uint16_t kFlagUtf8 = 1 << 11;

// ---------------------------------------------------------------- writing helpers
void put(std::vector<unsigned char>& out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<unsigned char>((v >> (8 * i)) & 0xff));
}

std::vector<unsigned char> deflate_raw(const std::vector<unsigned char>& src) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    throw tg::FileError("write_npz: zlib deflateInit2 failed");
  }
  std::vector<unsigned char> out(deflateBound(&z, static_cast<uLong>(src.size())));
  z.next_in = const_cast<unsigned char*>(src.data());
  z.avail_in = static_cast<uInt>(src.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  size_t produced = out.size() - z.avail_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw tg::FileError("write_npz: zlib deflate failed");
  out.resize(produced);
  return out;
}

}  // namespace

NamedArrays npz_from_buffer(const unsigned char* data, size_t size, const std::string& source) {
  NamedArrays out;
  for (const ZipMember& m : read_zip_members(data, size, source, "read_npz")) {
    std::string key = m.name;
    if (key.size() > 4 && key.compare(key.size() - 4, 4, ".npy") == 0) {
      key.resize(key.size() - 4);
    }
    out.emplace_back(key, npy_from_buffer(m.bytes(), m.size, source + ": member '" + m.name + "'"));
  }
  return out;
}

NamedArrays npz_from_buffer(const std::vector<unsigned char>& buffer, const std::string& source) {
  return npz_from_buffer(buffer.data(), buffer.size(), source);
}

NamedArrays read_npz(const std::string& path) {
  std::vector<unsigned char> data = read_file_bytes(path, "read_npz");
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
    uint32_t crc = zip_crc32(npy.data(), npy.size());
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
