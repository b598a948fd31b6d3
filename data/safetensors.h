// safetensors files to and from named RawArrays.
//
// Layout: an 8-byte little-endian header length N, N bytes of JSON
//   {"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...,
//    "__metadata__": {"key": "value"}}
// padded with spaces to a multiple of 8, then the tensor bytes (offsets are relative to the
// start of this data section). Supported dtypes: F32 F64 I64 I32 U8 I8 BOOL F16.
//
// Reading validates strictly: header length, JSON shape, dtype, sizes that match the shape,
// offsets inside the data section and tiling it exactly (no overlaps, no holes). Anything else
// throws tg::FileError (a tg::Error) naming the function, the file and what is wrong; it never
// reads out of bounds. Entries come back in header order.
//
// Writing keeps the given order in the header and lays the data out largest element size
// first (stable), so every tensor starts at an offset aligned to its element size. Bad
// arguments (empty, duplicate or reserved names, malformed arrays) throw std::invalid_argument.
#pragma once
#include "data/file_error.h"
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "data/raw_array.h"

namespace tg::io {

struct SafetensorsFile {
  NamedArrays entries;
  std::map<std::string, std::string> metadata;  // the "__metadata__" object, if any
};

SafetensorsFile read_safetensors(const std::string& path);
void write_safetensors(const std::string& path, const NamedArrays& entries,
                       const std::map<std::string, std::string>& metadata = {});

// The same, in memory. `source` names the buffer in error messages.
SafetensorsFile safetensors_from_buffer(const unsigned char* data, size_t size,
                                        const std::string& source = "<safetensors buffer>");
SafetensorsFile safetensors_from_buffer(const std::vector<unsigned char>& buffer,
                                        const std::string& source = "<safetensors buffer>");
std::vector<unsigned char> safetensors_to_buffer(
    const NamedArrays& entries, const std::map<std::string, std::string>& metadata = {});

}  // namespace tg::io
