// Upsampling kernels (PyTorch 1.13's interpolate modes 'nearest' and
// 'linear'/'bilinear'/'trilinear') on contiguous N, C, D, H, W buffers. 1-d and 2-d
// problems are 3-d problems with leading sizes 1. Outputs are preallocated and
// overwritten; backward kernels are gathers, so results do not depend on the thread
// count.
#pragma once
#include <array>
#include <cstdint>

namespace tg::kernels {

struct ResampleGeometry {
  int64_t batch = 1;
  int64_t channels = 1;
  // Spatial sizes in (depth, height, width) order; unused leading dims are 1.
  std::array<int64_t, 3> in{1, 1, 1};
  std::array<int64_t, 3> out{1, 1, 1};
  // The scale factor the caller gave per dim, used as given (PyTorch's scale_factor with
  // recompute_scale_factor off); 0 means none: the ratio comes from the sizes.
  std::array<double, 3> scale{0.0, 0.0, 0.0};

  int64_t planes() const { return batch * channels; }
  int64_t in_spatial() const { return in[0] * in[1] * in[2]; }
  int64_t out_spatial() const { return out[0] * out[1] * out[2]; }
};

// PyTorch's 'nearest' source index of output position `dst` along one dim: dst when the
// sizes match, dst/2 when out == 2*in, else min(floor(dst * s), in - 1) in float with
// s = 1/scale if a scale is given, else in/out.
int64_t nearest_source_index(int64_t dst, int64_t in, int64_t out, double scale);

// The two source taps and weights of output position `dst` along one dim for linear
// modes, computed as PyTorch does (ratio in T, source coordinate in double, negative
// coordinates clamped to 0 when !align_corners). When in == out: {dst, dst, 1, 0}.
template <class T>
struct LinearTaps {
  int64_t index0 = 0;
  int64_t index1 = 0;
  T weight0 = T(1);
  T weight1 = T(0);
};

template <class T>
LinearTaps<T> linear_source(int64_t dst, int64_t in, int64_t out, bool align_corners, double scale);

template <class T>
void upsample_nearest_forward(const ResampleGeometry& g, const T* x, T* y);

// gx[i] = sum of gy over the output positions whose nearest source is i.
template <class T>
void upsample_nearest_backward(const ResampleGeometry& g, const T* gy, T* gx);

// Linear interpolation along every dim whose size changes; a dim with in == out is
// copied (PyTorch multiplies it by weights 1 and 0, which differs only for infinities).
template <class T>
void upsample_linear_forward(const ResampleGeometry& g, bool align_corners, const T* x, T* y);

template <class T>
void upsample_linear_backward(const ResampleGeometry& g, bool align_corners, const T* gy, T* gx);

#define TG_RESAMPLE_EXTERN(T)                                                                   \
  extern template LinearTaps<T> linear_source<T>(int64_t, int64_t, int64_t, bool, double);      \
  extern template void upsample_nearest_forward<T>(const ResampleGeometry&, const T*, T*);      \
  extern template void upsample_nearest_backward<T>(const ResampleGeometry&, const T*, T*);     \
  extern template void upsample_linear_forward<T>(const ResampleGeometry&, bool, const T*, T*); \
  extern template void upsample_linear_backward<T>(const ResampleGeometry&, bool, const T*, T*);
TG_RESAMPLE_EXTERN(float)
TG_RESAMPLE_EXTERN(double)
#undef TG_RESAMPLE_EXTERN

}  // namespace tg::kernels
