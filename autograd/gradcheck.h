// Numerical gradient checking, as a public API: compare the vjp-based Jacobian with
// central differences (float64), and the same for second derivatives.
#pragma once
#include <functional>
#include <ostream>
#include <string>

#include "autograd/tensor.h"

namespace tg::autograd {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
  // Throw tg::Error with the report instead of returning a failed result.
  bool raise_exception = false;
  // Seed for gradgradcheck's random grad_outputs.
  uint64_t seed = 1234;
};

// What gradcheck found. Converts to bool. On failure `message` says how many Jacobian
// entries differ and reports the worst one: the input and output (with multi-indices into
// each), its analytical and its numerical value.
struct GradcheckResult {
  bool ok = true;
  std::string message;
  std::string check = "gradcheck";  // or "gradgradcheck"
  explicit operator bool() const { return ok; }
};

inline std::ostream& operator<<(std::ostream& os, const GradcheckResult& r) {
  return os << (r.ok ? r.check + " passed" : r.message);
}

using MultiOutputFn = std::function<TensorList(const TensorList&)>;
using SingleOutputFn = std::function<Tensor(const TensorList&)>;

// Checks d fn(inputs) / d inputs[i] for every input that requires grad. Inputs should be
// float64 (a float32 input is reported as an error).
GradcheckResult gradcheck(const MultiOutputFn& fn, const TensorList& inputs,
                          const GradcheckOptions& options = {});
GradcheckResult gradcheck(const SingleOutputFn& fn, const TensorList& inputs,
                          const GradcheckOptions& options = {});

// gradcheck applied to the function (inputs, grad_outputs) -> autograd::grad(fn(inputs),
// inputs, grad_outputs, create_graph=true): checks second derivatives.
GradcheckResult gradgradcheck(const MultiOutputFn& fn, const TensorList& inputs,
                              const GradcheckOptions& options = {});
GradcheckResult gradgradcheck(const SingleOutputFn& fn, const TensorList& inputs,
                              const GradcheckOptions& options = {});

}  // namespace tg::autograd

namespace tg {
using autograd::gradcheck;
using autograd::gradgradcheck;
}  // namespace tg
