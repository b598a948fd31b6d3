// NumPy .npz archives (a zip of .npy members) to and from named RawArrays.
//
// Reading handles stored and deflated members, ZIP64 records (numpy.savez writes them) and
// checks each member's CRC-32. Names are returned without the ".npy" suffix, in archive order,
// as numpy.load(...).files lists them. Writing produces a zip that numpy.load reads: stored
// members by default, deflated (like numpy.savez_compressed) with `compress`.
//
// Errors: an unreadable or malformed archive throws tg::FileError (a tg::Error) naming the
// function, the file (and member) and what is wrong; bad arguments to the writers (empty or
// duplicate names, malformed arrays, an archive over 4 GiB) throw std::invalid_argument.
#pragma once
#include "data/file_error.h"
#include <cstddef>
#include <string>
#include <vector>

#include "data/raw_array.h"

namespace tg::io {

NamedArrays read_npz(const std::string& path);
void write_npz(const std::string& path, const NamedArrays& entries, bool compress = false);

// The same, in memory. `source` names the buffer in error messages.
NamedArrays npz_from_buffer(const unsigned char* data, size_t size,
                            const std::string& source = "<npz buffer>");
NamedArrays npz_from_buffer(const std::vector<unsigned char>& buffer,
                            const std::string& source = "<npz buffer>");
std::vector<unsigned char> npz_to_buffer(const NamedArrays& entries, bool compress = false);

}  // namespace tg::io
