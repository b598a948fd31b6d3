// Saving and loading an optimizer's whole state (and a scheduler's), libtorch's spelling:
//
//   tg::save(optimizer, "optimizer.pt");
//   tg::load(optimizer, "optimizer.pt");   // same optimizer type, same groups and sizes
//
// The file is safetensors: each per-parameter state tensor as "state.<i>.<name>" (parameters
// numbered in group order, as PyTorch's optimizer.state_dict(); e.g. "state.0.exp_avg",
// "state.0.step" as a 0-d float64), and in the metadata, as small JSON, what is not a tensor:
//   "format": "tapegrad.optimizer", "optimizer": "Adam",
//   "param_groups": [{"params": [0, 1], "lr": 0.001, "beta1": 0.9, ..., "initial_lr": 0.01}]
// Loading checks the optimizer type, the groups and every tensor's shape before changing
// anything: a failed load throws tg::Error and leaves the optimizer exactly as it was.
#pragma once
#include <string>

#include "optim/optimizer.h"

namespace tg {

namespace optim {
class LRScheduler;
class ReduceLROnPlateau;
}  // namespace optim

void save(const optim::Optimizer& optimizer, const std::string& path);
void load(optim::Optimizer& optimizer, const std::string& path);

// A learning-rate scheduler's state_dict() (optim/scheduler_state.h) as a small JSON file,
// {"format": "tapegrad.lr_scheduler", "state": {...}}, written atomically. Loading checks
// the scheduler's type and every field first; a failed load leaves the scheduler as it was.
// Load the optimizer's file too: the groups' learning rates live there.
void save(const optim::LRScheduler& scheduler, const std::string& path);
void load(optim::LRScheduler& scheduler, const std::string& path);
void save(const optim::ReduceLROnPlateau& scheduler, const std::string& path);
void load(optim::ReduceLROnPlateau& scheduler, const std::string& path);

}  // namespace tg

namespace tg::optim {

// The file's contents without the file (what save writes, what load reads).
struct SavedOptimizer {
  std::string optimizer;  // the optimizer's name
  OptimizerStateDict state;
  std::vector<std::optional<double>> initial_lrs;  // per group
};
SavedOptimizer read_optimizer_file(const std::string& path);

}  // namespace tg::optim
