#include "ops/kernels/conv_geometry.h"

namespace tg::kernels {

std::string dims_text(const std::array<int64_t, 3>& dims) {
  return "[" + std::to_string(dims[0]) + ", " + std::to_string(dims[1]) + ", " +
         std::to_string(dims[2]) + "]";
}

std::string conv_geometry_text(const ConvGeometry& g) {
  return "(batch=" + std::to_string(g.batch) + ", in_channels=" + std::to_string(g.in_channels) +
         ", out_channels=" + std::to_string(g.out_channels) +
         ", groups=" + std::to_string(g.groups) + ", in=" + dims_text(g.in) +
         ", out=" + dims_text(g.out) + ", kernel=" + dims_text(g.kernel) +
         ", stride=" + dims_text(g.stride) + ", dilation=" + dims_text(g.dilation) +
         ", pad=" + dims_text(g.pad) + ")";
}

void check_conv_geometry(const char* fn, const ConvGeometry& g) {
  auto fail = [&](const std::string& what) {
    throw std::invalid_argument(std::string(fn) + ": " + what + " in geometry " +
                                conv_geometry_text(g));
  };
  if (g.batch < 0) fail("batch must be >= 0");
  if (g.groups < 1) fail("groups must be >= 1");
  if (g.in_channels < 1 || g.in_channels % g.groups != 0)
    fail("in_channels must be a positive multiple of groups");
  if (g.out_channels < 1 || g.out_channels % g.groups != 0)
    fail("out_channels must be a positive multiple of groups");
  for (int d = 0; d < 3; ++d) {
    if (g.in[d] < 1 || g.out[d] < 1) fail("spatial sizes must be >= 1");
    if (g.kernel[d] < 1) fail("kernel sizes must be >= 1");
    if (g.stride[d] < 1) fail("strides must be >= 1");
    if (g.dilation[d] < 1) fail("dilations must be >= 1");
    if (g.pad[d] < 0) fail("padding must be >= 0");
  }
}

void check_conv_pointer(const char* fn, const char* name, const void* p) {
  if (p == nullptr) throw std::invalid_argument(std::string(fn) + ": " + name + " is null");
}

}  // namespace tg::kernels
