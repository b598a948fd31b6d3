// Convolution kernel choice, made per call from the geometry alone:
//   float32 2-d 3x3 stride-1 layers, forward and input gradient when the algorithm setting
//     (conv_algorithm.h) says so, and the weight gradient when Auto measured it faster
//                                               -> Winograd F(2x2, 3x3) (conv_winograd.h)
//   input gradient of a 1x1 stride-1 layer on 256+ positions -> one GEMM per image (gemm.h)
//   depthwise (groups == C_in > 1)           -> direct vector loops (conv_depthwise.h)
//   buffers too large (huge kernels or rows) -> the reference loops (conv_reference.h)
//   everything else                          -> im2col + GEMM (conv_im2col.h)
#include "ops/kernels/conv.h"

#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "ops/kernels/conv_algorithm.h"
#include "ops/kernels/conv_depthwise.h"
#include "ops/kernels/conv_im2col.h"
#include "ops/kernels/conv_reference.h"
#include "ops/kernels/conv_winograd.h"
#include "ops/kernels/gemm.h"

namespace tg::kernels {
namespace {

enum class Impl { reference, depthwise, im2col };

// 1x1, stride 1, no padding, one group: the input gradient of each image is the plain
// product W^T gy, which the GEMM (packing gy once per block for all rows of W^T) does faster
// than the convolution kernels (measured on a 64 -> 256 layer: 150 against 121 GFLOP/s;
// for the forward and weight gradient the convolution kernels are faster).
// Large images only: one GEMM per image is a thin product on small ones (4x4: 16 columns),
// where the im2col path, whose panels run across images, does better.
constexpr int64_t kProductMinPositions = 256;

bool input_grad_is_product(const ConvGeometry& g) {
  if (g.groups != 1 || g.out_spatial() < kProductMinPositions) return false;
  for (int d = 0; d < 3; ++d)  // (transposed convolutions may have more inputs than outputs)
    if (g.kernel[d] != 1 || g.stride[d] != 1 || g.pad[d] != 0 || g.in[d] != g.out[d])
      return false;
  return true;
}

template <class T>
void backward_input_product(const ConvGeometry& g, const T* gy, const T* w, T* gx) {
  const int64_t P = g.out_spatial(), ci = g.in_channels, co = g.out_channels;
  for (int64_t n = 0; n < g.batch; ++n)
    gemm(true, false, ci, P, co, T(1), w, ci, gy + n * co * P, P, T(0), gx + n * ci * P, P);
}

template <class T>
Impl choose(const ConvGeometry& g) {
  if (conv_is_depthwise(g) && conv_depthwise_fits(g, sizeof(T))) return Impl::depthwise;
  if (!conv_im2col_fits(g, sizeof(T))) return Impl::reference;
  return Impl::im2col;
}

enum class Direction { forward, input_grad, weight_grad };

// Whether an eligible float32 layer runs Winograd: the setting, and under Auto the choice
// measured for this shape and thread limit: the first call runs both algorithms twice (each
// writing the output) and compares their best times; the caller then runs the chosen one.
template <class Direct, class Winograd>
bool use_winograd(Direction direction, const ConvGeometry& g, const Direct& direct,
                  const Winograd& winograd) {
  switch (get_conv_algorithm()) {
    case ConvAlgorithm::Direct: return false;
    case ConvAlgorithm::Winograd: return true;
    case ConvAlgorithm::Auto: break;
  }
  const auto threads = static_cast<int64_t>(
      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
  std::vector<int64_t> key{static_cast<int64_t>(direction), threads, g.batch, g.in_channels,
                           g.out_channels};
  for (int d = 0; d < 3; ++d) key.insert(key.end(), {g.in[d], g.out[d], g.pad[d]});
  return conv_auto_prefers_winograd(key, [&] {
    using Clock = std::chrono::steady_clock;
    double best[2] = {std::numeric_limits<double>::infinity(),
                      std::numeric_limits<double>::infinity()};
    for (int round = 0; round < 2; ++round) {
      for (int which = 0; which < 2; ++which) {
        const auto start = Clock::now();
        if (which == 0) {
          direct();
        } else {
          winograd();
        }
        best[which] = std::min(best[which],
                               std::chrono::duration<double>(Clock::now() - start).count());
      }
    }
    return best[1] < best[0];
  });
}

template <class T>
void forward_direct(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  switch (choose<T>(g)) {
    case Impl::depthwise: return conv_forward_depthwise(g, x, w, bias, y);
    case Impl::im2col: return conv_forward_im2col(g, x, w, bias, y);
    case Impl::reference: return conv_forward_ref(g, x, w, bias, y);
  }
}

template <class T>
void forward(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y) {
  check_conv_geometry("conv_forward", g);
  if constexpr (std::is_same_v<T, float>) {
    if (g.batch > 0 && conv_winograd_applies(g)) {
      auto direct = [&] { forward_direct(g, x, w, bias, y); };
      auto winograd = [&] { conv_forward_winograd(g, x, w, bias, y); };
      if (use_winograd(Direction::forward, g, direct, winograd)) return winograd();
    }
  }
  forward_direct(g, x, w, bias, y);
}

template <class T>
void backward_input_direct(const ConvGeometry& g, const T* gy, const T* w, T* gx) {
  if (input_grad_is_product(g) && g.batch > 0) {
    check_conv_pointer("conv_backward_input", "gy", gy);
    check_conv_pointer("conv_backward_input", "w", w);
    check_conv_pointer("conv_backward_input", "gx", gx);
    return backward_input_product(g, gy, w, gx);
  }
  switch (choose<T>(g)) {
    case Impl::depthwise: return conv_backward_input_depthwise(g, gy, w, gx);
    case Impl::im2col: return conv_backward_input_im2col(g, gy, w, gx);
    case Impl::reference: return conv_backward_input_ref(g, gy, w, gx);
  }
}

template <class T>
void backward_input(const ConvGeometry& g, const T* gy, const T* w, T* gx) {
  check_conv_geometry("conv_backward_input", g);
  if constexpr (std::is_same_v<T, float>) {
    if (g.batch > 0 && conv_winograd_input_grad_applies(g)) {
      auto direct = [&] { backward_input_direct(g, gy, w, gx); };
      auto winograd = [&] { conv_backward_input_winograd(g, gy, w, gx); };
      if (use_winograd(Direction::input_grad, g, direct, winograd)) return winograd();
    }
  }
  backward_input_direct(g, gy, w, gx);
}

template <class T>
void backward_weight_direct(const ConvGeometry& g, const T* x, const T* gy, T* gw) {
  switch (choose<T>(g)) {
    case Impl::depthwise: return conv_backward_weight_depthwise(g, x, gy, gw);
    case Impl::im2col: return conv_backward_weight_im2col(g, x, gy, gw);
    case Impl::reference: return conv_backward_weight_ref(g, x, gy, gw);
  }
}

template <class T>
void backward_weight(const ConvGeometry& g, const T* x, const T* gy, T* gw) {
  check_conv_geometry("conv_backward_weight", g);
  // The Winograd weight gradient measured no faster than the direct one on ResNet-18's
  // layers (0.9-1.1x), so only Auto, which times both, may pick it.
  if constexpr (std::is_same_v<T, float>) {
    if (g.batch > 0 && get_conv_algorithm() == ConvAlgorithm::Auto && conv_winograd_applies(g)) {
      auto direct = [&] { backward_weight_direct(g, x, gy, gw); };
      auto winograd = [&] { conv_backward_weight_winograd(g, x, gy, gw); };
      if (use_winograd(Direction::weight_grad, g, direct, winograd)) return winograd();
    }
  }
  backward_weight_direct(g, x, gy, gw);
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
