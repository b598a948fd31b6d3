// Tensors in files: .npy, .npz and safetensors (the raw formats live in npy.h, npz.h,
// safetensors.h; this converts between them and tensors).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "autograd/tensor.h"
#include "data/raw_array.h"

namespace tg::io {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct LoadedTensors {
  NamedTensors tensors;
  std::map<std::string, std::string> metadata;
  // The tensor named `name`; throws naming the file's keys when absent.
  const Tensor& at(const std::string& name) const;
};

// Copies of the values (any layout); bool, int64, float32, float64 map one to one;
// reading also accepts uint8/int8/int32 (to int64) and float16 (to float32).
RawArray to_raw(const Tensor& t);
Tensor from_raw(const RawArray& a);

void save_npy(const std::string& path, const Tensor& t);
Tensor load_npy(const std::string& path);
void save_npz(const std::string& path, const NamedTensors& tensors, bool compress = false);
NamedTensors load_npz(const std::string& path);
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});
LoadedTensors load_safetensors(const std::string& path);

}  // namespace tg::io

namespace tg {
using io::load_npy;
using io::save_npy;
}  // namespace tg
