// libFuzzer target: the IDX reader, plain from memory and (for input starting with the gzip
// magic) gzip-compressed through read_idx on an in-memory file.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "data/idx.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    tg::io::check_raw_array("fuzz", tg::io::idx_from_buffer(data, size, "fuzz"));
  } catch (const std::exception&) {
  }
  if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
    static const int fd = memfd_create("fuzz_idx", 0);
    if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) {
      __builtin_trap();
    }
    try {
      tg::io::check_raw_array("fuzz", tg::io::read_idx("/proc/self/fd/" + std::to_string(fd)));
    } catch (const std::exception&) {
    }
  }
  return 0;
}
