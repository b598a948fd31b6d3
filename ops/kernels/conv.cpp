// Convolution kernel choice, made per call from the geometry alone:
//   depthwise (groups == C_in > 1)           -> direct vector loops (conv_depthwise.h)
//   buffers too large (huge kernels or rows) -> the reference loops (conv_reference.h)
//   everything else                          -> im2col + GEMM (conv_im2col.h)
#include "ops/kernels/conv.h"

#include <string>

#include "ops/kernels/conv_depthwise.h"
#include "ops/kernels/conv_im2col.h"
#include "ops/kernels/conv_reference.h"

namespace tg::kernels {
namespace {

enum class Impl { reference, depthwise, im2col };

template <class T>
Impl choose(const ConvGeometry& g) {
  if (conv_is_depthwise(g) && conv_depthwise_fits(g, sizeof(T))) return Impl::depthwise;
  if (!conv_im2col_fits(g, sizeof(T))) return Impl::reference;
  return Impl::im2col;
}

template <class T>
void forward(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  check_conv_geometry("conv_forward", g);
  switch (choose<T>(g)) {
    case Impl::depthwise: return conv_forward_depthwise(g, x, w, bias, y);
    case Impl::im2col: return conv_forward_im2col(g, x, w, bias, y);
    case Impl::reference: return conv_forward_ref(g, x, w, bias, y);
  }
}

template <class T>
void backward_input(const ConvGeometry& g, const T* gy, const T* w, T* gx) {
  check_conv_geometry("conv_backward_input", g);
  switch (choose<T>(g)) {
    case Impl::depthwise: return conv_backward_input_depthwise(g, gy, w, gx);
    case Impl::im2col: return conv_backward_input_im2col(g, gy, w, gx);
    case Impl::reference: return conv_backward_input_ref(g, gy, w, gx);
  }
}

template <class T>
void backward_weight(const ConvGeometry& g, const T* x, const T* gy, T* gw) {
  check_conv_geometry("conv_backward_weight", g);
  switch (choose<T>(g)) {
    case Impl::depthwise: return conv_backward_weight_depthwise(g, x, gy, gw);
    case Impl::im2col: return conv_backward_weight_im2col(g, x, gy, gw);
    case Impl::reference: return conv_backward_weight_ref(g, x, gy, gw);
  }
}

}  // namespace

void conv_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                  float* y) {
  forward(g, x, w, bias, y);
}
void conv_forward(const ConvGeometry& g, const double* x, const double* w, const double* bias,
                  double* y) {
  forward(g, x, w, bias, y);
}

void conv_backward_input(const ConvGeometry& g, const float* gy, const float* w, float* gx) {
  backward_input(g, gy, w, gx);
}
void conv_backward_input(const ConvGeometry& g, const double* gy, const double* w, double* gx) {
  backward_input(g, gy, w, gx);
}

void conv_backward_weight(const ConvGeometry& g, const float* x, const float* gy, float* gw) {
  backward_weight(g, x, gy, gw);
}
void conv_backward_weight(const ConvGeometry& g, const double* x, const double* gy,
                          double* gw) {
  backward_weight(g, x, gy, gw);
}

const char* conv_impl_name() {
  static const std::string name =
      std::string("im2col+gemm, depthwise ") + conv_depthwise_isa_name() + ", reference fallback";
  return name.c_str();
}

}  // namespace tg::kernels
