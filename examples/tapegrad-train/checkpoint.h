// Checkpoints: model parameters and buffers, optimizer state, and what is needed to resume
// bit for bit (epoch, generator state, history), in one safetensors file.
#pragma once
#include <string>

#include <tapegrad.h>

#include "report.h"

namespace train {

struct Checkpoint {
  int64_t epoch = 0;  // epochs completed
  double best_accuracy = -1;
  History history;
  std::string generator_state;
};

void save_checkpoint(const std::string& path, const tg::nn::Module& model,
                     const tg::optim::Optimizer& optimizer, const Checkpoint& ck);
// Restores model and optimizer in place and returns the rest.
Checkpoint load_checkpoint(const std::string& path, tg::nn::Module& model,
                           tg::optim::Optimizer& optimizer);

}  // namespace train
