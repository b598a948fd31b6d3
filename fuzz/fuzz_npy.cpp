// libFuzzer target: the .npy reader (scripts/fuzz.sh npy SECONDS).
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "data/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    tg::io::RawArray a = tg::io::npy_from_buffer(data, size, "fuzz");
    tg::io::check_raw_array("fuzz", a);  // what the reader returns is consistent
  } catch (const std::exception&) {
  }
  return 0;
}
