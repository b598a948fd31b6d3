#include "nn/modules/pooling.h"

#include <string>

#include "nn/functional/pool.h"

namespace tg::nn {
namespace {

template <std::size_t D>
std::string module_name(const char* kind) {
  return std::string(kind) + std::to_string(D) + "d";
}

template <std::size_t D>
void check_at_least(const std::string& name, const char* what, const ExpandingArray<D>& values,
                    int64_t min) {
  for (int64_t v : values)
    TG_CHECK(v >= min, name, ": ", what, " must be >= ", min, " in every dim, got ",
             IntArrayRef(values));
}

// The window checks of max and average pooling (and of the pooling MaxUnpool inverts).
template <std::size_t D>
void check_window(const std::string& name, const ExpandingArray<D>& kernel_size,
                  const ExpandingArray<D>& stride, const ExpandingArray<D>& padding) {
  check_at_least<D>(name, "kernel_size", kernel_size, 1);
  check_at_least<D>(name, "stride", stride, 1);
  check_at_least<D>(name, "padding", padding, 0);
}

template <std::size_t D>
void check_padding_at_most_half_kernel(const std::string& name,
                                       const ExpandingArray<D>& kernel_size,
                                       const ExpandingArray<D>& padding) {
  for (std::size_t i = 0; i < D; ++i) {
    TG_CHECK(padding[i] <= kernel_size[i] / 2, name, ": padding must be at most half the "
             "kernel size, got padding=", IntArrayRef(padding), ", kernel_size=",
             IntArrayRef(kernel_size));
  }
}

template <std::size_t D>
void check_output_size(const std::string& name, const ExpandingArrayWithOptionalElem<D>& size) {
  for (std::size_t i = 0; i < D; ++i) {
    TG_CHECK(!size[i] || *size[i] >= 1, name, ": output_size must be >= 1 (or None) in every "
             "dim, got ", *size[i], " in dim ", i);
  }
}

template <std::size_t D>
void print_output_size(std::ostream& stream, const ExpandingArrayWithOptionalElem<D>& size) {
  stream << "[";
  for (std::size_t i = 0; i < D; ++i) {
    stream << (i ? ", " : "");
    if (size[i]) stream << *size[i];
    else stream << "None";
  }
  stream << "]";
}

}  // namespace

// ---------------------------------------------------------------- MaxPoolImpl
template <std::size_t D, class Derived>
MaxPoolImpl<D, Derived>::MaxPoolImpl(const MaxPoolOptions<D>& options_) : options(options_) {
  reset();
}

template <std::size_t D, class Derived>
void MaxPoolImpl<D, Derived>::reset() {
  const std::string name = module_name<D>("MaxPool");
  check_window<D>(name, options.kernel_size(), options.stride(), options.padding());
  check_at_least<D>(name, "dilation", options.dilation(), 1);
  check_padding_at_most_half_kernel<D>(name, options.kernel_size(), options.padding());
}

template <std::size_t D, class Derived>
Tensor MaxPoolImpl<D, Derived>::forward(const Tensor& input) {
  return std::get<0>(functional::detail::max_pool_with_indices<D>(input, options));
}

template <std::size_t D, class Derived>
std::tuple<Tensor, Tensor> MaxPoolImpl<D, Derived>::forward_with_indices(const Tensor& input) {
  return functional::detail::max_pool_with_indices<D>(input, options);
}

template <std::size_t D, class Derived>
void MaxPoolImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << std::boolalpha << "tg::nn::MaxPool" << D << "d(kernel_size="
         << IntArrayRef(options.kernel_size()) << ", stride=" << IntArrayRef(options.stride())
         << ", padding=" << IntArrayRef(options.padding())
         << ", dilation=" << IntArrayRef(options.dilation())
         << ", ceil_mode=" << options.ceil_mode() << ")";
}

// ---------------------------------------------------------------- AvgPoolImpl
template <std::size_t D, class Derived>
AvgPoolImpl<D, Derived>::AvgPoolImpl(const AvgPoolOptions<D>& options_) : options(options_) {
  reset();
}

template <std::size_t D, class Derived>
void AvgPoolImpl<D, Derived>::reset() {
  const std::string name = module_name<D>("AvgPool");
  check_window<D>(name, options.kernel_size(), options.stride(), options.padding());
  check_padding_at_most_half_kernel<D>(name, options.kernel_size(), options.padding());
  if (options.divisor_override()) {
    TG_CHECK(D != 1, name, ": divisor_override is not supported for 1-d pooling (as in "
             "PyTorch)");
    TG_CHECK(*options.divisor_override() != 0, name, ": divisor_override must not be zero");
  }
}

template <std::size_t D, class Derived>
Tensor AvgPoolImpl<D, Derived>::forward(const Tensor& input) {
  return functional::detail::avg_pool<D>(input, options);
}

template <std::size_t D, class Derived>
void AvgPoolImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::AvgPool" << D << "d(kernel_size=" << IntArrayRef(options.kernel_size())
         << ", stride=" << IntArrayRef(options.stride())
         << ", padding=" << IntArrayRef(options.padding()) << ")";
}

// ---------------------------------------------------------------- AdaptiveAvgPoolImpl
template <std::size_t D, class Derived>
AdaptiveAvgPoolImpl<D, Derived>::AdaptiveAvgPoolImpl(const AdaptivePoolOptions<D>& options_)
    : options(options_) {
  reset();
}

template <std::size_t D, class Derived>
void AdaptiveAvgPoolImpl<D, Derived>::reset() {
  check_output_size<D>(module_name<D>("AdaptiveAvgPool"), options.output_size());
}

template <std::size_t D, class Derived>
Tensor AdaptiveAvgPoolImpl<D, Derived>::forward(const Tensor& input) {
  return functional::detail::adaptive_avg_pool<D>(input, options);
}

template <std::size_t D, class Derived>
void AdaptiveAvgPoolImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::AdaptiveAvgPool" << D << "d(output_size=";
  print_output_size<D>(stream, options.output_size());
  stream << ")";
}

// ---------------------------------------------------------------- AdaptiveMaxPoolImpl
template <std::size_t D, class Derived>
AdaptiveMaxPoolImpl<D, Derived>::AdaptiveMaxPoolImpl(const AdaptivePoolOptions<D>& options_)
    : options(options_) {
  reset();
}

template <std::size_t D, class Derived>
void AdaptiveMaxPoolImpl<D, Derived>::reset() {
  check_output_size<D>(module_name<D>("AdaptiveMaxPool"), options.output_size());
}

template <std::size_t D, class Derived>
Tensor AdaptiveMaxPoolImpl<D, Derived>::forward(const Tensor& input) {
  return std::get<0>(functional::detail::adaptive_max_pool<D>(input, options));
}

template <std::size_t D, class Derived>
std::tuple<Tensor, Tensor> AdaptiveMaxPoolImpl<D, Derived>::forward_with_indices(
    const Tensor& input) {
  return functional::detail::adaptive_max_pool<D>(input, options);
}

template <std::size_t D, class Derived>
void AdaptiveMaxPoolImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::AdaptiveMaxPool" << D << "d(output_size=";
  print_output_size<D>(stream, options.output_size());
  stream << ")";
}

// ---------------------------------------------------------------- MaxUnpoolImpl
template <std::size_t D, class Derived>
MaxUnpoolImpl<D, Derived>::MaxUnpoolImpl(const MaxUnpoolOptions<D>& options_)
    : options(options_) {
  reset();
}

template <std::size_t D, class Derived>
void MaxUnpoolImpl<D, Derived>::reset() {
  check_window<D>(module_name<D>("MaxUnpool"), options.kernel_size(), options.stride(),
                  options.padding());
}

template <std::size_t D, class Derived>
Tensor MaxUnpoolImpl<D, Derived>::forward(const Tensor& input, const Tensor& indices,
                                          const std::optional<std::vector<int64_t>>& output_size) {
  return functional::detail::max_unpool<D>(input, indices,
                                           functional::MaxUnpoolFuncOptions<D>(
                                               options.kernel_size())
                                               .stride(options.stride())
                                               .padding(options.padding())
                                               .output_size(output_size));
}

template <std::size_t D, class Derived>
void MaxUnpoolImpl<D, Derived>::pretty_print(std::ostream& stream) const {
  stream << "tg::nn::MaxUnpool" << D << "d(kernel_size=" << IntArrayRef(options.kernel_size())
         << ", stride=" << IntArrayRef(options.stride())
         << ", padding=" << IntArrayRef(options.padding()) << ")";
}

template class MaxPoolImpl<1, MaxPool1dImpl>;
template class MaxPoolImpl<2, MaxPool2dImpl>;
template class MaxPoolImpl<3, MaxPool3dImpl>;
template class AvgPoolImpl<1, AvgPool1dImpl>;
template class AvgPoolImpl<2, AvgPool2dImpl>;
template class AvgPoolImpl<3, AvgPool3dImpl>;
template class AdaptiveAvgPoolImpl<1, AdaptiveAvgPool1dImpl>;
template class AdaptiveAvgPoolImpl<2, AdaptiveAvgPool2dImpl>;
template class AdaptiveAvgPoolImpl<3, AdaptiveAvgPool3dImpl>;
template class AdaptiveMaxPoolImpl<1, AdaptiveMaxPool1dImpl>;
template class AdaptiveMaxPoolImpl<2, AdaptiveMaxPool2dImpl>;
template class AdaptiveMaxPoolImpl<3, AdaptiveMaxPool3dImpl>;
template class MaxUnpoolImpl<1, MaxUnpool1dImpl>;
template class MaxUnpoolImpl<2, MaxUnpool2dImpl>;
template class MaxUnpoolImpl<3, MaxUnpool3dImpl>;

}  // namespace tg::nn
