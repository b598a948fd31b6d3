// The MPI test runner: one process group for the whole run, then GoogleTest on every rank.
// Only rank 0 prints results; every rank's failures decide its exit code, and mpirun fails
// when any rank does.
#include <gtest/gtest.h>

#include "distributed/process_group.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto group = tg::distributed::ProcessGroupMPI::create();
  if (group->rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int failed = RUN_ALL_TESTS();
  group->barrier()->wait();
  return failed;
}
