// Printing like PyTorch: values, then shape, dtype and grad_fn.
#include <cmath>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "autograd/tensor.h"

namespace tg {
namespace {

void print_values(std::ostream& os, const std::vector<double>& v, const Shape& shape, int dim,
                  int64_t& pos, bool integral, int indent) {
  if (shape.size() == 0) {
    if (integral) os << static_cast<int64_t>(v[0]);
    else os << std::fixed << std::setprecision(4) << v[0];
    return;
  }
  os << '[';
  const int64_t n = shape[dim];
  const bool last = dim == shape.size() - 1;
  const int64_t limit = 6;  // summarise long dims as PyTorch does: first 3, ..., last 3
  for (int64_t i = 0; i < n; ++i) {
    if (n > 2 * limit && i == 3) {
      int64_t skip_elems = 1;
      for (int d = dim + 1; d < shape.size(); ++d) skip_elems *= shape[d];
      pos += (n - 6) * skip_elems;
      i = n - 3;
      os << (last ? "..., " : "...,\n" + std::string(indent + 1, ' '));
    }
    if (last) {
      const double x = v[pos++];
      if (integral) os << static_cast<int64_t>(x);
      else os << std::fixed << std::setprecision(4) << x;
      if (i + 1 < n) os << ", ";
    } else {
      print_values(os, v, shape, dim + 1, pos, integral, indent + 1);
      if (i + 1 < n) os << ",\n" << std::string(indent + 1, ' ');
    }
  }
  os << ']';
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t.defined()) return os << "tensor(undefined)";
  std::vector<double> v = t.to_vector<double>();
  const bool integral = !t.is_floating_point();
  std::ostringstream body;
  int64_t pos = 0;
  if (t.numel() == 0) body << "[]";
  else print_values(body, v, t.shape(), 0, pos, integral, 7);
  os << "tensor(" << body.str() << ", shape=" << t.shape() << ", dtype=" << t.dtype();
  if (t.grad_fn()) os << ", grad_fn=<" << t.grad_fn_name() << ">";
  else if (t.requires_grad()) os << ", requires_grad=True";
  return os << ')';
}

std::string to_string(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

}  // namespace tg
