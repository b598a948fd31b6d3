// Every writer, killed at random points, leaves the last good file: for each kind of file
// tapegrad or its trainer writes (model, optimizer, the trainer's checkpoint, curve.csv and
// plot, a profile trace, npz, IDX), a writer process (tests/durable/writer.cpp) rewrites the
// file in a loop and is killed with SIGKILL after a random delay; the file must then load
// with its reader and hold exactly one of the two versions written. Kills that land inside
// a write leave a temporary file beside the target (never the target half-written); the test
// checks that some did, so the window it is about was hit.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

std::string writer_path() {
  return (fs::read_symlink("/proc/self/exe").parent_path() / "tapegrad_durable_writer").string();
}

pid_t spawn(const std::vector<std::string>& args, int stdout_fd) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (stdout_fd >= 0) posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

int run(const std::vector<std::string>& args) {
  const pid_t pid = spawn(args, -1);
  if (pid < 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(DurableWrites, EveryWriterKilledAtRandomPointsLeavesTheLastGoodFile) {
  const std::string writer = writer_path();
  ASSERT_TRUE(fs::exists(writer)) << writer;
  const fs::path root = fs::temp_directory_path() / ("tapegrad_durable_" + std::to_string(getpid()));
  fs::remove_all(root);
  std::mt19937 rng(2024);
  int kills = 0, inside_a_write = 0;
  for (const std::string kind :
       {"model", "optimizer", "checkpoint", "curve", "plot", "profile", "npz", "idx"}) {
    SCOPED_TRACE(kind);
    const fs::path dir = root / kind, refs = root / (kind + "_refs");
    fs::create_directories(dir);
    fs::create_directories(refs);
    const std::string path = (dir / "file").string();
    ASSERT_EQ(run({writer, kind, path, "once", refs.string()}), 0);
    // Each writer first checks the file the previous one left (exit 1 if it does not load or
    // holds neither version), then rewrites it in a loop until it is killed.
    for (int round = 0; round < 5; ++round) {
      int pipe_fds[2];
      ASSERT_EQ(pipe(pipe_fds), 0);
      const pid_t child = spawn({writer, kind, path, "loop", refs.string()}, pipe_fds[1]);
      close(pipe_fds[1]);
      ASSERT_GT(child, 0);
      // "ready" once the file is checked and the versions built, then "w" after each write:
      // the time between two writes is the loop's period, and the kill comes at a random
      // point of the next one (so it lands inside a write as often as writing takes of the
      // loop, whatever the build's speed: a fixed delay never reached a write under ASan).
      auto read_line = [&] {
        std::string line;
        char c = 0;
        while (read(pipe_fds[0], &c, 1) == 1) {
          if (c == '\n') return line;
          line += c;
        }
        return std::string("(end)");
      };
      const std::string first = read_line();
      if (first != "ready") {
        close(pipe_fds[0]);
        int status = 0;
        waitpid(child, &status, 0);
        FAIL() << "round " << round << ": the file left by the killed writer is not whole "
               << "(writer status " << status << ")";
      }
      using Clock = std::chrono::steady_clock;
      EXPECT_EQ(read_line(), "w");
      const auto t1 = Clock::now();
      EXPECT_EQ(read_line(), "w");
      const auto period = Clock::now() - t1;
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(period).count();
      std::this_thread::sleep_for(std::chrono::microseconds(
          std::uniform_int_distribution<long long>(0, std::max<long long>(micros, 1))(rng)));
      kill(child, SIGKILL);
      int status = 0;
      waitpid(child, &status, 0);
      close(pipe_fds[0]);  // only now: a closed pipe would stop the writer with SIGPIPE
      ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
          << "the writer stopped on its own (status " << status << ")";
      ++kills;
    }
    ASSERT_EQ(run({writer, kind, path, "check", refs.string()}), 0);
    // Besides the file, only the temporary files of writes that were cut short.
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name == "file") continue;
      EXPECT_TRUE(name.rfind(".file.", 0) == 0 && name.size() > 4 &&
                  name.compare(name.size() - 4, 4, ".tmp") == 0)
          << name;
      ++inside_a_write;
    }
  }
  std::printf("[          ] %d writers killed, %d of them inside a write\n", kills,
              inside_a_write);
  EXPECT_GT(inside_a_write, 0) << "no kill landed inside a write; the test proves little";
  fs::remove_all(root);
}

}  // namespace
