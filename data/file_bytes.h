// A whole file's bytes, for the readers that parse from memory (npy, npz, safetensors, PNG,
// JPEG, PyTorch files).
#pragma once
#include "data/file_error.h"
#include <string>
#include <vector>

namespace tg::io {

// Throws tg::FileError (a tg::Error) "<op>: cannot open '<path>': ..." or
// "<op>: error reading ...".
std::vector<unsigned char> read_file_bytes(const std::string& path, const char* op);

}  // namespace tg::io
