// libFuzzer target: loading saved training state into live objects. The first byte picks
// what the rest of the input is loaded as:
//   0  a model's state (tg::load(module, path): safetensors, .npz or torch.save, by content)
//   1  an optimizer's state (tg::load(optimizer, path))
//   2  a tapegrad-train checkpoint (train::load_checkpoint, then the generator state it holds)
// into a small model (Linear + BatchNorm1d) with an Adam optimizer that has taken one step.
// Whatever was loaded must leave model and optimizer usable: a forward and backward pass and
// an optimizer step afterwards may only throw tg::Error.
// The parsing layer (nn/serialize.cpp, optim/serialize.cpp, the checkpoint code, the
// safetensors/npz/npy/torch.save/zip readers and data/tensor_io.cpp) is compiled into the
// target with sanitizers and coverage; modules, optimizers and tensors come from the release
// library (build/release/libtapegrad.so), which is not instrumented.
//
// The seed corpus is written by the target itself:
//   TG_FUZZ_WRITE_SEEDS=fuzz/corpus/state build/fuzz/fuzz_state -runs=0
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "examples/tapegrad-train/checkpoint.h"
#include "tapegrad.h"

namespace {

struct Live {
  tg::nn::Sequential model;
  std::unique_ptr<tg::optim::Adam> optimizer;
};

Live make_live() {
  tg::manual_seed(7);
  Live live{tg::nn::Sequential(tg::nn::Linear(3, 2), tg::nn::BatchNorm1d(2)), nullptr};
  live.optimizer = std::make_unique<tg::optim::Adam>(live.model->parameters());
  live.model->forward(tg::randn({4, 3})).pow(2).sum().backward();
  live.optimizer->step();
  return live;
}

// The input goes to an anonymous in-memory file, read back through its /proc path.
const std::string& scratch_path() {
  static const std::string path = [] {
    const int fd = memfd_create("fuzz_state", 0);
    if (fd < 0) std::abort();
    return "/proc/self/fd/" + std::to_string(fd);
  }();
  return path;
}

void write_scratch(const uint8_t* data, size_t size) {
  std::FILE* f = std::fopen(scratch_path().c_str(), "wb");  // truncates the memfd
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
}

void write_seed(const std::string& dir, const std::string& name, uint8_t mode,
                const std::string& saved) {
  std::ifstream in(saved, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out.put(static_cast<char>(mode));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::remove(saved.c_str());
}

void write_seeds(const std::string& dir) {
  Live live = make_live();
  const std::string tmp = dir + "/.seed";
  tg::save(*live.model, tmp + ".safetensors");
  write_seed(dir, "model.safetensors", 0, tmp + ".safetensors");
  tg::save(*live.model, tmp + ".npz");
  write_seed(dir, "model.npz", 0, tmp + ".npz");
  tg::save(*live.optimizer, tmp + ".safetensors");
  write_seed(dir, "optimizer.safetensors", 1, tmp + ".safetensors");
  train::Checkpoint ck{2, 0.5, {{1, 0.9, 0.6, 0.8, 0.65, 1.5, 1000.0}}, tg::Generator(3).get_state()};
  train::save_checkpoint(tmp + ".safetensors", *live.model, *live.optimizer, ck);
  write_seed(dir, "checkpoint.safetensors", 2, tmp + ".safetensors");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("TG_FUZZ_WRITE_SEEDS")) write_seeds(dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0] % 3;
  write_scratch(data + 1, size - 1);
  Live live = make_live();
  try {
    if (mode == 0) {
      tg::load(*live.model, scratch_path());
    } else if (mode == 1) {
      tg::load(*live.optimizer, scratch_path());
    } else {
      train::Checkpoint ck = train::load_checkpoint(scratch_path(), *live.model, *live.optimizer);
      tg::Generator g;
      g.set_state(ck.generator_state);
    }
  } catch (const tg::Error&) {  // a refused file; any other exception escapes: a finding
  }
  // Whatever was loaded must be usable: a forward pass, a backward pass and an optimizer step.
  try {
    live.model->forward(tg::randn({4, 3})).pow(2).sum().backward();
    live.optimizer->step();
  } catch (const tg::Error&) {
  }
  return 0;
}
