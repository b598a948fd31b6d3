#include "data/npy.h"
#include "data/file_error.h"

#include "data/file_bytes.h"

#include "data/atomic_file.h"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace tg::io {
namespace {

constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
constexpr size_t kHeaderAlign = 64;  // numpy aligns the data start to 64 bytes

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw tg::FileError("read_npy: " + source + ": " + what);
}

// ---------------------------------------------------------------- header dictionary parsing
// The header is a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// Only the value forms numpy writes for simple dtypes are understood.

struct HeaderFields {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
  bool has_descr = false, has_order = false, has_shape = false;
};

class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& source)
      : text_(text), source_(source) {}

  HeaderFields parse() {
    HeaderFields h;
    expect('{');
    skip_space();
    while (peek() != '}') {
      std::string key = parse_string();
      expect(':');
      skip_space();
      if (key == "descr") {
        if (peek() == '[') fail(source_, "structured dtypes are not supported (header " +
                                             quoted() + ")");
        h.descr = parse_string();
        h.has_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = parse_bool();
        h.has_order = true;
      } else if (key == "shape") {
        h.shape = parse_shape();
        h.has_shape = true;
      } else {
        fail(source_, "unexpected key '" + key + "' in header " + quoted());
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
      } else if (peek() != '}') {
        fail(source_, "expected ',' or '}' at offset " + std::to_string(pos_) + " of header " +
                          quoted());
      }
    }
    ++pos_;
    skip_space();
    if (pos_ != text_.size()) fail(source_, "text after the header dict: " + quoted());
    if (!h.has_descr || !h.has_order || !h.has_shape) {
      fail(source_, "header lacks one of 'descr', 'fortran_order', 'shape': " + quoted());
    }
    return h;
  }

 private:
  std::string quoted() const { return "\"" + text_ + "\""; }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) {
      fail(source_, std::string("expected '") + c + "' at offset " + std::to_string(pos_) +
                        " of header " + quoted());
    }
    ++pos_;
  }
  std::string parse_string() {
    skip_space();
    char q = peek();
    if (q != '\'' && q != '"') {
      fail(source_, "expected a quoted string at offset " + std::to_string(pos_) +
                        " of header " + quoted());
    }
    size_t end = text_.find(q, pos_ + 1);
    if (end == std::string::npos) fail(source_, "unterminated string in header " + quoted());
    std::string s = text_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return s;
  }
  bool parse_bool() {
    if (text_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (text_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail(source_, "fortran_order must be True or False in header " + quoted());
  }
  std::vector<int64_t> parse_shape() {
    std::vector<int64_t> shape;
    expect('(');
    skip_space();
    while (peek() != ')') {
      if (peek() < '0' || peek() > '9') {
        fail(source_, "shape must be a tuple of non-negative integers in header " + quoted());
      }
      int64_t v = 0;
      while (peek() >= '0' && peek() <= '9') {
        if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) {
          fail(source_, "dimension too large in header " + quoted());
        }
        v = v * 10 + (peek() - '0');
        ++pos_;
      }
      if (peek() == 'L') ++pos_;  // Python 2 long suffix
      shape.push_back(v);
      skip_space();
      if (peek() == ',') {
        ++pos_;
        skip_space();
      } else if (peek() != ')') {
        fail(source_, "expected ',' or ')' in shape of header " + quoted());
      }
    }
    ++pos_;
    return shape;
  }

  const std::string& text_;
  const std::string& source_;
  size_t pos_ = 0;
};

// Maps a numpy type string ('<f4', '|u1', ...) to our dtype name and whether the bytes must
// be swapped to become little-endian.
std::pair<std::string, bool> decode_descr(const std::string& descr, const std::string& source) {
  auto unsupported = [&]() {
    fail(source, "unsupported dtype '" + descr +
                     "' (supported: float16/32/64, int8/32/64, uint8, bool)");
  };
  if (descr.size() != 3) unsupported();
  char order = descr[0];
  std::string kind = descr.substr(1);
  std::string dtype;
  if (kind == "f2") dtype = "float16";
  else if (kind == "f4") dtype = "float32";
  else if (kind == "f8") dtype = "float64";
  else if (kind == "i1") dtype = "int8";
  else if (kind == "i4") dtype = "int32";
  else if (kind == "i8") dtype = "int64";
  else if (kind == "u1") dtype = "uint8";
  else if (kind == "b1") dtype = "bool";
  else unsupported();
  size_t item = RawArray::itemsize(dtype);
  bool swap = false;
  if (order == '>') {
    swap = item > 1;
  } else if (order == '|') {
    if (item > 1) fail(source, "byte order '|' given for multi-byte dtype '" + descr + "'");
  } else if (order != '<' && order != '=') {
    fail(source, "unknown byte order '" + std::string(1, order) + "' in dtype '" + descr + "'");
  }
  // '=' means the writer's native order; this library targets little-endian hosts.
  return {dtype, swap};
}

void swap_bytes(std::vector<unsigned char>& bytes, size_t item) {
  for (size_t i = 0; i + item <= bytes.size(); i += item) {
    for (size_t a = 0, b = item - 1; a < b; ++a, --b) std::swap(bytes[i + a], bytes[i + b]);
  }
}

// Reorders Fortran-order (first index fastest) bytes into C order.
std::vector<unsigned char> fortran_to_c(const std::vector<unsigned char>& src,
                                        const std::vector<int64_t>& shape, size_t item) {
  size_t ndim = shape.size();
  if (ndim < 2 || src.empty()) return src;
  std::vector<unsigned char> dst(src.size());
  std::vector<int64_t> f_stride(ndim);  // in elements
  int64_t s = 1;
  for (size_t k = 0; k < ndim; ++k) {
    f_stride[k] = s;
    s *= shape[k];
  }
  std::vector<int64_t> index(ndim, 0);
  int64_t src_elem = 0;
  size_t n = src.size() / item;
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(&dst[i * item], &src[static_cast<size_t>(src_elem) * item], item);
    // Advance the C-order multi-index (last axis fastest) and the Fortran offset with it.
    for (size_t k = ndim; k-- > 0;) {
      ++index[k];
      src_elem += f_stride[k];
      if (index[k] < shape[k]) break;
      src_elem -= f_stride[k] * index[k];
      index[k] = 0;
    }
  }
  return dst;
}

uint32_t read_le(const unsigned char* p, int n) {
  uint32_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string shape_to_python(const std::vector<int64_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1) s += ",";
  return s + ")";
}

std::string descr_of(const std::string& dtype) {
  if (dtype == "float16") return "<f2";
  if (dtype == "float32") return "<f4";
  if (dtype == "float64") return "<f8";
  if (dtype == "int8") return "|i1";
  if (dtype == "int32") return "<i4";
  if (dtype == "int64") return "<i8";
  if (dtype == "uint8") return "|u1";
  if (dtype == "bool") return "|b1";
  throw std::invalid_argument("write_npy: unknown dtype '" + dtype + "'");
}

}  // namespace

RawArray npy_from_buffer(const unsigned char* data, size_t size, const std::string& source) {
  if (size < 10) fail(source, "too short for a .npy header (" + std::to_string(size) + " bytes)");
  if (std::memcmp(data, kMagic, sizeof(kMagic)) != 0) {
    fail(source, "not a .npy file (magic bytes \\x93NUMPY missing)");
  }
  int major = data[6], minor = data[7];
  size_t len_bytes;
  if (major == 1) {
    len_bytes = 2;
  } else if (major == 2 || major == 3) {
    len_bytes = 4;
  } else {
    fail(source, "unsupported format version " + std::to_string(major) + "." +
                     std::to_string(minor) + " (expected 1.0, 2.0 or 3.0)");
  }
  if (size < 8 + len_bytes) fail(source, "truncated header length field");
  size_t header_len = read_le(data + 8, static_cast<int>(len_bytes));
  size_t data_start = 8 + len_bytes + header_len;
  if (header_len > size - 8 - len_bytes) {
    fail(source, "header length " + std::to_string(header_len) + " runs past the end of the " +
                     std::to_string(size) + "-byte input");
  }
  std::string header(reinterpret_cast<const char*>(data) + 8 + len_bytes, header_len);
  HeaderFields h = HeaderParser(header, source).parse();

  auto [dtype, swap] = decode_descr(h.descr, source);
  size_t item = RawArray::itemsize(dtype);
  size_t numel = 1;
  for (int64_t d : h.shape) {
    if (d != 0 && numel > std::numeric_limits<size_t>::max() / item / static_cast<size_t>(d)) {
      fail(source, "shape " + shape_to_python(h.shape) + " is too large");
    }
    numel *= static_cast<size_t>(d);
  }
  size_t want = numel * item;
  size_t have = size - data_start;
  if (have < want) {
    fail(source, "truncated data: shape " + shape_to_python(h.shape) + " of " + h.descr +
                     " needs " + std::to_string(want) + " bytes, found " + std::to_string(have));
  }
  if (have > want) {
    fail(source, std::to_string(have - want) + " unexpected bytes after the data of shape " +
                     shape_to_python(h.shape));
  }
  RawArray out;
  out.dtype = dtype;
  out.shape = h.shape;
  out.bytes.assign(data + data_start, data + size);
  if (swap) swap_bytes(out.bytes, item);
  if (h.fortran_order) out.bytes = fortran_to_c(out.bytes, out.shape, item);
  return out;
}

RawArray npy_from_buffer(const std::vector<unsigned char>& buffer, const std::string& source) {
  return npy_from_buffer(buffer.data(), buffer.size(), source);
}

RawArray read_npy(const std::string& path) {
  std::vector<unsigned char> data = read_file_bytes(path, "read_npy");
  return npy_from_buffer(data, "'" + path + "'");
}

std::vector<unsigned char> npy_to_buffer(const RawArray& array) {
  check_raw_array("write_npy", array);
  std::string dict = "{'descr': '" + descr_of(array.dtype) +
                     "', 'fortran_order': False, 'shape': " + shape_to_python(array.shape) +
                     ", }";
  // Pad with spaces so that magic + version + length + dict + '\n' is a multiple of 64.
  auto padded_header = [&](size_t len_bytes) {
    size_t total = 8 + len_bytes + dict.size() + 1;
    size_t padded = (total + kHeaderAlign - 1) / kHeaderAlign * kHeaderAlign;
    return dict + std::string(padded - total, ' ') + "\n";
  };
  size_t len_bytes = 2;
  std::string header = padded_header(len_bytes);
  if (header.size() > 65535) {  // version 1.0 stores the length in 16 bits; 2.0 in 32
    len_bytes = 4;
    header = padded_header(len_bytes);
  }

  std::vector<unsigned char> out(kMagic, kMagic + sizeof(kMagic));
  out.push_back(len_bytes == 2 ? 1 : 2);
  out.push_back(0);
  for (size_t i = 0; i < len_bytes; ++i) {
    out.push_back(static_cast<unsigned char>((header.size() >> (8 * i)) & 0xff));
  }
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), array.bytes.begin(), array.bytes.end());
  return out;
}

void write_npy(const std::string& path, const RawArray& array) {
  write_file_atomic(path, npy_to_buffer(array), "write_npy");
}

}  // namespace tg::io
