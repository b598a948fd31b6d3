// Stack: the collation that turns a std::vector of examples into one Example whose data and
// target are the examples' tensors stacked along a new first dimension.
#pragma once
#include <vector>

#include "autograd/tensor.h"
#include "data/example.h"
#include "data/transforms/base.h"

namespace tg::data::transforms {

namespace detail {
Example<> stack_examples(std::vector<Example<>> examples);
TensorExample stack_examples(std::vector<TensorExample> examples);
}  // namespace detail

template <typename T = Example<>>
struct Stack;

template <>
struct Stack<Example<>> : public Collation<Example<>> {
  Example<> apply_batch(std::vector<Example<>> examples) override {
    return detail::stack_examples(std::move(examples));
  }
};

template <>
struct Stack<TensorExample> : public Collation<TensorExample> {
  TensorExample apply_batch(std::vector<TensorExample> examples) override {
    return detail::stack_examples(std::move(examples));
  }
};

}  // namespace tg::data::transforms
