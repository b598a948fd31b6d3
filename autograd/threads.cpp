#include "autograd/threads.h"

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <cstdlib>
#include <memory>
#include <mutex>

#include "autograd/error.h"

namespace tg {
namespace {

std::mutex control_mutex;
std::unique_ptr<tbb::global_control> control;

// Applies TG_NUM_THREADS once, before the first kernel asks.
struct EnvironmentThreads {
  EnvironmentThreads() {
    if (const char* env = std::getenv("TG_NUM_THREADS")) {
      const int n = std::atoi(env);
      if (n >= 1)
        control = std::make_unique<tbb::global_control>(
            tbb::global_control::max_allowed_parallelism, n);
    }
  }
};
EnvironmentThreads apply_environment;

}  // namespace

void set_num_threads(int n) {
  TG_CHECK(n >= 1, "set_num_threads: expected at least 1 thread, got ", n);
  std::lock_guard<std::mutex> lock(control_mutex);
  control.reset();
  control = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                  static_cast<std::size_t>(n));
}

int get_num_threads() {
  return static_cast<int>(
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

}  // namespace tg
