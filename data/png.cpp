// libpng reports errors by longjmp back to the setjmp in the calling function. To keep that
// well defined: everything the error path needs lives in a heap state object created before
// setjmp (so no local is modified between setjmp and longjmp), libpng callbacks never let a
// C++ exception cross libpng's C frames, and the state's destructor frees the libpng structs
// on every exit path.
#include "data/file_error.h"
#include "data/png.h"

#include "data/file_bytes.h"

#include "data/atomic_file.h"

#include <png.h>

#include <cerrno>
#include <climits>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tg::io {
namespace {

constexpr size_t kMaxPixels = size_t{1} << 28;  // 268M pixels (768 MiB of RGB): a sanity cap

struct ErrorText {
  char text[256] = "unknown libpng error";
};

void on_error(png_structp png, png_const_charp message) {
  auto* err = static_cast<ErrorText*>(png_get_error_ptr(png));
  std::snprintf(err->text, sizeof(err->text), "%s", message ? message : "libpng error");
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}  // benign (e.g. unknown ancillary chunks)

struct WriteState {
  ErrorText error;
  std::vector<unsigned char> out;
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~WriteState() {
    if (png) png_destroy_write_struct(&png, info ? &info : nullptr);
  }
};

void write_bytes(png_structp png, png_bytep data, png_size_t length) {
  auto* state = static_cast<WriteState*>(png_get_io_ptr(png));
  bool out_of_memory = false;
  try {
    state->out.insert(state->out.end(), data, data + length);
  } catch (...) {
    out_of_memory = true;
  }
  if (out_of_memory) png_error(png, "out of memory while writing");  // outside the catch
}

void flush_bytes(png_structp) {}

struct ReadState {
  ErrorText error;
  const unsigned char* data = nullptr;
  size_t size = 0, pos = 0;
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> row;  // here, not a local: libpng's longjmp skips local destructors
  std::vector<png_bytep> rows;
  png_structp png = nullptr;
  png_infop info = nullptr;
  ~ReadState() {
    if (png) png_destroy_read_struct(&png, info ? &info : nullptr, nullptr);
  }
};

void read_bytes(png_structp png, png_bytep out, png_size_t length) {
  auto* state = static_cast<ReadState*>(png_get_io_ptr(png));
  if (length > state->size - state->pos) png_error(png, "unexpected end of data (truncated)");
  std::memcpy(out, state->data + state->pos, length);
  state->pos += length;
}

}  // namespace

std::vector<unsigned char> png_rgb_to_buffer(int width, int height,
                                             const std::vector<uint8_t>& rgb) {
  if (width <= 0 || height <= 0 || static_cast<size_t>(width) * height > kMaxPixels) {
    throw std::invalid_argument("write_png_rgb: width and height must be positive (and at most " +
                                std::to_string(kMaxPixels) + " pixels in all), got " +
                                std::to_string(width) + "x" + std::to_string(height));
  }
  size_t expected = static_cast<size_t>(width) * height * 3;
  if (rgb.size() != expected) {
    throw std::invalid_argument("write_png_rgb: a " + std::to_string(width) + "x" +
                                std::to_string(height) + " RGB image needs " +
                                std::to_string(expected) + " bytes, got " +
                                std::to_string(rgb.size()));
  }
  auto state = std::make_unique<WriteState>();
  state->png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &state->error, on_error,
                                       on_warning);
  if (!state->png) throw tg::FileError("write_png_rgb: png_create_write_struct failed");
  state->info = png_create_info_struct(state->png);
  if (!state->info) throw tg::FileError("write_png_rgb: png_create_info_struct failed");

  if (setjmp(png_jmpbuf(state->png))) {
    throw tg::FileError(std::string("write_png_rgb: libpng error: ") + state->error.text);
  }
  png_set_write_fn(state->png, state.get(), write_bytes, flush_bytes);
  png_set_IHDR(state->png, state->info, static_cast<png_uint_32>(width),
               static_cast<png_uint_32>(height), 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(state->png, state->info);
  for (int y = 0; y < height; ++y) {
    png_write_row(state->png, rgb.data() + static_cast<size_t>(y) * width * 3);
  }
  png_write_end(state->png, nullptr);
  return std::move(state->out);
}

void write_png_rgb(const std::string& path, int width, int height,
                   const std::vector<uint8_t>& rgb) {
  std::vector<unsigned char> data = png_rgb_to_buffer(width, height, rgb);
  write_file_atomic(path, data, "write_png_rgb");
}

std::vector<uint8_t> png_rgb_from_buffer(const unsigned char* data, size_t size, int& width,
                                         int& height, const std::string& source) {
  const std::string prefix = "read_png_rgb: " + source + ": ";
  if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
    throw tg::FileError(prefix + "not a PNG file (bad signature)");
  }
  auto state = std::make_unique<ReadState>();
  state->data = data;
  state->size = size;
  state->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state->error, on_error,
                                      on_warning);
  if (!state->png) throw tg::FileError(prefix + "png_create_read_struct failed");
  state->info = png_create_info_struct(state->png);
  if (!state->info) throw tg::FileError(prefix + "png_create_info_struct failed");

  if (setjmp(png_jmpbuf(state->png))) {
    throw tg::FileError(prefix + state->error.text);
  }
  png_set_read_fn(state->png, state.get(), read_bytes);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION  // fuzzing: mutations must reach the image data
  png_set_crc_action(state->png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#endif
  png_read_info(state->png, state->info);
  png_uint_32 w = png_get_image_width(state->png, state->info);
  png_uint_32 h = png_get_image_height(state->png, state->info);
  if (w == 0 || h == 0 || w > INT_MAX || h > INT_MAX || static_cast<size_t>(w) * h > kMaxPixels) {
    throw tg::FileError(prefix + "image size " + std::to_string(w) + "x" +
                             std::to_string(h) + " is out of range");
  }
  // Normalise every colour type and bit depth to 8-bit RGB.
  png_set_expand(state->png);        // palette -> RGB, grey < 8 bits -> 8 bits, tRNS -> alpha
  png_set_strip_16(state->png);
  png_set_strip_alpha(state->png);
  png_set_gray_to_rgb(state->png);
  // The image data is deflated, which expands at most ~1032:1: a header that claims more
  // rows than the file's bytes can hold is refused before anything is allocated.
  const uint64_t file_row_bytes = png_get_rowbytes(state->png, state->info);
  const uint64_t inflated = (file_row_bytes + 1) * h;  // one filter byte per row
  if (inflated / 1032 > size) {
    throw tg::FileError(prefix + "image size " + std::to_string(w) + "x" +
                             std::to_string(h) + " is impossible for a " + std::to_string(size) +
                             "-byte file");
  }
  const int passes = png_set_interlace_handling(state->png);
  png_read_update_info(state->png, state->info);
  size_t row_bytes = png_get_rowbytes(state->png, state->info);
  if (row_bytes != static_cast<size_t>(w) * 3) {
    throw tg::FileError(prefix + "unexpected row size after conversion to RGB");
  }
  if (passes == 1) {
    // Row by row, the buffer growing as rows arrive: a truncated or lying file fails after
    // allocating what it really holds.
    state->row.resize(row_bytes);
    for (png_uint_32 y = 0; y < h; ++y) {
      png_read_row(state->png, state->row.data(), nullptr);
      state->pixels.insert(state->pixels.end(), state->row.begin(), state->row.end());
    }
  } else {  // interlaced: every pass writes into the whole image
    state->pixels.resize(static_cast<size_t>(w) * h * 3);
    state->rows.resize(h);
    for (png_uint_32 y = 0; y < h; ++y) state->rows[y] = state->pixels.data() + y * row_bytes;
    png_read_image(state->png, state->rows.data());
  }
  png_read_end(state->png, nullptr);
  width = static_cast<int>(w);
  height = static_cast<int>(h);
  return std::move(state->pixels);
}

std::vector<uint8_t> read_png_rgb(const std::string& path, int& width, int& height) {
  std::vector<unsigned char> data = read_file_bytes(path, "read_png_rgb");
  return png_rgb_from_buffer(data.data(), data.size(), width, height, "'" + path + "'");
}

}  // namespace tg::io
