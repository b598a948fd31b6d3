// libFuzzer target: the safe torch.save reader (data/pytorch_file.h), zip and legacy formats.
// The reader and the zip code are compiled into the target with sanitizers and coverage; the
// tensors it builds come from the release library (build/release/libtapegrad.so), which is
// not instrumented. Every tensor read is summed, so a view reaching past its storage would
// touch memory outside it.
#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "autograd/tensor.h"
#include "data/pytorch_file.h"

namespace {

void walk(const tg::io::PickleValue& v, int depth) {
  using K = tg::io::PickleValue::Kind;
  if (depth > 300) __builtin_trap();  // the reader limits nesting to 256 levels
  switch (v.kind()) {
    case K::Tensor: {
      const tg::Tensor& t = v.to_tensor();
      if (t.numel() > 0) (void)t.to(tg::kFloat64).sum().item<double>();
      break;
    }
    case K::List:
    case K::Tuple:
      for (const auto& item : v.items()) walk(item, depth + 1);
      break;
    case K::Dict:
      for (const auto& key : v.keys()) walk(key, depth + 1);
      for (const auto& value : v.values()) walk(value, depth + 1);
      break;
    default:
      (void)v.kind_name();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)tg::io::looks_like_pytorch_file(data, size);
  try {
    walk(tg::io::pytorch_from_buffer(data, size, "fuzz"), 0);
  } catch (const std::exception&) {
  }
  return 0;
}
