// Shapes and options of one N-d convolution or pooling, as the kernels see them.
// 1-d and 2-d problems are 3-d problems whose leading spatial sizes are 1, so each
// kernel is written once for every rank.
#pragma once
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace tg::kernels {

struct ConvGeometry {
  int64_t batch = 1;
  int64_t in_channels = 1;
  int64_t out_channels = 1;
  int64_t groups = 1;
  // Spatial sizes in (depth, height, width) order; unused leading dims are 1.
  std::array<int64_t, 3> in{1, 1, 1};
  std::array<int64_t, 3> out{1, 1, 1};
  std::array<int64_t, 3> kernel{1, 1, 1};
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> dilation{1, 1, 1};
  // Zero padding before each spatial dim. Padding after is implied by `out`:
  // any tap that falls outside [0, in) reads zero.
  std::array<int64_t, 3> pad{0, 0, 0};

  int64_t in_spatial() const { return in[0] * in[1] * in[2]; }
  int64_t out_spatial() const { return out[0] * out[1] * out[2]; }
  int64_t kernel_spatial() const { return kernel[0] * kernel[1] * kernel[2]; }
  int64_t in_per_group() const { return in_channels / groups; }
  int64_t out_per_group() const { return out_channels / groups; }
};

// "[a, b, c]" and "(batch=.., in_channels=.., ..., pad=[..])": geometries in error messages.
std::string dims_text(const std::array<int64_t, 3>& dims);
std::string conv_geometry_text(const ConvGeometry& g);

// Throws std::invalid_argument naming `fn` and the geometry unless g describes a valid
// convolution (positive sizes, channels divisible by groups, non-negative padding).
void check_conv_geometry(const char* fn, const ConvGeometry& g);

// Throws std::invalid_argument naming `fn` and `name` when p is null.
void check_conv_pointer(const char* fn, const char* name, const void* p);

// Output size of a convolution along one dim (PyTorch's formula):
// floor((in + pad_before + pad_after - dilation*(kernel-1) - 1) / stride) + 1.
inline int64_t conv_output_size(int64_t in, int64_t pad_before, int64_t pad_after, int64_t kernel,
                                int64_t stride, int64_t dilation) {
  return (in + pad_before + pad_after - dilation * (kernel - 1) - 1) / stride + 1;
}

// Output size of a pooling window along one dim, with PyTorch's ceil_mode rule: in ceil
// mode the last window must start inside the input or the left padding.
inline int64_t pool_output_size(int64_t in, int64_t pad, int64_t kernel, int64_t stride,
                                int64_t dilation, bool ceil_mode) {
  const int64_t span = in + 2 * pad - dilation * (kernel - 1) - 1;
  int64_t out = (span + (ceil_mode ? stride - 1 : 0)) / stride + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// PyTorch's padding="same" for a stride-1 convolution along one dim: the total padding
// dilation*(kernel-1) is split with the smaller half before and the rest after, so an
// even kernel pads one more element after than before.
struct SamePadding {
  int64_t before = 0;
  int64_t after = 0;
};

inline SamePadding same_padding(int64_t kernel, int64_t dilation) {
  const int64_t total = dilation * (kernel - 1);
  return {total / 2, total - total / 2};
}

// PyTorch rejects pooling whose padding exceeds half the kernel (every window must keep
// at least one input element). Throws std::invalid_argument naming both values.
inline void check_pool_padding(int64_t kernel, int64_t pad) {
  if (pad < 0 || pad > kernel / 2) {
    throw std::invalid_argument("check_pool_padding: pad must be in [0, kernel/2], got pad=" +
                                std::to_string(pad) + " for kernel=" + std::to_string(kernel));
  }
}

inline void check_pool_padding(const std::array<int64_t, 3>& kernel,
                               const std::array<int64_t, 3>& pad) {
  for (int d = 0; d < 3; ++d) check_pool_padding(kernel[d], pad[d]);
}

}  // namespace tg::kernels
