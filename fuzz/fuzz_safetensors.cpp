// libFuzzer target: the safetensors reader.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "data/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    tg::io::SafetensorsFile f = tg::io::safetensors_from_buffer(data, size, "fuzz");
    for (const auto& [name, a] : f.entries) tg::io::check_raw_array("fuzz", a);
  } catch (const std::exception&) {
  }
  return 0;
}
