#include "checkpoint.h"

#include <sstream>

#include "data/tensor_io.h"

namespace train {
namespace {

std::string history_to_text(const History& h) {
  std::ostringstream os;
  os.precision(17);
  for (const EpochRecord& r : h)
    os << r.epoch << ' ' << r.train_loss << ' ' << r.train_accuracy << ' ' << r.test_loss << ' '
       << r.test_accuracy << ' ' << r.seconds << ' ' << r.images_per_second << '\n';
  return os.str();
}

History history_from_text(const std::string& text) {
  History h;
  std::istringstream is(text);
  EpochRecord r{};
  while (is >> r.epoch >> r.train_loss >> r.train_accuracy >> r.test_loss >> r.test_accuracy >>
         r.seconds >> r.images_per_second)
    h.push_back(r);
  return h;
}

const std::string& meta(const std::map<std::string, std::string>& m, const std::string& key,
                        const std::string& path) {
  auto it = m.find(key);
  TG_CHECK(it != m.end(), "tapegrad-train: ", path, " is not a tapegrad-train checkpoint (no '",
           key, "' in its metadata)");
  return it->second;
}

}  // namespace

void save_checkpoint(const std::string& path, const tg::nn::Module& model,
                     const tg::optim::Optimizer& optimizer, const Checkpoint& ck) {
  tg::io::NamedTensors tensors;
  for (const auto& item : model.state_dict()) tensors.emplace_back("model." + item.key(), item.value());
  for (const auto& item : optimizer.state_dict().flatten())
    tensors.emplace_back("optimizer." + item.key(), item.value());
  std::ostringstream best;
  best.precision(17);
  best << ck.best_accuracy;
  // Written to a temporary file, synced and renamed over `path` (every step checked): never a
  // half-written checkpoint, and a failure throws instead of claiming the file was written.
  tg::io::save_safetensors(path, tensors,
                           {{"format", "tapegrad-train checkpoint"},
                            {"epoch", std::to_string(ck.epoch)},
                            {"best_accuracy", best.str()},
                            {"generator", ck.generator_state},
                            {"history", history_to_text(ck.history)}});
}

Checkpoint load_checkpoint(const std::string& path, tg::nn::Module& model,
                           tg::optim::Optimizer& optimizer) {
  tg::io::LoadedTensors file = tg::io::load_safetensors(path);
  tg::OrderedDict<std::string, tg::Tensor> model_state, optimizer_state;
  for (auto& [name, t] : file.tensors) {
    if (name.rfind("model.", 0) == 0) model_state.insert(name.substr(6), t);
    else if (name.rfind("optimizer.", 0) == 0) optimizer_state.insert(name.substr(10), t);
  }
  // Everything is read and parsed before the model or the optimizer changes.
  const tg::optim::OptimizerStateDict optimizer_dict =
      tg::optim::OptimizerStateDict::unflatten(optimizer_state);
  Checkpoint ck;
  try {
    ck.epoch = std::stoll(meta(file.metadata, "epoch", path));
    ck.best_accuracy = std::stod(meta(file.metadata, "best_accuracy", path));
  } catch (const std::logic_error& e) {  // std::invalid_argument, std::out_of_range
    throw tg::Error(tg::format_message("tapegrad-train: ", path, " has a malformed epoch or "
                                       "best_accuracy (", e.what(), ")"));
  }
  ck.generator_state = meta(file.metadata, "generator", path);
  tg::Generator().set_state(ck.generator_state);  // refused here, before anything changes
  ck.history = history_from_text(meta(file.metadata, "history", path));
  // Each load checks its whole state before it writes anything; if the optimizer refuses its
  // state after the model took its own, the model gets its previous values back, so a failed
  // resume leaves both exactly as they were.
  tg::OrderedDict<std::string, tg::Tensor> previous("State");
  for (const auto& item : model.state_dict()) previous.insert(item.key(), item.value().clone());
  model.load_state_dict(model_state, /*strict=*/true);
  try {
    optimizer.load_state_dict(optimizer_dict);
  } catch (...) {
    model.load_state_dict(previous, /*strict=*/true);
    throw;
  }
  return ck;
}

}  // namespace train
