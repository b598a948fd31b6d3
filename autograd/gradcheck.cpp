#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/engine.h"
#include "autograd/grad_mode.h"
#include "autograd/random.h"

namespace tg::autograd {
namespace {

bool differentiable_output(const Tensor& t) { return t.defined() && t.is_floating_point(); }

// Flattened float64 copy of the differentiable outputs of fn (no graph).
std::vector<double> evaluate(const MultiOutputFn& fn, const TensorList& inputs) {
  NoGradGuard no_grad;
  std::vector<double> flat;
  for (const Tensor& o : fn(inputs)) {
    if (!differentiable_output(o)) continue;
    std::vector<double> v = o.to_vector<double>();
    flat.insert(flat.end(), v.begin(), v.end());
  }
  return flat;
}

// Reads/writes one element (logical index) of a float64 tensor in place.
double& element(const Tensor& t, int64_t flat_index) {
  int64_t off = 0, rem = flat_index;
  for (int d = t.dim() - 1; d >= 0; --d) {
    off += (rem % t.shape()[d]) * t.strides()[d];
    rem /= t.shape()[d];
  }
  return t.data_ptr<double>()[off];
}

GradcheckResult fail(const GradcheckOptions& opt, const std::string& msg) {
  if (opt.raise_exception) throw Error(msg);
  return {false, msg};
}

// "[i, j, k]": the multi-index of a row-major flat index into `shape`.
std::string multi_index(int64_t flat, const Shape& shape) {
  std::vector<int64_t> idx(static_cast<std::size_t>(shape.size()));
  for (int d = shape.size() - 1; d >= 0; --d) {
    idx[static_cast<std::size_t>(d)] = shape[d] > 0 ? flat % shape[d] : 0;
    flat = shape[d] > 0 ? flat / shape[d] : 0;
  }
  return format_message(IntArrayRef(idx));
}

// The worst mismatching Jacobian entry seen so far, and how many entries fail.
struct Mismatch {
  int64_t count = 0;
  double excess = -1;  // |a - n| / (atol + rtol |n|); infinite for a NaN on one side only
  std::size_t input = 0;
  int64_t col = 0, row = 0;
  double analytical = 0, numerical = 0;
};

}  // namespace

GradcheckResult gradcheck(const MultiOutputFn& fn, const TensorList& inputs,
                          const GradcheckOptions& opt) {
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    if (inputs[i].dtype() != kFloat64)
      return fail(opt, format_message("gradcheck: input #", i, " is ", inputs[i].dtype(),
                                      "; gradcheck needs float64 inputs for meaningful results"));
  }
  // Analytical Jacobian, one output element (row) at a time via vjps with unit vectors;
  // numerical Jacobian, one input element (column) at a time via central differences.
  TensorList outputs;
  {
    EnableGradGuard grad_on;
    outputs = fn(inputs);
  }
  TensorList diff_outputs;
  for (const Tensor& o : outputs)
    if (differentiable_output(o)) diff_outputs.push_back(o);
  int64_t n_out = 0;
  for (const Tensor& o : diff_outputs) n_out += o.numel();

  TensorList wrt;
  std::vector<std::size_t> wrt_index;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].defined() && inputs[i].requires_grad()) {
      wrt.push_back(inputs[i]);
      wrt_index.push_back(i);
    }
  }
  if (wrt.empty()) return fail(opt, "gradcheck: no input requires grad");

  // analytical[j][row * numel_j + col]
  std::vector<std::vector<double>> analytical(wrt.size());
  for (std::size_t j = 0; j < wrt.size(); ++j)
    analytical[j].assign(static_cast<std::size_t>(n_out * wrt[j].numel()), 0.0);

  bool any_requires = false;
  for (const Tensor& o : diff_outputs) any_requires = any_requires || o.requires_grad();
  if (any_requires) {
    int64_t row = 0;
    for (std::size_t k = 0; k < diff_outputs.size(); ++k) {
      const Tensor& o = diff_outputs[k];
      for (int64_t e = 0; e < o.numel(); ++e, ++row) {
        if (!o.requires_grad()) continue;
        TensorList grad_outputs;
        for (std::size_t q = 0; q < diff_outputs.size(); ++q) {
          Tensor go = zeros(diff_outputs[q].shape(), kFloat64);
          if (q == k) go.data_ptr<double>()[e] = 1.0;
          grad_outputs.push_back(go.to(diff_outputs[q].dtype()));
        }
        TensorList outs_rg, gos_rg;
        for (std::size_t q = 0; q < diff_outputs.size(); ++q) {
          if (!diff_outputs[q].requires_grad()) continue;
          outs_rg.push_back(diff_outputs[q]);
          gos_rg.push_back(grad_outputs[q]);
        }
        TensorList g = grad(outs_rg, wrt, gos_rg, /*retain_graph=*/true, false,
                            /*allow_unused=*/true);
        for (std::size_t j = 0; j < wrt.size(); ++j) {
          if (!g[j].defined()) continue;
          if (g[j].shape() != wrt[j].shape())
            return fail(opt, format_message("gradcheck: the gradient for input #", wrt_index[j],
                                            " has shape ", g[j].shape(), ", expected ",
                                            wrt[j].shape()));
          std::vector<double> v = g[j].to_vector<double>();
          std::copy(v.begin(), v.end(),
                    analytical[j].begin() + static_cast<std::ptrdiff_t>(row * wrt[j].numel()));
        }
      }
    }
  }

  Mismatch worst;
  for (std::size_t j = 0; j < wrt.size(); ++j) {
    const Tensor& x = wrt[j];
    const int64_t n = x.numel();
    for (int64_t col = 0; col < n; ++col) {
      double& v = element(x, col);
      const double orig = v;
      v = orig + opt.eps;
      std::vector<double> plus = evaluate(fn, inputs);
      v = orig - opt.eps;
      std::vector<double> minus = evaluate(fn, inputs);
      v = orig;
      if (static_cast<int64_t>(plus.size()) != n_out)
        return fail(opt, "gradcheck: the function's output size changed under perturbation");
      for (int64_t row = 0; row < n_out; ++row) {
        const double numerical = (plus[row] - minus[row]) / (2.0 * opt.eps);
        const double a = analytical[j][static_cast<std::size_t>(row * n + col)];
        const double tol = opt.atol + opt.rtol * std::abs(numerical);
        const bool nan_mismatch = std::isnan(a) != std::isnan(numerical);
        if (!(std::abs(a - numerical) > tol) && !nan_mismatch) continue;
        const double excess = nan_mismatch ? HUGE_VAL : std::abs(a - numerical) / tol;
        ++worst.count;
        if (excess > worst.excess) {
          worst.excess = excess;
          worst.input = j;
          worst.col = col;
          worst.row = row;
          worst.analytical = a;
          worst.numerical = numerical;
        }
      }
    }
  }
  if (worst.count > 0) {
    // Which output the worst row belongs to, and where in it.
    int64_t row = worst.row;
    std::size_t k = 0;
    while (k + 1 < diff_outputs.size() && row >= diff_outputs[k].numel()) row -= diff_outputs[k++].numel();
    const Tensor& x = wrt[worst.input];
    int64_t total = 0;
    for (const Tensor& w : wrt) total += w.numel() * n_out;
    std::ostringstream os;
    os << "gradcheck: Jacobian mismatch for input #" << wrt_index[worst.input] << " (shape "
       << x.shape() << "): " << worst.count << " of " << total
       << " entries differ; the worst is d output #" << k << multi_index(row, diff_outputs[k].shape())
       << " (shape " << diff_outputs[k].shape() << ") / d input" << multi_index(worst.col, x.shape())
       << ": analytical " << worst.analytical << ", numerical " << worst.numerical << " (atol "
       << opt.atol << ", rtol " << opt.rtol << ")";
    return fail(opt, os.str());
  }
  return {};
}

GradcheckResult gradcheck(const SingleOutputFn& fn, const TensorList& inputs,
                          const GradcheckOptions& options) {
  return gradcheck(MultiOutputFn([fn](const TensorList& in) { return TensorList{fn(in)}; }), inputs,
                   options);
}

GradcheckResult gradgradcheck(const MultiOutputFn& fn, const TensorList& inputs,
                              const GradcheckOptions& opt) {
  // Random grad_outputs become extra inputs that require grad, as in PyTorch.
  TensorList outputs;
  {
    EnableGradGuard grad_on;
    outputs = fn(inputs);
  }
  Generator gen(opt.seed);
  TensorList grad_outputs;
  std::vector<int> out_positions;
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    if (!differentiable_output(outputs[k]) || !outputs[k].requires_grad()) continue;
    grad_outputs.push_back(randn(outputs[k].shape(), kFloat64, &gen).requires_grad_());
    out_positions.push_back(static_cast<int>(k));
  }
  const std::size_t n_inputs = inputs.size();
  MultiOutputFn first_derivative = [fn, n_inputs, out_positions](const TensorList& all) {
    TensorList in(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n_inputs));
    TensorList gos(all.begin() + static_cast<std::ptrdiff_t>(n_inputs), all.end());
    EnableGradGuard grad_on;  // also when evaluated for finite differences
    TensorList outs = fn(in);
    TensorList used;
    for (int p : out_positions) used.push_back(outs[p]);
    TensorList wrt;
    for (const Tensor& t : in)
      if (t.defined() && t.requires_grad()) wrt.push_back(t);
    TensorList g = grad(used, wrt, gos, true, /*create_graph=*/true, /*allow_unused=*/true);
    TensorList result;
    for (std::size_t j = 0; j < g.size(); ++j)
      result.push_back(g[j].defined() ? g[j] : zeros_like(wrt[j]));
    return result;
  };
  TensorList all = inputs;
  all.insert(all.end(), grad_outputs.begin(), grad_outputs.end());
  GradcheckOptions inner = opt;
  inner.raise_exception = false;
  GradcheckResult r = gradcheck(first_derivative, all, inner);
  r.check = "gradgradcheck";
  if (!r.ok) {
    r.message = "gradgradcheck (second derivatives; inputs #" + std::to_string(n_inputs) +
                " and up are the grad_outputs): " + r.message;
    if (opt.raise_exception) throw Error(r.message);
  }
  return r;
}

GradcheckResult gradgradcheck(const SingleOutputFn& fn, const TensorList& inputs,
                              const GradcheckOptions& options) {
  return gradgradcheck(MultiOutputFn([fn](const TensorList& in) { return TensorList{fn(in)}; }),
                       inputs, options);
}

}  // namespace tg::autograd
