// 8-bit RGB images from JPEG files (via libjpeg-turbo), and one reader for PNG or JPEG.
//
// Pixels are row-major, 3 bytes (R, G, B) per pixel, top row first, as in png.h. Reading
// converts baseline and progressive JPEGs in greyscale, YCbCr, RGB, CMYK or YCCK to 8-bit RGB.
//
// Errors: an unreadable, truncated or corrupt file throws tg::FileError (a tg::Error) naming the
// function, the file and libjpeg's message.
#pragma once
#include "data/file_error.h"
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tg::io {

std::vector<uint8_t> read_jpeg_rgb(const std::string& path, int& width, int& height);

// The same, in memory. `source` names the buffer in error messages.
std::vector<uint8_t> jpeg_rgb_from_buffer(const unsigned char* data, size_t size, int& width,
                                          int& height,
                                          const std::string& source = "<jpeg buffer>");

// A PNG or JPEG file, told apart by its first bytes (not by its name).
std::vector<uint8_t> read_image_rgb(const std::string& path, int& width, int& height);

}  // namespace tg::io
