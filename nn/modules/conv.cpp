#include "nn/modules/conv.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "nn/functional/conv.h"
#include "nn/init.h"

namespace tg::nn {
namespace {

template <std::size_t D>
std::string module_name(const char* kind) {
  return std::string(kind) + std::to_string(D) + "d";
}

template <std::size_t D>
bool all_equal(const ExpandingArray<D>& values, int64_t v) {
  return std::all_of(values.begin(), values.end(), [v](int64_t x) { return x == v; });
}

template <std::size_t D>
bool all_at_least(const ExpandingArray<D>& values, int64_t v) {
  return std::all_of(values.begin(), values.end(), [v](int64_t x) { return x >= v; });
}

// The checks shared by convolutions and transposed convolutions.
template <std::size_t D>
void check_conv_options(const std::string& name, int64_t in_channels, int64_t out_channels,
                        int64_t groups, const ExpandingArray<D>& kernel_size,
                        const ExpandingArray<D>& stride, const ExpandingArray<D>& dilation) {
  TG_CHECK(in_channels > 0 && out_channels > 0 && groups > 0, name,
           ": in_channels, out_channels and groups must be positive, got in_channels=",
           in_channels, ", out_channels=", out_channels, ", groups=", groups);
  TG_CHECK(in_channels % groups == 0, name, ": in_channels must be divisible by groups, got "
           "in_channels=", in_channels, ", groups=", groups);
  TG_CHECK(out_channels % groups == 0, name, ": out_channels must be divisible by groups, got "
           "out_channels=", out_channels, ", groups=", groups);
  TG_CHECK(all_at_least(kernel_size, 1), name, ": kernel_size must be positive, got ",
           IntArrayRef(kernel_size));
  TG_CHECK(all_at_least(stride, 1), name, ": stride must be positive, got ",
           IntArrayRef(stride));
  TG_CHECK(all_at_least(dilation, 1), name, ": dilation must be positive, got ",
           IntArrayRef(dilation));
}

// [lead0, lead1, k...]: the weight shape of either kind of convolution.
template <std::size_t D>
Shape weight_shape(int64_t lead0, int64_t lead1, const ExpandingArray<D>& kernel_size) {
  std::vector<int64_t> dims = {lead0, lead1};
  dims.insert(dims.end(), kernel_size.begin(), kernel_size.end());
  return Shape(dims);
}

// Registers (or, when reset() runs again, re-registers in the same order) weight and bias.
std::tuple<Tensor, Tensor> register_weight_and_bias(Module& m,
                                                    OrderedDict<std::string, Tensor>& own,
                                                    const Shape& weight_shape,
                                                    int64_t bias_size, bool with_bias) {
  for (const char* name : {"weight", "bias"})
    if (own.contains(name)) own.erase(name);
  Tensor weight = m.register_parameter("weight", empty(weight_shape));
  Tensor bias = m.register_parameter("bias", with_bias ? empty({bias_size}) : Tensor(), with_bias);
  return {weight, bias};
}

// PyTorch's _ConvNd.reset_parameters.
void init_weight_and_bias(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (!bias.defined()) return;
  const int64_t fan_in = std::get<0>(init::calculate_fan_in_and_fan_out(weight));
  if (fan_in == 0) return;
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  init::uniform_(bias, -bound, bound);
}

const char* padding_mode_enum_name(PaddingMode mode) {
  switch (mode) {
    case PaddingMode::Zeros: return "kZeros";
    case PaddingMode::Reflect: return "kReflect";
    case PaddingMode::Replicate: return "kReplicate";
    case PaddingMode::Circular: return "kCircular";
  }
  return "?";
}

}  // namespace

// ---------------------------------------------------------------- ConvNdImpl
template <std::size_t D, class Derived>
ConvNdImpl<D, Derived>::ConvNdImpl(ConvOptions<D> options_) : options(std::move(options_)) {
  reset();
}

template <std::size_t D, class Derived>
void ConvNdImpl<D, Derived>::reset() {
  const std::string name = module_name<D>("Conv");
  const ConvOptions<D>& o = options;
  check_conv_options<D>(name, o.in_channels(), o.out_channels(), o.groups(), o.kernel_size(),
                        o.stride(), o.dilation());
  if (o.padding().is_kind()) {
    TG_CHECK(o.padding().kind() != kSame || all_equal(o.stride(), 1), name,
             ": padding='same' is not supported for strided convolutions, got stride=",
             IntArrayRef(o.stride()));
  } else {
    TG_CHECK(all_at_least(o.padding().values(), 0), name, ": padding must be non-negative, got ",
             IntArrayRef(o.padding().values()));
  }
  std::tie(weight, bias) = register_weight_and_bias(
      *this, raw_parameters(),
      weight_shape<D>(o.out_channels(), o.in_channels() / o.groups(), o.kernel_size()),
      o.out_channels(), o.bias());
  reset_parameters();
}

template <std::size_t D, class Derived>
void ConvNdImpl<D, Derived>::reset_parameters() {
  init_weight_and_bias(weight, bias);
}

template <std::size_t D, class Derived>
Tensor ConvNdImpl<D, Derived>::forward(const Tensor& input) {
  return functional::conv_nd_with_padding_mode<D>(input, weight, bias, options);
}

template <std::size_t D, class Derived>
void ConvNdImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  const ConvOptions<D>& o = options;
  stream << "tg::nn::Conv" << D << "d(" << o.in_channels() << ", " << o.out_channels()
         << ", kernel_size=" << IntArrayRef(o.kernel_size())
         << ", stride=" << IntArrayRef(o.stride());
  if (o.padding().is_kind()) {
    stream << ", padding=" << (o.padding().kind() == kSame ? "'same'" : "'valid'");
  } else if (!all_equal(o.padding().values(), 0)) {
    stream << ", padding=" << IntArrayRef(o.padding().values());
  }
  if (!all_equal(o.dilation(), 1)) stream << ", dilation=" << IntArrayRef(o.dilation());
  if (o.groups() != 1) stream << ", groups=" << o.groups();
  if (!o.bias()) stream << ", bias=false";
  if (o.padding_mode() != kZeros)
    stream << ", padding_mode=" << padding_mode_enum_name(o.padding_mode());
  stream << ")";
}

// ---------------------------------------------------------------- ConvTransposeNdImpl
template <std::size_t D, class Derived>
ConvTransposeNdImpl<D, Derived>::ConvTransposeNdImpl(ConvTransposeOptions<D> options_)
    : options(std::move(options_)) {
  reset();
}

template <std::size_t D, class Derived>
void ConvTransposeNdImpl<D, Derived>::reset() {
  const std::string name = module_name<D>("ConvTranspose");
  const ConvTransposeOptions<D>& o = options;
  check_conv_options<D>(name, o.in_channels(), o.out_channels(), o.groups(), o.kernel_size(),
                        o.stride(), o.dilation());
  TG_CHECK(o.padding_mode() == kZeros, name, ": only padding_mode kZeros is supported, got ",
           padding_mode_enum_name(o.padding_mode()));
  TG_CHECK(all_at_least(o.padding(), 0), name, ": padding must be non-negative, got ",
           IntArrayRef(o.padding()));
  for (std::size_t i = 0; i < D; ++i) {
    const int64_t op = o.output_padding()[i];
    TG_CHECK(op >= 0 && (op < o.stride()[i] || op < o.dilation()[i]), name,
             ": output_padding must be non-negative and smaller than either stride or "
             "dilation, got output_padding=", IntArrayRef(o.output_padding()), ", stride=",
             IntArrayRef(o.stride()), ", dilation=", IntArrayRef(o.dilation()));
  }
  std::tie(weight, bias) = register_weight_and_bias(
      *this, raw_parameters(),
      weight_shape<D>(o.in_channels(), o.out_channels() / o.groups(), o.kernel_size()),
      o.out_channels(), o.bias());
  reset_parameters();
}

template <std::size_t D, class Derived>
void ConvTransposeNdImpl<D, Derived>::reset_parameters() {
  init_weight_and_bias(weight, bias);
}

// PyTorch's _ConvTransposeNd._output_padding: output_size (its last D values) must lie in
// [natural, natural + stride - 1] per dim; the excess is the output padding.
template <std::size_t D, class Derived>
ExpandingArray<D> ConvTransposeNdImpl<D, Derived>::output_padding_for(
    const Tensor& input, const std::optional<IntArrayRef>& output_size) const {
  const ConvTransposeOptions<D>& o = options;
  if (!output_size) return o.output_padding();
  const std::string name = module_name<D>("ConvTranspose");
  constexpr int64_t spatial = static_cast<int64_t>(D);
  TG_CHECK(input.defined() && (input.dim() == spatial + 1 || input.dim() == spatial + 2), name,
           ": expected a ", spatial + 1, "-d (unbatched) or ", spatial + 2,
           "-d (batched) input, got shape ", input.defined() ? input.shape() : Shape());
  const int64_t non_spatial = input.dim() - spatial;
  std::vector<int64_t> want = output_size->vec();
  TG_CHECK(static_cast<int64_t>(want.size()) == spatial ||
               static_cast<int64_t>(want.size()) == spatial + non_spatial,
           name, ": for a ", input.dim(), "-d input, output_size must have ", spatial, " or ",
           spatial + non_spatial, " elements, got ", IntArrayRef(want));
  if (static_cast<int64_t>(want.size()) != spatial)
    want.erase(want.begin(), want.begin() + non_spatial);
  ExpandingArray<D> result(0);
  for (std::size_t d = 0; d < D; ++d) {
    const int64_t in = input.size(non_spatial + static_cast<int64_t>(d));
    const int64_t min_size = (in - 1) * o.stride()[d] - 2 * o.padding()[d] +
                             o.dilation()[d] * (o.kernel_size()[d] - 1) + 1;
    const int64_t max_size = min_size + o.stride()[d] - 1;
    TG_CHECK(want[d] >= min_size && want[d] <= max_size, name, ": requested output_size ",
             IntArrayRef(want), " is not reachable: dim ", d, " must be between ", min_size,
             " and ", max_size, " for input shape ", input.shape());
    result[d] = want[d] - min_size;
  }
  return result;
}

template <std::size_t D, class Derived>
Tensor ConvTransposeNdImpl<D, Derived>::forward(const Tensor& input,
                                                const std::optional<IntArrayRef>& output_size) {
  const ConvTransposeOptions<D>& o = options;
  const auto func_options = functional::ConvTransposeFuncOptions<D>()
                                .bias(bias)
                                .stride(o.stride())
                                .padding(o.padding())
                                .output_padding(output_padding_for(input, output_size))
                                .groups(o.groups())
                                .dilation(o.dilation());
  return functional::detail::conv_transpose<D>(input, weight, func_options);
}

template <std::size_t D, class Derived>
void ConvTransposeNdImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  const ConvTransposeOptions<D>& o = options;
  stream << "tg::nn::ConvTranspose" << D << "d(" << o.in_channels() << ", " << o.out_channels()
         << ", kernel_size=" << IntArrayRef(o.kernel_size())
         << ", stride=" << IntArrayRef(o.stride());
  if (!all_equal(o.padding(), 0)) stream << ", padding=" << IntArrayRef(o.padding());
  if (!all_equal(o.dilation(), 1)) stream << ", dilation=" << IntArrayRef(o.dilation());
  if (!all_equal(o.output_padding(), 0))
    stream << ", output_padding=" << IntArrayRef(o.output_padding());
  if (o.groups() != 1) stream << ", groups=" << o.groups();
  if (!o.bias()) stream << ", bias=false";
  stream << ")";
}

template class ConvNdImpl<1, Conv1dImpl>;
template class ConvNdImpl<2, Conv2dImpl>;
template class ConvNdImpl<3, Conv3dImpl>;
template class ConvTransposeNdImpl<1, ConvTranspose1dImpl>;
template class ConvTransposeNdImpl<2, ConvTranspose2dImpl>;
template class ConvTransposeNdImpl<3, ConvTranspose3dImpl>;

}  // namespace tg::nn
