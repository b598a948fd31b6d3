#include "data/file_bytes.h"
#include "data/file_error.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace tg::io {

std::vector<unsigned char> read_file_bytes(const std::string& path, const char* op) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    throw tg::FileError(std::string(op) + ": cannot open '" + path + "': " +
                             std::strerror(errno));
  }
  std::vector<unsigned char> data;
  unsigned char chunk[1 << 16];
  size_t got;
  while ((got = std::fread(chunk, 1, sizeof(chunk), f)) > 0) {
    data.insert(data.end(), chunk, chunk + got);
  }
  bool bad = std::ferror(f) != 0;
  int err = errno;
  std::fclose(f);
  if (bad) {
    throw tg::FileError(std::string(op) + ": error reading '" + path + "': " +
                             std::strerror(err));
  }
  return data;
}

}  // namespace tg::io
