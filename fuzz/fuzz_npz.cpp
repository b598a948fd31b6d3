// libFuzzer target: the .npz (zip) reader. Built with FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION,
// which skips the CRC-32 comparison, so that mutated members reach the .npy parser instead of
// stopping at the checksum.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "data/npz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    for (const auto& [name, a] : tg::io::npz_from_buffer(data, size, "fuzz")) {
      tg::io::check_raw_array("fuzz", a);
    }
  } catch (const std::exception&) {
  }
  return 0;
}
