// libFuzzer target: the JPEG reader (libjpeg-turbo underneath; only tapegrad's side is
// instrumented for coverage, libjpeg's own code runs as Debian ships it).
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "data/jpeg.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  int w = 0, h = 0;
  try {
    std::vector<uint8_t> rgb = tg::io::jpeg_rgb_from_buffer(data, size, w, h, "fuzz");
    if (w <= 0 || h <= 0 || rgb.size() != static_cast<size_t>(w) * static_cast<size_t>(h) * 3) {
      __builtin_trap();
    }
  } catch (const std::exception&) {
  }
  return 0;
}
