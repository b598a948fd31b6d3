// Internal to the vector_activation units: the kernel bodies, instantiated once per
// instruction set in a unit compiled for it (vector_activation_avx512.cpp,
// vector_activation_avx2.cpp; sse2 in vector_activation.cpp) and declared `extern` here for
// everyone else.
#pragma once
#include <cstdint>
#include <xsimd/xsimd.hpp>

#include "ops/kernels/vector_activation.h"

namespace tg::kernels::vector_activation_detail {

// exp(x) over the whole float range. xsimd's exp returns inf from x >= 88.376 and 0 from
// x <= -88.376 (and loses the subnormals below -87.3), while libm's expf stays finite up to
// 88.72 and rounds gradually to 0 near -103.9; sigmoid(-88.5) would then be 0 instead of
// 1/(1 + 2.7e38). Here 2^k is applied as two factors 2^k1 * 2^k2, each a normal float, so
// overflow and gradual underflow happen in the last multiply, rounded once.
// Reduction x = k ln2 + r with ln2 split in two (Cody-Waite), |r| <= ln2/2, and the
// classical degree-7 minimax polynomial for e^r (the coefficients of Cephes' expf).
template <class V>
inline V exp_full(const V& x) {
  using I = xsimd::as_integer_t<V>;
  const V xc = xsimd::min(xsimd::max(x, V(-104.0f)), V(89.0f));  // k in [-150, 129]
  const V k = xsimd::nearbyint(xc * V(1.44269504088896341f));
  V r = xsimd::fnma(k, V(0.693359375f), xc);
  r = xsimd::fnma(k, V(-2.12194440e-4f), r);
  V p = V(1.9875691500e-4f);
  p = xsimd::fma(p, r, V(1.3981999507e-3f));
  p = xsimd::fma(p, r, V(8.3334519073e-3f));
  p = xsimd::fma(p, r, V(4.1665795894e-2f));
  p = xsimd::fma(p, r, V(1.6666665459e-1f));
  p = xsimd::fma(p, r, V(5.0000001201e-1f));
  p = xsimd::fma(p, r * r, r) + V(1.0f);
  const V k1 = xsimd::floor(k * V(0.5f));  // k1, k - k1 in [-75, 65]
  const V k2 = k - k1;
  const V s1 = xsimd::bitwise_cast<V>((xsimd::to_int(k1) + I(127)) << 23);
  const V s2 = xsimd::bitwise_cast<V>((xsimd::to_int(k2) + I(127)) << 23);
  const V e = (p * s1) * s2;
  return xsimd::select(xsimd::isnan(x), x, e);  // min/max above would have turned NaN into a bound
}

// 1 / (1 + exp(-x)): the scalar formula, so saturation and NaN match it.
struct Sigmoid {
  template <class V>
  V operator()(const V& x) const { return V(1.0f) / (V(1.0f) + exp_full(-x)); }
};

struct Tanh {
  // xsimd's tanh: <= 1.4 ulp, exactly ±1 from |x| >= 9.01, odd, NaN in NaN out.
  template <class V>
  V operator()(const V& x) const { return xsimd::tanh(x); }
};

// t / (1 + exp(-t)) scaled by s: s * sigmoid(t), as (s e) / (1 + e) with e = exp(t) for
// t < 0, so that the far negative tail (t < -88.7, where exp(-t) overflows and the plain
// quotient is -0) keeps its small value. s = -inf with t = -inf gives NaN, as the quotient.
template <class V>
inline V times_sigmoid(const V& s, const V& t) {
  const V e = exp_full(-xsimd::abs(t));
  return xsimd::select(t < V(0.0f), s * e, s) / (V(1.0f) + e);
}

struct Silu {
  template <class V>
  V operator()(const V& x) const { return times_sigmoid(x, x); }
};

struct Elu {
  float alpha;
  // expm1 clamped at -88, where it is -1 in float (xsimd's expm1 scales by 2^k with an
  // exponent field that wraps for k < -126); its value for x > 0 is not selected. NaN fails
  // x > 0 and the clamp (max keeps its second operand on NaN), so it is put back at the end.
  template <class V>
  V operator()(const V& x) const {
    const V neg = V(alpha) * xsimd::expm1(xsimd::max(x, V(-88.0f)));
    // x >= 0 rather than x > 0: elu(-0) is -0 (expm1(-0) may come back as +0).
    return xsimd::select(x >= V(0.0f), x, xsimd::select(xsimd::isnan(x), x, neg));
  }
};

struct GeluErf {
  // x/2 * erfc(-x/sqrt2) rather than x/2 * (1 + erf(x/sqrt2)): the same function, without
  // the cancellation of 1 + erf for x < -2 (hundreds of ulp in float).
  template <class V>
  V operator()(const V& x) const {
    return V(0.5f) * x * xsimd::erfc(x * V(-0.70710678118654752440f));
  }
};

struct GeluTanh {
  // x/2 (1 + tanh(u)) = x sigmoid(2u): again without the cancellation for x < -2.
  template <class V>
  V operator()(const V& x) const {
    const V u2 = V(2.0f * 0.79788456080286535588f) * xsimd::fma(V(0.044715f) * x * x, x, x);
    return times_sigmoid(x, u2);
  }
};

struct Softplus {
  float beta, threshold;
  // log1p(exp(z)) = max(z, 0) + log1p(exp(-|z|)): exp never overflows, whatever threshold.
  template <class V>
  V operator()(const V& x) const {
    const V z = x * V(beta);
    const V sp = (xsimd::max(z, V(0.0f)) + xsimd::log1p(exp_full(-xsimd::abs(z)))) / V(beta);
    return xsimd::select(z > V(threshold), x, xsimd::select(xsimd::isnan(x), x, sp));
  }
};

// Derivatives for the first-order backward (g * f'(x)). sigmoid(t) and 1 - sigmoid(t) are
// both taken from e = exp(-|t|) so that neither cancels.
template <class V>
inline void sigmoid_pair(const V& t, V& s, V& one_minus_s) {
  const V e = exp_full(-xsimd::abs(t));
  const V big = V(1.0f) / (V(1.0f) + e), small = e * big;
  s = xsimd::select(t < V(0.0f), small, big);
  one_minus_s = xsimd::select(t < V(0.0f), big, small);
}

struct SiluGrad {  // s (1 + x (1 - s)), s = sigmoid(x)
  template <class V>
  V operator()(const V& x) const {
    V s, r;
    sigmoid_pair(x, s, r);
    return s * xsimd::fma(x, r, V(1.0f));
  }
};

struct GeluErfGrad {  // Phi(x) + x phi(x)
  template <class V>
  V operator()(const V& x) const {
    const V cdf = V(0.5f) * xsimd::erfc(x * V(-0.70710678118654752440f));
    const V pdf = V(0.39894228040143267794f) * exp_full(V(-0.5f) * x * x);
    return xsimd::fma(x, pdf, cdf);
  }
};

struct GeluTanhGrad {  // x sigmoid(2u): s + 2 x s (1 - s) u'(x), u' = beta (1 + 3 kappa x^2)
  template <class V>
  V operator()(const V& x) const {
    const V x2 = x * x;
    const V u2 = V(2.0f * 0.79788456080286535588f) * xsimd::fma(V(0.044715f) * x2, x, x);
    const V du2 = V(2.0f * 0.79788456080286535588f) * xsimd::fma(V(3.0f * 0.044715f), x2, V(1.0f));
    V s, r;
    sigmoid_pair(u2, s, r);
    return xsimd::fma(x * s * r, du2, s);
  }
};

// y = f(x) over n values; the tail is padded into one more vector.
template <class Arch, class F>
void run(const F& f, const float* x, float* y, int64_t n) {
  using V = xsimd::batch<float, Arch>;
  constexpr int64_t W = V::size;
  int64_t i = 0;
  for (; i + W <= n; i += W) f(V::load_unaligned(x + i)).store_unaligned(y + i);
  const int64_t rest = n - i;
  if (rest > 0) {
    float xb[W] = {}, yb[W];
    for (int64_t k = 0; k < rest; ++k) xb[k] = x[i + k];
    f(V::load_unaligned(xb)).store_unaligned(yb);
    for (int64_t k = 0; k < rest; ++k) y[i + k] = yb[k];
  }
}

struct SoftplusGrad {  // beta x > threshold ? 1 : sigmoid(beta x), as Sigmoid computes it
  float beta, threshold;
  template <class V>
  V operator()(const V& x) const {
    const V z = x * V(beta);
    return xsimd::select(z > V(threshold), V(1.0f), Sigmoid{}(z));
  }
};

// dx = g * df(x) over n values, the tail padded as in run.
template <class Arch, class DF>
void run_grad(const DF& df, const float* x, const float* g, float* dx, int64_t n) {
  using V = xsimd::batch<float, Arch>;
  constexpr int64_t W = V::size;
  int64_t i = 0;
  for (; i + W <= n; i += W)
    (V::load_unaligned(g + i) * df(V::load_unaligned(x + i))).store_unaligned(dx + i);
  const int64_t rest = n - i;
  if (rest > 0) {
    float xb[W] = {}, gb[W] = {}, yb[W];
    for (int64_t k = 0; k < rest; ++k) {
      xb[k] = x[i + k];
      gb[k] = g[i + k];
    }
    (V::load_unaligned(gb) * df(V::load_unaligned(xb))).store_unaligned(yb);
    for (int64_t k = 0; k < rest; ++k) dx[i + k] = yb[k];
  }
}

struct Forward {
  template <class Arch>
  void operator()(Arch, Activation f, const ActivationParams& p, const float* x, float* y,
                  int64_t n) const;
};

// Defined outside the class (so not implicitly inline): the `extern` declarations below
// then keep units compiled without an instruction set from instantiating its body.
template <class Arch>
void Forward::operator()(Arch, Activation f, const ActivationParams& p, const float* x,
                         float* y, int64_t n) const {
  switch (f) {
    case Activation::kSigmoid: return run<Arch>(Sigmoid{}, x, y, n);
    case Activation::kTanh: return run<Arch>(Tanh{}, x, y, n);
    case Activation::kSilu: return run<Arch>(Silu{}, x, y, n);
    case Activation::kElu: return run<Arch>(Elu{p.alpha}, x, y, n);
    case Activation::kGeluErf: return run<Arch>(GeluErf{}, x, y, n);
    case Activation::kGeluTanh: return run<Arch>(GeluTanh{}, x, y, n);
    case Activation::kSoftplus: return run<Arch>(Softplus{p.beta, p.threshold}, x, y, n);
  }
}

struct Backward {
  template <class Arch>
  void operator()(Arch, Activation f, const ActivationParams& p, const float* x,
                  const float* g, float* dx, int64_t n) const;
};

template <class Arch>
void Backward::operator()(Arch, Activation f, const ActivationParams& p, const float* x,
                          const float* g, float* dx, int64_t n) const {
  switch (f) {
    case Activation::kSilu: return run_grad<Arch>(SiluGrad{}, x, g, dx, n);
    case Activation::kGeluErf: return run_grad<Arch>(GeluErfGrad{}, x, g, dx, n);
    case Activation::kGeluTanh: return run_grad<Arch>(GeluTanhGrad{}, x, g, dx, n);
    case Activation::kSoftplus:
      return run_grad<Arch>(SoftplusGrad{p.beta, p.threshold}, x, g, dx, n);
    default: return;  // has_vector_backward() said no
  }
}

}  // namespace tg::kernels::vector_activation_detail

#define TG_VECTOR_ACTIVATION_FOR_ARCH(PREFIX, ARCH)                                  \
  PREFIX template void tg::kernels::vector_activation_detail::Forward::operator()<ARCH>( \
      ARCH, tg::kernels::Activation, const tg::kernels::ActivationParams&, const float*,  \
      float*, int64_t) const;                                                            \
  PREFIX template void tg::kernels::vector_activation_detail::Backward::operator()<ARCH>( \
      ARCH, tg::kernels::Activation, const tg::kernels::ActivationParams&, const float*,     \
      const float*, float*, int64_t) const;

TG_VECTOR_ACTIVATION_FOR_ARCH(extern, xsimd::avx512bw)
TG_VECTOR_ACTIVATION_FOR_ARCH(extern, xsimd::fma3<xsimd::avx2>)
TG_VECTOR_ACTIVATION_FOR_ARCH(extern, xsimd::sse2)
