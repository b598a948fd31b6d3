// Convolution kernel choice: the reference loops for now.
#include "ops/kernels/conv.h"

#include "ops/kernels/conv_reference.h"

namespace tg::kernels {

void conv_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                  float* y) {
  conv_forward_ref(g, x, w, bias, y);
}
void conv_forward(const ConvGeometry& g, const double* x, const double* w, const double* bias,
                  double* y) {
  conv_forward_ref(g, x, w, bias, y);
}

void conv_backward_input(const ConvGeometry& g, const float* gy, const float* w, float* gx) {
  conv_backward_input_ref(g, gy, w, gx);
}
void conv_backward_input(const ConvGeometry& g, const double* gy, const double* w, double* gx) {
  conv_backward_input_ref(g, gy, w, gx);
}

void conv_backward_weight(const ConvGeometry& g, const float* x, const float* gy, float* gw) {
  conv_backward_weight_ref(g, x, gy, gw);
}
void conv_backward_weight(const ConvGeometry& g, const double* x, const double* gy,
                          double* gw) {
  conv_backward_weight_ref(g, x, gy, gw);
}

const char* conv_impl_name() { return "reference"; }

}  // namespace tg::kernels
