// Losses. Most are compositions of differentiable ops (so they record nothing themselves and
// differentiate twice for free). Two have a vjp of their own: picking the target class's value
// (the core of nll_loss / cross_entropy, whose gradient is a scatter into a class mask) and
// binary_cross_entropy (whose gradient needs PyTorch's clamped denominator to stay finite at
// probabilities of exactly 0 or 1).
#include "ops/loss.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "autograd/node.h"
#include "autograd/profiler.h"
#include "ops/ops.h"

namespace tg {
namespace {

using autograd::Ctx;

// ---------------------------------------------------------------- argument checks

void check_defined(const char* op, const char* what, const Tensor& t) {
  TG_CHECK(t.defined(), op, ": ", what, " is undefined");
}

void check_floating(const char* op, const char* what, const Tensor& t) {
  check_defined(op, what, t);
  TG_CHECK(t.is_floating_point(), op, ": expected ", what,
           " to be floating (float32 or float64), got ", dtype_name(t.dtype()), " of shape ",
           t.shape());
}

// `other` must be a floating tensor of input's dtype.
void check_same_dtype(const char* op, const char* what, const Tensor& input, const Tensor& other) {
  check_floating(op, what, other);
  TG_CHECK(other.dtype() == input.dtype(), op, ": expected ", what, " of dtype ",
           dtype_name(input.dtype()), " (the input's), got ", dtype_name(other.dtype()),
           " of shape ", other.shape());
}

void check_same_shape(const char* op, const char* what, const Tensor& input, const Tensor& other) {
  TG_CHECK(other.shape() == input.shape(), op, ": expected ", what,
           " of the input's shape ", input.shape(), ", got ", other.shape());
}

// `other` must broadcast to input's shape without changing it.
void check_broadcasts_to(const char* op, const char* what, const Tensor& input,
                         const Tensor& other) {
  const Shape& s = input.shape();
  const Shape& o = other.shape();
  bool ok = o.size() <= s.size();
  for (int i = 0; ok && i < o.size(); ++i) {
    const int64_t a = o[o.size() - 1 - i], b = s[s.size() - 1 - i];
    ok = a == b || a == 1;
  }
  TG_CHECK(ok, op, ": ", what, " of shape ", o, " does not broadcast to the input's shape ", s);
}

// Floating input and target of one dtype whose shapes broadcast together (PyTorch's
// regression losses broadcast them, with a warning we cannot give).
void check_pair(const char* op, const Tensor& input, const Tensor& target) {
  check_floating(op, "input", input);
  check_same_dtype(op, "target", input, target);
  const Shape& a = input.shape();
  const Shape& b = target.shape();
  for (int i = 0; i < std::min(a.size(), b.size()); ++i) {
    const int64_t x = a[a.size() - 1 - i], y = b[b.size() - 1 - i];
    TG_CHECK(x == y || x == 1 || y == 1, op, ": the target's shape ", b,
             " does not broadcast with the input's shape ", a);
  }
}

void check_not_batchmean(const char* op, Reduction reduction) {
  TG_CHECK(reduction != kBatchMean, op, ": reduction 'batchmean' is only valid for kl_div");
}

Tensor reduce(const Tensor& loss, Reduction reduction, const char* op) {
  switch (reduction) {
    case Reduction::None: return loss;
    case Reduction::Mean: return mean(loss);
    case Reduction::Sum: return sum(loss);
    case Reduction::BatchMean: check_not_batchmean(op, reduction);
  }
  return loss;
}

// ---------------------------------------------------------------- class-index targets

// The input read as [outer, classes, inner] and the target as [outer, inner].
struct ClassLayout {
  int64_t outer = 1, classes = 1, inner = 1;
  int class_dim = 1;
};

ClassLayout check_class_target(const char* op, const Tensor& input, const Tensor& target) {
  check_floating(op, "input", input);
  check_defined(op, "target", target);
  TG_CHECK(input.dim() >= 1, op, ": expected an input of shape [N, C, d1, ...] or [C], got a "
           "0-d tensor");
  TG_CHECK(target.dtype() == kInt64, op, ": expected an int64 target of class indices, got ",
           dtype_name(target.dtype()), " of shape ", target.shape());
  ClassLayout l;
  if (input.dim() == 1) {
    TG_CHECK(target.dim() == 0, op, ": an unbatched input of shape ", input.shape(),
             " expects a 0-d target, got shape ", target.shape());
    l.class_dim = 0;
    l.classes = input.size(0);
    return l;
  }
  Shape want = input.shape();
  want.erase(1);
  TG_CHECK(target.shape() == want, op, ": expected a target of shape ", want, " for input of "
           "shape ", input.shape(), " ([N, C, d1, ...] -> [N, d1, ...]), got ", target.shape());
  l.outer = input.size(0);
  l.classes = input.size(1);
  for (int d = 2; d < input.dim(); ++d) l.inner *= input.size(d);
  return l;
}

void check_class_weight(const char* op, const char* what, const Tensor& input,
                        const Tensor& weight, const ClassLayout& l) {
  if (!weight.defined()) return;
  check_same_dtype(op, what, input, weight);
  TG_CHECK(weight.dim() == 1 && weight.size(0) == l.classes, op, ": expected ", what,
           " of shape [", l.classes, "] (one per class), got ", weight.shape());
}

// Marks "no ignored class" for ops without ignore_index (focal, Dice).
constexpr int64_t kNoIgnore = INT64_MIN;

// Visits every target as (flat position, class index); throws on an index out of range.
template <class F>
void for_each_target(const char* op, const Tensor& target, const ClassLayout& l,
                     int64_t ignore_index, F f) {
  Tensor t = target.contiguous();
  const int64_t* pt = t.data_ptr<int64_t>();
  const int64_t n = l.outer * l.inner;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = pt[i];
    if (c == ignore_index) continue;
    if (c >= 0 && c < l.classes) {
      f(i, c);
      continue;
    }
    if (ignore_index == kNoIgnore)
      throw Error(format_message(op, ": target ", c, " is out of bounds for ", l.classes,
                                 " classes (valid: 0 to ", l.classes - 1, ")"));
    throw Error(format_message(op, ": target ", c, " is out of bounds for ", l.classes,
                               " classes (valid: 0 to ", l.classes - 1, ", or ignore_index ",
                               ignore_index, ")"));
  }
}

// Weight of each class as double (1 without a weight tensor).
std::vector<double> class_weights(const Tensor& weight, int64_t classes) {
  if (!weight.defined()) return std::vector<double>(classes, 1.0);
  return weight.contiguous().to_vector<double>();
}

// [outer, classes, inner] in `dtype`: weight[t] at each target's class, 0 elsewhere and at
// ignored targets. A constant (no autograd): the gradient of picking.
Tensor class_mask(const char* op, const Tensor& target, const Tensor& weight,
                  const ClassLayout& l, int64_t ignore_index, DType dtype) {
  Tensor mask = zeros({l.outer, l.classes, l.inner}, dtype);
  const std::vector<double> w = class_weights(weight, l.classes);
  TG_DISPATCH_FLOATING(dtype, op, [&] {
    scalar_t* pm = mask.data_ptr<scalar_t>();
    for_each_target(op, target, l, ignore_index, [&](int64_t i, int64_t c) {
      const int64_t o = i / l.inner, in = i % l.inner;
      pm[(o * l.classes + c) * l.inner + in] = static_cast<scalar_t>(w[c]);
    });
  });
  return mask;
}

// Sum of weight[t] over the non-ignored targets: the denominator of a weighted mean.
double total_target_weight(const char* op, const Tensor& target, const Tensor& weight,
                           const ClassLayout& l, int64_t ignore_index) {
  const std::vector<double> w = class_weights(weight, l.classes);
  double total = 0;
  for_each_target(op, target, l, ignore_index, [&](int64_t, int64_t c) { total += w[c]; });
  return total;
}

// weight[t] per target (a constant shaped like the target).
Tensor weight_of_targets(const char* op, const Tensor& target, const Tensor& weight,
                         const ClassLayout& l, DType dtype) {
  Tensor out = empty(target.shape(), dtype);
  const std::vector<double> w = class_weights(weight, l.classes);
  TG_DISPATCH_FLOATING(dtype, op, [&] {
    scalar_t* po = out.data_ptr<scalar_t>();
    for_each_target(op, target, l, kNoIgnore,
                    [&](int64_t i, int64_t c) { po[i] = static_cast<scalar_t>(w[c]); });
  });
  return out;
}

// Per target: weight[t] * input[.., t, ..] (0 where ignored), shaped like the target. Its
// vjp scatters the gradient into the class mask, a product of ops, so it differentiates again.
Tensor pick_target_class(const char* op, const Tensor& input, const Tensor& target,
                         const Tensor& weight, const ClassLayout& l, int64_t ignore_index) {
  Tensor x = input.detach().contiguous();
  Tensor out = zeros(target.shape(), input.dtype());
  const std::vector<double> w = class_weights(weight, l.classes);
  TG_DISPATCH_FLOATING(input.dtype(), op, [&] {
    const scalar_t* px = x.data_ptr<scalar_t>();
    scalar_t* po = out.data_ptr<scalar_t>();
    for_each_target(op, target, l, ignore_index, [&](int64_t i, int64_t c) {
      const int64_t o = i / l.inner, in = i % l.inner;
      po[i] = static_cast<scalar_t>(w[c]) * px[(o * l.classes + c) * l.inner + in];
    });
  });
  return autograd::record("NllLossBackward", out, {input}, {target, weight},
      [l, ignore_index](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor mask = class_mask("nll_loss", c.saved(0), c.saved(1), l, ignore_index,
                                 c.input_dtype(0));
        return {(g[0].reshape({l.outer, 1, l.inner}) * mask).reshape(c.input_shape(0))};
      });
}

// [1, C, 1, ...]: a per-class tensor shaped to broadcast along the class dim.
Tensor along_class_dim(const Tensor& per_class, const Tensor& input, int class_dim) {
  Shape s = Shape::filled(input.dim(), 1);
  s[class_dim] = per_class.numel();
  return per_class.reshape(s);
}

// 1 for targets that count, 0 for ignored ones, shaped and typed for `input`'s losses.
Tensor valid_targets(const Tensor& target, int64_t ignore_index, DType dtype) {
  return ne(target, Scalar(ignore_index)).to(dtype);
}

Tensor cross_entropy_probabilities(const Tensor& input, const Tensor& target,
                                   const Tensor& weight, Reduction reduction,
                                   double label_smoothing, const ClassLayout& l) {
  const char* op = "cross_entropy";
  check_same_dtype(op, "target", input, target);
  check_class_weight(op, "weight", input, weight, l);
  Tensor logp = log_softmax(input, l.class_dim);
  const double classes = static_cast<double>(l.classes);
  Tensor t = label_smoothing > 0 ? target * (1.0 - label_smoothing) + label_smoothing / classes
                                 : target;
  Tensor terms = logp * t;
  if (weight.defined()) terms = terms * along_class_dim(weight, input, l.class_dim);
  switch (reduction) {
    case Reduction::None: return -sum(terms, {l.class_dim});
    case Reduction::Sum: return -sum(terms);
    case Reduction::Mean:  // per sample (and position), not per class
      return -sum(terms) / static_cast<double>(input.numel() / std::max<int64_t>(l.classes, 1));
    case Reduction::BatchMean: check_not_batchmean(op, reduction);
  }
  return Tensor();
}

// The shared body of nll_loss and cross_entropy once `logp` holds log-probabilities.
Tensor nll_from_log_probs(const char* op, const Tensor& logp, const Tensor& target,
                          const Tensor& weight, Reduction reduction, int64_t ignore_index,
                          const ClassLayout& l) {
  Tensor picked = pick_target_class(op, logp, target, weight, l, ignore_index);
  switch (reduction) {
    case Reduction::None: return -picked;
    case Reduction::Sum: return -sum(picked);
    case Reduction::Mean:  // 0 / 0 = NaN when every target is ignored, as in PyTorch
      return -sum(picked) / total_target_weight(op, target, weight, l, ignore_index);
    case Reduction::BatchMean: check_not_batchmean(op, reduction);
  }
  return Tensor();
}

// Checks values of a probability tensor without autograd.
void check_probabilities(const char* op, const Tensor& input) {
  Tensor x = input.detach().contiguous();
  TG_DISPATCH_FLOATING(x.dtype(), op, [&] {
    const scalar_t* p = x.data_ptr<scalar_t>();
    for (int64_t i = 0; i < x.numel(); ++i)
      TG_CHECK(p[i] >= scalar_t(0) && p[i] <= scalar_t(1), op, ": all elements of input "
               "should be between 0 and 1 (probabilities), found ", p[i], " in input of shape ",
               input.shape());
  });
}

// Unreduced, unweighted binary cross entropy with PyTorch's clamped logs and gradients.
Tensor bce_elementwise(const Tensor& input, const Tensor& target) {
  Tensor x = input.detach().contiguous(), t = target.detach().contiguous();
  Tensor out = empty(input.shape(), input.dtype());
  TG_DISPATCH_FLOATING(input.dtype(), "binary_cross_entropy", [&] {
    const scalar_t* px = x.data_ptr<scalar_t>();
    const scalar_t* pt = t.data_ptr<scalar_t>();
    scalar_t* po = out.data_ptr<scalar_t>();
    const scalar_t floor = -100;
    for (int64_t i = 0; i < x.numel(); ++i) {
      const scalar_t log_x = std::max(std::log(px[i]), floor);
      const scalar_t log_1mx = std::max(std::log(scalar_t(1) - px[i]), floor);
      po[i] = (pt[i] - scalar_t(1)) * log_1mx - pt[i] * log_x;
    }
  });
  return autograd::record("BinaryCrossEntropyBackward", out, {input, target}, {input, target},
      [](const Ctx& c, const TensorList& g) -> TensorList {
        Tensor x = c.saved(0), t = c.saved(1);
        TensorList r(2);
        // d/dx = (x - t) / (x (1 - x)), the denominator kept >= 1e-12 as PyTorch does.
        if (c.needs(0)) r[0] = g[0] * (x - t) / clamp_min(x * rsub(x, 1), 1e-12);
        // d/dt = -logit(x).
        if (c.needs(1)) r[1] = g[0] * (log(rsub(x, 1)) - log(x));
        return r;
      });
}

// [N, 4] boxes (x1, y1, x2, y2): intersection and union areas per pair.
struct BoxParts {
  Tensor inter, uni;
};

BoxParts box_parts(const char* op, const Tensor& a, const Tensor& b) {
  check_floating(op, "input", a);
  check_same_dtype(op, "target", a, b);
  TG_CHECK(a.dim() == 2 && a.size(1) == 4, op, ": expected input boxes of shape [N, 4] "
           "(x1, y1, x2, y2), got ", a.shape());
  check_same_shape(op, "target boxes", a, b);
  auto col = [](const Tensor& t, int64_t k) { return t.select(1, k); };
  Tensor area_a = (col(a, 2) - col(a, 0)) * (col(a, 3) - col(a, 1));
  Tensor area_b = (col(b, 2) - col(b, 0)) * (col(b, 3) - col(b, 1));
  Tensor w = minimum(col(a, 2), col(b, 2)) - maximum(col(a, 0), col(b, 0));
  Tensor h = minimum(col(a, 3), col(b, 3)) - maximum(col(a, 1), col(b, 1));
  Tensor inter = clamp_min(w, 0) * clamp_min(h, 0);
  return {inter, area_a + area_b - inter};
}

}  // namespace

// ---------------------------------------------------------------- reductions

Reduction reduction_from_string(const std::string& name) {
  if (name == "none") return kNone;
  if (name == "mean") return kMean;
  if (name == "sum") return kSum;
  if (name == "batchmean") return kBatchMean;
  throw Error("reduction: expected 'none', 'mean', 'sum' or 'batchmean', got '" + name + "'");
}

const char* reduction_name(Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return "none";
    case Reduction::Mean: return "mean";
    case Reduction::Sum: return "sum";
    case Reduction::BatchMean: return "batchmean";
  }
  return "?";
}

// ---------------------------------------------------------------- classification

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight,
                Reduction reduction, int64_t ignore_index) {
  autograd::profiler::OpScope profile_scope("nll_loss", {&input, &target});
  const char* op = "nll_loss";
  check_not_batchmean(op, reduction);
  const ClassLayout l = check_class_target(op, input, target);
  check_class_weight(op, "weight", input, weight, l);
  return nll_from_log_probs(op, input, target, weight, reduction, ignore_index, l);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                     Reduction reduction, int64_t ignore_index, double label_smoothing) {
  autograd::profiler::OpScope profile_scope("cross_entropy", {&input, &target});
  const char* op = "cross_entropy";
  check_not_batchmean(op, reduction);
  check_floating(op, "input", input);
  check_defined(op, "target", target);
  TG_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, op,
           ": label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
  if (target.is_floating_point()) {
    TG_CHECK(target.shape() == input.shape(), op, ": a floating target holds class "
             "probabilities and must have the input's shape ", input.shape(), ", got ",
             target.shape(), " (class indices must be int64)");
    TG_CHECK(input.dim() >= 1, op, ": expected an input of shape [N, C, d1, ...] or [C], got a "
             "0-d tensor");
    ClassLayout l;
    l.class_dim = input.dim() == 1 ? 0 : 1;
    l.classes = input.size(l.class_dim);
    return cross_entropy_probabilities(input, target, weight, reduction, label_smoothing, l);
  }
  const ClassLayout l = check_class_target(op, input, target);
  check_class_weight(op, "weight", input, weight, l);
  Tensor logp = log_softmax(input, l.class_dim);
  Tensor nll = nll_from_log_probs(op, logp, target, weight, reduction, ignore_index, l);
  if (label_smoothing == 0.0) return nll;

  // The uniform part: -sum_c w[c] log p_c per target, zero at ignored targets.
  Tensor terms = weight.defined() ? logp * along_class_dim(weight, input, l.class_dim) : logp;
  Tensor smooth = -sum(terms, {l.class_dim}) * valid_targets(target, ignore_index, input.dtype());
  switch (reduction) {
    case Reduction::None: break;
    case Reduction::Sum: smooth = sum(smooth); break;
    case Reduction::Mean:
      smooth = sum(smooth) / total_target_weight(op, target, weight, l, ignore_index);
      break;
    case Reduction::BatchMean: break;
  }
  return nll * (1.0 - label_smoothing) + smooth * (label_smoothing / l.classes);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction) {
  const char* op = "binary_cross_entropy";
  check_not_batchmean(op, reduction);
  check_floating(op, "input", input);
  check_same_dtype(op, "target", input, target);
  check_same_shape(op, "target", input, target);
  if (weight.defined()) {
    check_same_dtype(op, "weight", input, weight);
    check_broadcasts_to(op, "weight", input, weight);
  }
  check_probabilities(op, input);
  Tensor loss = bce_elementwise(input, target);
  if (weight.defined()) loss = loss * weight;
  return reduce(loss, reduction, op);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, const Tensor& pos_weight,
                                        Reduction reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  check_not_batchmean(op, reduction);
  check_floating(op, "input", input);
  check_same_dtype(op, "target", input, target);
  check_same_shape(op, "target", input, target);
  if (weight.defined()) {
    check_same_dtype(op, "weight", input, weight);
    check_broadcasts_to(op, "weight", input, weight);
  }
  if (pos_weight.defined()) {
    check_same_dtype(op, "pos_weight", input, pos_weight);
    check_broadcasts_to(op, "pos_weight", input, pos_weight);
  }
  // log(1 + exp(-x)) = m + log(exp(-m) + exp(-x - m)) with m = max(-x, 0): no overflow.
  Tensor m = clamp_min(-input, 0);
  Tensor log1p_exp_neg = m + log(exp(-m) + exp(-input - m));
  Tensor loss = rsub(target, 1) * input;
  if (pos_weight.defined()) {
    loss = loss + ((pos_weight - 1.0) * target + 1.0) * log1p_exp_neg;
  } else {
    loss = loss + log1p_exp_neg;
  }
  if (weight.defined()) loss = loss * weight;
  return reduce(loss, reduction, op);
}

Tensor focal_loss(const Tensor& input, const Tensor& target, double gamma, const Tensor& alpha,
                  Reduction reduction) {
  const char* op = "focal_loss";
  check_not_batchmean(op, reduction);
  const ClassLayout l = check_class_target(op, input, target);
  check_class_weight(op, "alpha", input, alpha, l);
  TG_CHECK(gamma >= 0, op, ": gamma must be >= 0, got ", gamma);
  Tensor log_pt = pick_target_class(op, log_softmax(input, l.class_dim), target, Tensor(), l,
                                    kNoIgnore);
  Tensor loss = -log_pt;
  if (gamma != 0.0) loss = pow(rsub(exp(log_pt), 1), gamma) * loss;
  if (alpha.defined()) loss = loss * weight_of_targets(op, target, alpha, l, input.dtype());
  return reduce(loss, reduction, op);
}

Tensor sigmoid_focal_loss(const Tensor& input, const Tensor& target, double alpha, double gamma,
                          Reduction reduction) {
  const char* op = "sigmoid_focal_loss";
  check_not_batchmean(op, reduction);
  check_floating(op, "input", input);
  check_same_dtype(op, "target", input, target);
  check_same_shape(op, "target", input, target);
  TG_CHECK(gamma >= 0, op, ": gamma must be >= 0, got ", gamma);
  Tensor p = sigmoid(input);
  Tensor ce = binary_cross_entropy_with_logits(input, target, Tensor(), Tensor(), kNone);
  Tensor p_t = p * target + rsub(p, 1) * rsub(target, 1);
  Tensor loss = gamma != 0.0 ? ce * pow(rsub(p_t, 1), gamma) : ce;
  if (alpha >= 0) loss = (target * alpha + rsub(target, 1) * (1.0 - alpha)) * loss;
  return reduce(loss, reduction, op);
}

Tensor dice_loss(const Tensor& input, const Tensor& target, double smooth) {
  const char* op = "dice_loss";
  const ClassLayout l = check_class_target(op, input, target);
  TG_CHECK(input.dim() >= 2, op, ": expected an input of shape [N, C, d1, ...], got ",
           input.shape());
  TG_CHECK(smooth >= 0, op, ": smooth must be >= 0, got ", smooth);
  std::vector<int64_t> dims{0};
  for (int d = 2; d < input.dim(); ++d) dims.push_back(d);
  Tensor p = softmax(input, 1);
  Tensor onehot = class_mask(op, target, Tensor(), l, kNoIgnore, input.dtype())
                      .reshape(input.shape());
  Tensor intersection = sum(p * onehot, dims);
  Tensor total = sum(p, dims) + sum(onehot, dims);
  Tensor dice = (intersection * 2.0 + smooth) / (total + smooth);
  return mean(rsub(dice, 1));
}

// ---------------------------------------------------------------- regression

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  autograd::profiler::OpScope profile_scope("mse_loss", {&input, &target});
  check_not_batchmean("mse_loss", reduction);
  check_pair("mse_loss", input, target);
  return reduce(square(input - target), reduction, "mse_loss");
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_not_batchmean("l1_loss", reduction);
  check_pair("l1_loss", input, target);
  return reduce(abs(input - target), reduction, "l1_loss");
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction,
                      double beta) {
  const char* op = "smooth_l1_loss";
  check_not_batchmean(op, reduction);
  check_pair(op, input, target);
  TG_CHECK(beta >= 0, op, ": beta must be >= 0, got ", beta);
  if (beta == 0.0) return l1_loss(input, target, reduction);
  Tensor d = input - target;
  Tensor ad = abs(d);
  Tensor loss = where(lt(ad, beta), square(d) * (0.5 / beta), ad - 0.5 * beta);
  return reduce(loss, reduction, op);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  const char* op = "huber_loss";
  check_not_batchmean(op, reduction);
  check_pair(op, input, target);
  TG_CHECK(delta > 0, op, ": delta must be > 0, got ", delta);
  Tensor d = input - target;
  Tensor ad = abs(d);
  Tensor loss = where(lt(ad, delta), square(d) * 0.5, (ad - 0.5 * delta) * delta);
  return reduce(loss, reduction, op);
}

Tensor rmse_loss(const Tensor& input, const Tensor& target) {
  check_pair("rmse_loss", input, target);
  return sqrt(mse_loss(input, target, kMean));
}

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
  const char* op = "kl_div";
  check_pair(op, input, target);
  Tensor loss;
  if (log_target) {
    loss = exp(target) * (target - input);
  } else {
    // target * log(target) is 0 at target = 0 (xlogy); log is taken of 1 there so neither
    // the value nor the gradient turns into NaN.
    Tensor safe = where(eq(target, 0), ones({}, target.dtype()), target);
    loss = target * log(safe) - target * input;
  }
  if (reduction == kBatchMean) {
    Tensor total = sum(loss);
    return input.dim() == 0 ? total : total / static_cast<double>(input.size(0));
  }
  return reduce(loss, reduction, op);
}

// ---------------------------------------------------------------- boxes

// torchvision's epsilon of its box losses: keeps 0 / 0 (two zero-area boxes) finite, in value
// and gradient.
constexpr double kBoxEps = 1e-7;

Tensor iou_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  const double eps = kBoxEps;
  check_not_batchmean("iou_loss", reduction);
  BoxParts b = box_parts("iou_loss", input, target);
  return reduce(rsub(b.inter / (b.uni + eps), 1), reduction, "iou_loss");
}

Tensor giou_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  const double eps = kBoxEps;
  check_not_batchmean("giou_loss", reduction);
  BoxParts b = box_parts("giou_loss", input, target);
  auto col = [](const Tensor& t, int64_t k) { return t.select(1, k); };
  Tensor hull = (maximum(col(input, 2), col(target, 2)) - minimum(col(input, 0), col(target, 0))) *
                (maximum(col(input, 3), col(target, 3)) - minimum(col(input, 1), col(target, 1)));
  Tensor giou = b.inter / (b.uni + eps) - (hull - b.uni) / (hull + eps);
  return reduce(rsub(giou, 1), reduction, "giou_loss");
}

}  // namespace tg
