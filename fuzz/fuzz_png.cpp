// libFuzzer target: the PNG reader. Built with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, which
// makes libpng ignore chunk CRCs so that mutations reach the image data.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "data/png.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int w = 0, h = 0;
  try {
    std::vector<uint8_t> rgb = tg::io::png_rgb_from_buffer(data, size, w, h, "fuzz");
    if (rgb.size() != static_cast<size_t>(w) * static_cast<size_t>(h) * 3) __builtin_trap();
  } catch (const std::exception&) {
  }
  return 0;
}
