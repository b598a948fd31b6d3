// Errors raised beneath a public op (the size and allocation checks of the tensors it creates,
// an op it calls) name the inner function ("empty: shape ..."); naming_op prefixes the public
// op and its input's shape, so the message names the op the user called.
#pragma once
#include <string>

#include "autograd/tensor.h"

namespace tg::detail {

template <class F>
auto naming_op(const char* op, const Tensor& input, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const Error& e) {
    const std::string msg = e.what(), prefix = std::string(op) + ":";
    if (msg.compare(0, prefix.size(), prefix) == 0) throw;
    if (!input.defined()) throw Error(format_message(op, ": ", msg));
    throw Error(format_message(op, ": input of shape ", input.shape(), ": ", msg));
  }
}

}  // namespace tg::detail
