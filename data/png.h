// 8-bit RGB images to and from PNG (via libpng).
//
// Pixels are row-major, 3 bytes (R, G, B) per pixel, top row first: rgb.size() must be
// width * height * 3. Reading converts any PNG (palette, grey, 16-bit, with alpha, interlaced)
// to 8-bit RGB; alpha is dropped.
//
// Errors: bad arguments throw std::invalid_argument; an unreadable, truncated or corrupt file
// throws tg::FileError (a tg::Error) naming the function, the file and libpng's message.
#pragma once
#include "data/file_error.h"
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tg::io {

void write_png_rgb(const std::string& path, int width, int height,
                   const std::vector<uint8_t>& rgb);
std::vector<uint8_t> read_png_rgb(const std::string& path, int& width, int& height);

// The same, in memory. `source` names the buffer in error messages.
std::vector<unsigned char> png_rgb_to_buffer(int width, int height,
                                             const std::vector<uint8_t>& rgb);
std::vector<uint8_t> png_rgb_from_buffer(const unsigned char* data, size_t size, int& width,
                                         int& height, const std::string& source = "<png buffer>");

}  // namespace tg::io
