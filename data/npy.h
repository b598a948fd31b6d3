// NumPy .npy files (format versions 1.0, 2.0 and 3.0) to and from RawArray.
//
// Reading accepts little-endian ('<'), native ('=') and byte-order-free ('|') data, converts
// big-endian ('>') data by swapping bytes, and turns fortran_order arrays into C order.
// Writing produces a version 1.0 file (2.0 when the header needs it) that numpy.load reads.
//
// Errors: a file that cannot be read or is not a valid .npy throws tg::FileError (a
// tg::Error) naming the function, the file and what is wrong; a malformed RawArray given to a
// writer throws std::invalid_argument.
#pragma once
#include "data/file_error.h"
#include <cstddef>
#include <string>
#include <vector>

#include "data/raw_array.h"

namespace tg::io {

RawArray read_npy(const std::string& path);
void write_npy(const std::string& path, const RawArray& array);

// The same, in memory. `source` names the buffer in error messages (e.g. "weights.npz:w.npy").
RawArray npy_from_buffer(const unsigned char* data, size_t size,
                         const std::string& source = "<npy buffer>");
RawArray npy_from_buffer(const std::vector<unsigned char>& buffer,
                         const std::string& source = "<npy buffer>");
std::vector<unsigned char> npy_to_buffer(const RawArray& array);

}  // namespace tg::io
