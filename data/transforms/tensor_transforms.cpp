#include <utility>

#include "data/transforms/stack.h"
#include "data/transforms/tensor.h"
#include "ops/join.h"

namespace tg::data::transforms::detail {

Tensor channel_constants(ArrayRef<double> values, const char* what) {
  TG_CHECK(!values.empty(), "Normalize: ", what, " must hold at least one value");
  Tensor out = empty({static_cast<int64_t>(values.size()), 1, 1}, kFloat32);
  float* p = out.data_ptr<float>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = static_cast<float>(values[i]);
  return out;
}

Example<> stack_examples(std::vector<Example<>> examples) {
  TG_CHECK(!examples.empty(), "Stack: the batch holds no examples");
  TensorList data, targets;
  data.reserve(examples.size());
  targets.reserve(examples.size());
  for (Example<>& e : examples) {
    data.push_back(std::move(e.data));
    targets.push_back(std::move(e.target));
  }
  return {stack(data), stack(targets)};
}

TensorExample stack_examples(std::vector<TensorExample> examples) {
  TG_CHECK(!examples.empty(), "Stack: the batch holds no examples");
  TensorList data;
  data.reserve(examples.size());
  for (TensorExample& e : examples) data.push_back(std::move(e.data));
  return stack(data);
}

}  // namespace tg::data::transforms::detail
