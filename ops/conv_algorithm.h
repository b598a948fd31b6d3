// The convolution algorithm switch. float32 2-d convolutions with a 3x3 kernel, stride 1,
// dilation 1 and one group (the bulk of ResNet and VGG) can run their forward and input
// gradient either through the direct kernels or through Winograd F(2x2, 3x3), which does
// 16 multiplies per 2x2 output block instead of 36:
//
//   tg::set_conv_algorithm(tg::ConvAlgorithm::Winograd);   // or TAPEGRAD_CONV_ALGO=winograd
//
// - Direct (the default): the direct kernels everywhere; results are the same bits as
//   before the switch existed, for any thread count.
// - Winograd: Winograd wherever it applies. Also the same bits for any thread count, but not
//   the same bits as Direct: its rounding error is larger (the README states the measured
//   error against Direct on ResNet's layers).
// - Auto: per shape (and thread limit), the first call times both algorithms and later calls
//   run the faster. The choice depends on the machine and its load at that moment, so two
//   runs (or two machines) may pick differently and their results differ in the last bits;
//   choose Direct or Winograd when results must be reproducible across runs.
// float64 and every other convolution always run the direct kernels, so gradcheck and
// gradgradcheck in float64 are unaffected. The weight gradient has a Winograd kernel too,
// but it measured no faster than the direct one (0.9-1.1x on ResNet-18's layers): Winograd
// mode leaves the weight gradient direct, and only Auto, which times both, may pick it.
#pragma once
// tg::ConvAlgorithm, tg::set_conv_algorithm(ConvAlgorithm) and tg::get_conv_algorithm()
// (the last: set_conv_algorithm's value, else TAPEGRAD_CONV_ALGO = "auto", "direct" or
// "winograd", another value throwing std::invalid_argument naming it, else Direct) are
// declared in:
#include "ops/kernels/conv_algorithm.h"
