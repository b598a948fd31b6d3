#include "nn/modules/upsampling.h"

#include "ops/resample.h"

namespace tg::nn {
namespace {

const char* mode_enum_name(InterpolateMode mode) {
  switch (mode) {
    case InterpolateMode::Nearest: return "kNearest";
    case InterpolateMode::Linear: return "kLinear";
    case InterpolateMode::Bilinear: return "kBilinear";
    case InterpolateMode::Trilinear: return "kTrilinear";
  }
  return "?";
}

template <class T>
void print_list(std::ostream& stream, const std::vector<T>& values) {
  stream << "[";
  for (std::size_t i = 0; i < values.size(); ++i) stream << (i ? ", " : "") << values[i];
  stream << "]";
}

}  // namespace

UpsampleImpl::UpsampleImpl(const UpsampleOptions& options_) : options(options_) { reset(); }

void UpsampleImpl::reset() {
  const auto& size = options.size();
  const auto& scale = options.scale_factor();
  TG_CHECK(size || scale, "Upsample: either size or scale_factor must be given");
  TG_CHECK(!(size && scale), "Upsample: only one of size and scale_factor may be given");
  if (size) {
    TG_CHECK(!size->empty() && size->size() <= 3, "Upsample: size must have 1 to 3 values, got ",
             IntArrayRef(*size));
    for (int64_t v : *size)
      TG_CHECK(v >= 1, "Upsample: size must be >= 1 in every dim, got ", IntArrayRef(*size));
  } else {
    TG_CHECK(!scale->empty() && scale->size() <= 3,
             "Upsample: scale_factor must have 1 to 3 values, got ", scale->size());
    for (double v : *scale)
      TG_CHECK(v > 0.0, "Upsample: scale_factor must be positive in every dim, got ", v);
  }
  TG_CHECK(!options.align_corners() || options.mode() != InterpolateMode::Nearest,
           "Upsample: align_corners can only be set with the interpolating modes (linear, "
           "bilinear, trilinear), got mode=", mode_enum_name(options.mode()));
}

Tensor UpsampleImpl::forward(const Tensor& input) {
  return tg::interpolate(input, options.size(), options.scale_factor(), options.mode(),
                         options.align_corners());
}

void UpsampleImpl::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::Upsample(";
  if (options.scale_factor()) {
    stream << "scale_factor=";
    print_list(stream, *options.scale_factor());
  } else {
    stream << "size=";
    print_list(stream, *options.size());
  }
  stream << ", mode=" << mode_enum_name(options.mode()) << ")";
}

}  // namespace tg::nn
