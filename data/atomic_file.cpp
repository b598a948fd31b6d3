#include "data/atomic_file.h"
#include "data/file_error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>

namespace tg::io {
namespace {

[[noreturn]] void fail(const char* op, const std::string& what, const std::string& path,
                       int err) {
  throw tg::FileError(std::string(op) + ": cannot " + what + " '" + path + "': " +
                           std::strerror(err));
}

std::string directory_of(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// A name no other writer (thread, process) picks: process id, a per-process counter and
// random bits.
std::string temp_name_for(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  thread_local std::mt19937_64 bits(std::random_device{}() ^
                                    static_cast<uint64_t>(
                                        std::chrono::steady_clock::now().time_since_epoch().count()));
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  char suffix[64];
  std::snprintf(suffix, sizeof suffix, ".%ld.%llu.%016llx.tmp", static_cast<long>(getpid()),
                static_cast<unsigned long long>(counter++),
                static_cast<unsigned long long>(bits()));
  return dir + "." + base + suffix;
}

bool write_all(int fd, const unsigned char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t got = ::write(fd, p, n);
    if (got < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

// fsync of the directory that holds the new name; file systems that cannot sync a
// directory (EINVAL) make their renames durable by other means.
void sync_directory(const std::string& dir, const char* op) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail(op, "open the directory", dir, errno);
  int err = 0;
  if (::fsync(fd) != 0 && errno != EINVAL) err = errno;
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno;
  if (err != 0) fail(op, "sync the directory", dir, err);
}

}  // namespace

void write_file_atomic(const std::string& path, const std::function<bool(int fd)>& fill,
                       const char* op) {
  if (path.empty()) throw tg::FileError(std::string(op) + ": empty file name");
  std::string tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0; ++attempt) {
    tmp = temp_name_for(path);
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && (errno != EEXIST || attempt == 16)) {
      fail(op, "create a temporary file for", path, errno);
    }
  }
  int err = 0;
  const char* step = "write";
  try {
    if (!fill(fd)) err = errno ? errno : EIO;
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (err == 0 && ::fsync(fd) != 0) err = errno, step = "sync";
  if (::close(fd) != 0 && err == 0 && errno != EINTR) err = errno, step = "close";
  if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno, step = "rename over";
  if (err != 0) {
    ::unlink(tmp.c_str());
    fail(op, step, path, err);
  }
  sync_directory(directory_of(path), op);
}

void write_file_atomic(const std::string& path, const void* data, std::size_t size,
                       const char* op) {
  write_file_atomic(
      path,
      [&](int fd) {
        errno = 0;
        return write_all(fd, static_cast<const unsigned char*>(data), size);
      },
      op);
}

void write_file_atomic(const std::string& path, const std::vector<unsigned char>& bytes,
                       const char* op) {
  write_file_atomic(path, bytes.data(), bytes.size(), op);
}

void write_file_atomic(const std::string& path, const std::string& text, const char* op) {
  write_file_atomic(path, text.data(), text.size(), op);
}

}  // namespace tg::io
