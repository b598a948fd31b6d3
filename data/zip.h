// Reading zip archives in memory: the shared reader behind .npz archives and PyTorch's
// torch.save files (a zip of a pickle and raw storages).
//
// Handles stored and deflated members, ZIP64 records and data-descriptor flags (sizes are
// taken from the central directory), and checks each member's CRC-32. Every offset and size
// is checked against the buffer before use; an impossible deflate ratio is refused before
// anything is allocated. Errors throw tg::FileError (a tg::Error) "<op>: <source>: <what>".
#pragma once
#include "data/file_error.h"
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "data/file_bytes.h"

namespace tg::io {

struct ZipMember {
  std::string name;
  // The member's bytes: a view into the archive buffer for stored members, or `inflated`.
  const unsigned char* bytes() const { return inflated.empty() ? stored : inflated.data(); }
  uint64_t size = 0;
  const unsigned char* stored = nullptr;
  std::vector<unsigned char> inflated;
};

// Every file member (directory entries are skipped) in central-directory order. The views of
// stored members point into `data`, which must outlive the result.
std::vector<ZipMember> read_zip_members(const unsigned char* data, size_t size,
                                        const std::string& source, const char* op);

// The names of every member, without reading or checking their data (cheap sniffing).
std::vector<std::string> zip_member_names(const unsigned char* data, size_t size,
                                          const std::string& source, const char* op);

// CRC-32 (zlib's) of a buffer of any size.
uint32_t zip_crc32(const unsigned char* data, size_t size);

}  // namespace tg::io
