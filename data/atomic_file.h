// Durable, atomic file writes: after write_file_atomic returns, `path` holds the new bytes
// even across a crash or power loss; if it throws, or the process dies at any point, `path`
// still holds its previous content (or does not exist, as before).
//
// How: a fresh temporary file beside the target (a random name, opened with O_CREAT|O_EXCL|
// O_NOFOLLOW, so a planted file or symlink is never written through), every byte written,
// fsync, rename over the target (which replaces a symlink at `path` rather than following
// it), then fsync of the directory so the rename itself is on disk. Every call's result is
// checked; on failure the temporary file is removed and tg::FileError (a tg::Error) names `op`, the
// path and the system's reason.
#pragma once
#include "data/file_error.h"
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace tg::io {

void write_file_atomic(const std::string& path, const void* data, std::size_t size,
                       const char* op);
void write_file_atomic(const std::string& path, const std::vector<unsigned char>& bytes,
                       const char* op);
void write_file_atomic(const std::string& path, const std::string& text, const char* op);

// The general form: `fill(fd)` writes the content to the open temporary file (and returns
// false, or throws, on failure); the rest is as above.
void write_file_atomic(const std::string& path, const std::function<bool(int fd)>& fill,
                       const char* op);

}  // namespace tg::io
