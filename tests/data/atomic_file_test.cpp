// Durable writes: a writer killed at any point leaves the last good file loadable, a planted
// symlink is never written through, and every failure (a directory in the way) is reported.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>

#include "data/atomic_file.h"
#include "data/safetensors.h"
#include "tapegrad.h"

namespace tg::io {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("tapegrad_atomic_" + std::to_string(getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

TEST(AtomicFile, WritesReplaceAndLeaveNoTemporaryFiles) {
  TempDir dir;
  const std::string path = (dir.path / "a.txt").string();
  write_file_atomic(path, std::string("first"), "test");
  EXPECT_EQ(slurp(path), "first");
  write_file_atomic(path, std::string("second, longer"), "test");
  EXPECT_EQ(slurp(path), "second, longer");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), 1);
}

TEST(AtomicFile, APlantedSymlinkIsReplacedNotFollowed) {
  TempDir dir;
  const fs::path victim = dir.path / "victim.txt", target = dir.path / "model.safetensors";
  { std::ofstream(victim) << "keep me"; }
  fs::create_symlink(victim, target);
  // Also at every name a writer with fixed temporary names would open (nn::save once wrote
  // "<path>.partial" through "<path>.partial.tmp", following a symlink planted there).
  for (const char* suffix : {".partial", ".partial.tmp", ".tmp"}) {
    fs::create_symlink(victim, target.string() + suffix);
  }
  nn::Linear model(nn::LinearOptions(3, 2));
  nn::save(model, target.string());
  EXPECT_EQ(slurp(victim), "keep me");
  EXPECT_FALSE(fs::is_symlink(target));
  nn::Linear back(nn::LinearOptions(3, 2));
  nn::load(back, target.string());
  EXPECT_TRUE(equal(back->weight, model->weight));
}

TEST(AtomicFile, ADirectoryInTheWayIsAnErrorNotASilentSuccess) {
  TempDir dir;
  const fs::path target = dir.path / "last.safetensors";
  fs::create_directories(target / "inside");
  try {
    save_safetensors(target.string(), {{"w", ones({2})}});
    ADD_FAILURE() << "saving over a directory claimed success";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find(target.string()), std::string::npos) << e.what();
  }
  EXPECT_TRUE(fs::is_directory(target));
  // Nothing left behind but the directory.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), 1);
  EXPECT_THROW(write_file_atomic((dir.path / "no" / "such" / "dir.txt").string(),
                                 std::string("x"), "test"),
               tg::Error);
}

TEST(AtomicFile, AWriterKilledAtRandomPointsLeavesTheLastGoodFile) {
  TempDir dir;
  const std::string path = (dir.path / "state.safetensors").string();
  // Two versions of a few MiB each (so a write takes long enough to be interrupted),
  // prepared before the fork: the child only calls the file writer.
  auto version = [](float value, int64_t n) {
    std::vector<float> v(static_cast<size_t>(n), value);
    return NamedArrays{{"w", RawArray::from_values<float>({n}, v)}};
  };
  const NamedArrays a = version(1.0f, 1 << 20), b = version(2.0f, 3 << 19);
  write_safetensors(path, a);
  std::mt19937 rng(7);
  int interrupted = 0;
  for (int round = 0; round < 25; ++round) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      for (int i = 0;; ++i) {
        try {
          write_safetensors(path, i % 2 ? a : b);
        } catch (...) {
          _exit(3);
        }
      }
    }
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 40000)(rng)));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer failed on its own (status " << status << ")";
    interrupted += WTERMSIG(status) == SIGKILL;
    SafetensorsFile f = read_safetensors(path);  // must load, whole
    ASSERT_EQ(f.entries.size(), 1u);
    const std::vector<float> v = f.entries[0].second.values<float>();
    ASSERT_TRUE(v.size() == (1u << 20) || v.size() == (3u << 19)) << v.size();
    const float first = v.front();
    ASSERT_TRUE(first == 1.0f || first == 2.0f);
    for (float e : v) ASSERT_EQ(e, first);
  }
  EXPECT_EQ(interrupted, 25);
}

}  // namespace
}  // namespace tg::io
