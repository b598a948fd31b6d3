// A two-rank job in which rank 1 fails (mode: throw, hang, kill) while rank 0 waits in a
// collective. The job must end promptly, non-zero, naming the failed rank.
#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

#include "distributed/process_group.h"
#include "ops/ops.h"

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "throw";
  tg::distributed::ProcessGroupOptions options;
  options.timeout_seconds = 5;
  auto pg = tg::distributed::ProcessGroupMPI::create(options);
  tg::Tensor x = tg::ones({1000});
  pg->allreduce(x)->wait();  // both ranks are up
  if (pg->rank() == 1) {
    if (mode == "throw") throw tg::Error("training step 3: loss is nan");
    if (mode == "kill") std::raise(SIGKILL);
    if (mode == "hang") std::this_thread::sleep_for(std::chrono::seconds(600));
  }
  pg->allreduce(x)->wait();  // rank 0 waits here for a rank that will never come
  std::cout << "unreachable: rank " << pg->rank() << " finished" << std::endl;
  return 0;
}
