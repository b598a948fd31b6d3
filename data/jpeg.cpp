// libjpeg reports errors through error_exit, which must not return: it longjmps back to the
// setjmp in jpeg_rgb_from_buffer. As in png.cpp, everything the error path needs lives in a
// heap state object created before setjmp, and its destructor frees libjpeg's structs on
// every exit path.
#include "data/file_error.h"
#include "data/jpeg.h"

#include "data/file_bytes.h"

#include <jpeglib.h>
#include <jerror.h>

#include <cerrno>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/png.h"

namespace tg::io {
namespace {

constexpr size_t kMaxPixels = size_t{1} << 28;  // the same sanity cap as for PNG
// What libjpeg may allocate for one image. Progressive and multi-scan files keep every
// coefficient of the image in memory (2 bytes per coefficient, ~6 bytes per pixel for 4:4:4
// colour) before the first row comes out; a header claiming a huge image would otherwise
// have libjpeg allocate and zero gigabytes for a file of a few hundred bytes. 512 MiB holds
// any baseline image within kMaxPixels and progressive ones up to ~90 megapixels (4:4:4).
constexpr long kMaxLibjpegMemory = 512L << 20;

struct ReadState {
  jpeg_decompress_struct cinfo{};
  jpeg_error_mgr jerr{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = "unknown libjpeg error";
  bool created = false;
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> row;
  ~ReadState() {
    if (created) jpeg_destroy_decompress(&cinfo);
  }
};

void on_error(j_common_ptr cinfo) {
  auto* state = reinterpret_cast<ReadState*>(cinfo->client_data);
  (*cinfo->err->format_message)(cinfo, state->message);
  std::longjmp(state->jump, 1);
}

// Warnings are ignored (e.g. extraneous bytes), except a premature end of the data, which
// libjpeg would otherwise pad with grey: a truncated file is an error.
void on_emit(j_common_ptr cinfo, int level) {
  if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) on_error(cinfo);
}

}  // namespace

std::vector<uint8_t> jpeg_rgb_from_buffer(const unsigned char* data, size_t size, int& width,
                                          int& height, const std::string& source) {
  const std::string prefix = "read_jpeg_rgb: " + source + ": ";
  if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) {
    throw tg::FileError(prefix + "not a JPEG file (bad signature)");
  }
  auto state = std::make_unique<ReadState>();
  jpeg_decompress_struct& cinfo = state->cinfo;
  cinfo.err = jpeg_std_error(&state->jerr);
  state->jerr.error_exit = on_error;
  state->jerr.emit_message = on_emit;
  cinfo.client_data = state.get();
  if (setjmp(state->jump)) throw tg::FileError(prefix + state->message);
  jpeg_create_decompress(&cinfo);
  state->created = true;
  cinfo.mem->max_memory_to_use = kMaxLibjpegMemory;  // beyond it: "Backing store not supported"
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  // The size is checked before jpeg_start_decompress, which allocates the image's buffers.
  if (cinfo.image_width == 0 || cinfo.image_height == 0 ||
      static_cast<size_t>(cinfo.image_width) * cinfo.image_height > kMaxPixels) {
    throw tg::FileError(prefix + "image size " + std::to_string(cinfo.image_width) + "x" +
                             std::to_string(cinfo.image_height) + " is out of range");
  }
  // libjpeg converts greyscale, YCbCr and RGB to RGB itself; CMYK and YCCK come out as
  // CMYK (stored inverted, as Adobe writes them) and are converted below.
  const bool cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(&cinfo);
  const size_t w = cinfo.output_width, h = cinfo.output_height;
  if (w == 0 || h == 0 || w * h > kMaxPixels) {
    throw tg::FileError(prefix + "image size " + std::to_string(w) + "x" +
                             std::to_string(h) + " is out of range");
  }
  // The pixels grow row by row as rows are decoded: a truncated file (libjpeg's premature
  // end warning is an error here) fails after allocating what it really holds.
  state->row.resize(w * cinfo.output_components);
  while (cinfo.output_scanline < h) {
    JSAMPROW rows[1] = {state->row.data()};
    if (jpeg_read_scanlines(&cinfo, rows, 1) != 1) {
      throw tg::FileError(prefix + "no more rows after row " +
                               std::to_string(cinfo.output_scanline));
    }
    if (!cmyk) {
      state->pixels.insert(state->pixels.end(), state->row.begin(), state->row.begin() + w * 3);
      continue;
    }
    for (size_t x = 0; x < w; ++x) {  // inverted CMYK: channel * k / 255
      const uint8_t* p = &state->row[x * 4];
      for (int c = 0; c < 3; ++c) {
        state->pixels.push_back(static_cast<uint8_t>((p[c] * p[3] + 127) / 255));
      }
    }
  }
  jpeg_finish_decompress(&cinfo);
  width = static_cast<int>(w);
  height = static_cast<int>(h);
  return std::move(state->pixels);
}

std::vector<uint8_t> read_jpeg_rgb(const std::string& path, int& width, int& height) {
  const std::vector<unsigned char> data = read_file_bytes(path, "read_jpeg_rgb");
  return jpeg_rgb_from_buffer(data.data(), data.size(), width, height, path);
}

std::vector<uint8_t> read_image_rgb(const std::string& path, int& width, int& height) {
  const std::vector<unsigned char> data = read_file_bytes(path, "read_image_rgb");
  if (data.size() >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) {
    return jpeg_rgb_from_buffer(data.data(), data.size(), width, height, path);
  }
  if (data.size() >= 8 && data[0] == 0x89 && data[1] == 'P' && data[2] == 'N' && data[3] == 'G') {
    return png_rgb_from_buffer(data.data(), data.size(), width, height, path);
  }
  throw tg::FileError("read_image_rgb: '" + path + "' is neither a PNG nor a JPEG file");
}

}  // namespace tg::io
