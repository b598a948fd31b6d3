// IDX files (the MNIST / Fashion-MNIST format) to and from RawArray.
//
// Layout: magic bytes 0x00 0x00 <type> <ndim>, then ndim big-endian uint32 dimensions, then the
// elements in C order, big-endian. Types: 0x08 ubyte -> uint8, 0x09 sbyte -> int8,
// 0x0B short -> int32 (widened: RawArray has no int16), 0x0C int -> int32, 0x0D float -> float32,
// 0x0E double -> float64. Multi-byte values come back little-endian.
//
// read_idx reads gzip-compressed and plain files alike (detected from the content, not the
// name). Errors (missing file, bad magic, unknown type, truncated or trailing data, corrupt
// gzip stream) throw tg::FileError (a tg::Error) naming the function, the file and what is wrong.
#pragma once
#include "data/file_error.h"
#include <cstddef>
#include <string>
#include <vector>

#include "data/raw_array.h"

namespace tg::io {

RawArray read_idx(const std::string& path);

// Writes uint8, int8, int32, float32 or float64 arrays (other dtypes throw
// std::invalid_argument); gzip-compressed when `path` ends in ".gz".
void write_idx(const std::string& path, const RawArray& array);

// The same on uncompressed bytes in memory. `source` names the buffer in error messages.
RawArray idx_from_buffer(const unsigned char* data, size_t size,
                         const std::string& source = "<idx buffer>");
RawArray idx_from_buffer(const std::vector<unsigned char>& buffer,
                         const std::string& source = "<idx buffer>");
std::vector<unsigned char> idx_to_buffer(const RawArray& array);

}  // namespace tg::io
