// Soak: LeNet-5 trained on Fashion-MNIST for STEPS steps at batch 8 (Adam, shuffled loader
// with two workers and a transform, so epochs end and restart), sampling the resident set
// size every 250 steps. After a warm-up of WARMUP steps (allocator pools and caches filled,
// the loader's first epoch started) the process must not grow:
//
//   - autograd nodes alive (tg::memory::live_objects) after every sampled step are exactly
//     as many as at the end of the warm-up, since a step frees all it recorded; live
//     storages are within 16 of it (the loader's batches in flight vary: up to two workers'
//     batches of data and targets), where a leak of one storage per step would add 250
//     between two samples;
//   - RSS never exceeds its value at the end of the warm-up by more than TOLERANCE_MIB.
//     The tolerance absorbs allocator noise (TBB's and glibc's per-thread caches settle at
//     slightly different sizes, the loader's batches are allocated on worker threads); a
//     leak of one activation per step (LeNet-5 at batch 8: the smallest is 8 x 84 floats,
//     2.6 KiB) would add 24 MiB over 9,000 steps, well above it.
//
// Usage: tapegrad_soak_lenet [STEPS=10000] [WARMUP=1000] [TOLERANCE_MIB=4]
// Prints the samples and exits 1 if a check fails.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "autograd/live_objects.h"
#include "tapegrad.h"

namespace {

double rss_mib() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  f >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / 1048576.0;
}

}  // namespace

int main(int argc, char** argv) {
  const long steps = argc > 1 ? std::atol(argv[1]) : 10000;
  const long warmup = argc > 2 ? std::atol(argv[2]) : 1000;
  const double tolerance = argc > 3 ? std::atof(argv[3]) : 4.0;
  if (steps <= warmup || warmup < 1) {
    std::fprintf(stderr, "usage: %s [STEPS > WARMUP] [WARMUP >= 1] [TOLERANCE_MIB]\n", argv[0]);
    return 2;
  }
  namespace nn = tg::nn;
  namespace data = tg::data;
  try {
    tg::manual_seed(1);
    const double rss_start = rss_mib();
    data::TensorDataset train = data::FashionMNIST(data::Split::Train);
    data::DataLoader loader(train,
                            data::DataLoaderOptions(8).shuffle(true).seed(1).workers(2),
                            data::Normalize({0.2860}, {0.3530}));
    nn::models::LeNet5 model;
    tg::optim::Adam adam(model->parameters(), tg::optim::AdamOptions(1e-3));
    model->train();

    const auto t0 = std::chrono::steady_clock::now();
    double rss_warm = 0, rss_max = 0, loss_sum = 0;
    tg::memory::LiveObjects live_warm{};
    long step = 0, live_mismatches = 0;
    for (int64_t epoch = 0; step < steps; ++epoch) {
      for (const data::Example<>& batch : loader.epoch(epoch)) {
        adam.zero_grad();
        tg::Tensor loss = tg::cross_entropy(model->forward(batch.data), batch.target);
        loss.backward();
        adam.step();
        loss_sum += loss.item<double>();
        ++step;
        if (step == warmup || (step > warmup && step % 250 == 0) || step == steps) {
          // The batch, the loss and the gradients of this step are still alive here; they
          // are the same kinds and sizes at every sample.
          const double rss = rss_mib();
          const tg::memory::LiveObjects live = tg::memory::live_objects();
          if (step == warmup) {
            rss_warm = rss_max = rss;
            live_warm = live;
          }
          rss_max = std::max(rss_max, rss);
          const bool same = live.nodes == live_warm.nodes &&
                            std::llabs(live.storages - live_warm.storages) <= 16;
          live_mismatches += !same;
          std::printf("step %6ld  rss %7.1f MiB  storages %lld (%lld bytes)  nodes %lld  "
                      "mean loss %.3f%s\n",
                      step, rss, static_cast<long long>(live.storages),
                      static_cast<long long>(live.storage_bytes),
                      static_cast<long long>(live.nodes), loss_sum / step,
                      same ? "" : "  <- differs from the warm-up");
        }
        if (step == steps) break;
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double growth = rss_max - rss_warm;
    std::printf("%ld steps at batch 8 in %.1f s; RSS at start %.1f MiB, after %ld warm-up "
                "steps %.1f MiB, at most %.1f MiB after (growth %.2f MiB, tolerance %.1f MiB); "
                "live objects differed at %ld samples\n",
                steps, seconds, rss_start, warmup, rss_warm, rss_max, growth, tolerance,
                live_mismatches);
    if (live_mismatches != 0 || growth > tolerance) {
      std::printf("FAILED: memory is not flat after the warm-up\n");
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "soak: %s\n", e.what());
    return 1;
  }
}
