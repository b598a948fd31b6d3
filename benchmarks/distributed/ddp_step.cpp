// Times data-parallel training steps: run it as one process, or under `mpirun -np K`, with
// the same global batch. Prints the step time, images per second, the allreduce time per
// step and the share of it hidden behind backward, so the overlap and scaling of
// DistributedDataParallel can be read off one table.
//
//   ddp_step --model resnet --batch 64 --steps 20               # one process
//   mpirun -np 2 ddp_step --model resnet --batch 64 --steps 20  # two ranks, 32 images each
//
// --model takes every name tapegrad-train takes, the model zoo's included.
#include <tapegrad.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "distributed/distributed.h"
#include "examples/tapegrad-train/models.h"

int main(int argc, char** argv) {
  std::string model_name = "lenet";
  int64_t batch = 64, steps = 20, warmup = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--model")) model_name = argv[i + 1];
    else if (!std::strcmp(argv[i], "--batch")) batch = std::stoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--steps")) steps = std::stoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--warmup")) warmup = std::stoll(argv[i + 1]);
    else {
      std::cerr << "usage: ddp_step [--model NAME] [--batch N] [--steps N]\n  NAME: "
                << train::model_name_list() << "\n";
      return 2;
    }
  }
  namespace dist = tg::distributed;
  const bool distributed = dist::ProcessGroupMPI::launched_by_mpirun();
  std::shared_ptr<dist::ProcessGroupMPI> group;
  int rank = 0, size = 1;
  if (distributed) {
    group = dist::ProcessGroupMPI::create();
    rank = group->rank();
    size = group->size();
  }
  TG_CHECK(batch % size == 0, "ddp_step: batch ", batch, " does not split over ", size, " ranks");
  tg::manual_seed(1);
  tg::nn::AnyModule model = train::make_model(model_name);
  std::unique_ptr<dist::DistributedDataParallel<train::ModelHolder>> ddp;
  if (distributed)
    ddp = std::make_unique<dist::DistributedDataParallel<train::ModelHolder>>(
        train::ModelHolder{model}, group);
  tg::optim::SGD opt(model.ptr()->parameters(), tg::optim::SGDOptions(0.01).momentum(0.9));
  const int64_t local = batch / size;
  const int64_t side = train::model_input_size(model_name);
  tg::Tensor x = tg::randn({local, 1, side, side});
  tg::Tensor y = tg::randint(0, 10, {local});

  std::vector<double> times;
  double overlap_sum = 0, exposed_sum = 0;
  for (int64_t s = 0; s < warmup + steps; ++s) {
    if (group) group->barrier()->wait();
    const auto t0 = std::chrono::steady_clock::now();
    opt.zero_grad();
    tg::Tensor logits = ddp ? ddp->forward(x) : model.forward(x);
    tg::nn::functional::cross_entropy(logits, y).backward();
    opt.step();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s < warmup) continue;
    times.push_back(secs);
    if (ddp) {
      overlap_sum += ddp->reducer().last_overlap();
      exposed_sum += ddp->reducer().last_exposed_seconds();
    }
  }
  std::sort(times.begin(), times.end());
  const double median = times[times.size() / 2];
  int64_t params = 0;
  for (const tg::Tensor& p : model.ptr()->parameters()) params += p.numel();
  if (rank == 0) {
    std::cout << model_name << " global batch " << batch << " on " << size << " process(es) x "
              << tg::get_num_threads() << " thread(s): median step " << median * 1e3 << " ms (best "
              << times.front() * 1e3 << "), " << batch / median << " img/s, gradients " << params * 4 / 1e6 << " MB";
    if (ddp)
      std::cout << ", " << ddp->reducer().buckets().size() << " buckets, allreduce hidden "
                << 100.0 * overlap_sum / steps << "%, exposed " << 1e3 * exposed_sum / steps
                << " ms/step";
    std::cout << "\n";
  }
  return 0;
}
