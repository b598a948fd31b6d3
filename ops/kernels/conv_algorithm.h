// Which algorithm runs float32 convolutions that have more than one (the setting behind
// tg::set_conv_algorithm, ops/conv_algorithm.h). Only 2-d 3x3 stride-1 layers have a
// choice today: the direct kernels (im2col + GEMM) or Winograd F(2x2, 3x3)
// (conv_winograd.h).
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

// The enum and the setting are the public tg:: names (documented in ops/conv_algorithm.h);
// they are declared here so that the kernels can read the setting.
namespace tg {

enum class ConvAlgorithm {
  Auto,      // per shape, whichever measured faster the first time that shape ran
  Direct,    // always the direct kernels (the default)
  Winograd,  // Winograd wherever it applies
};

// The setting: set_conv_algorithm's value, else the TAPEGRAD_CONV_ALGO environment variable
// ("auto", "direct" or "winograd", read once), else Direct. An unknown value of the variable
// throws std::invalid_argument naming it.
void set_conv_algorithm(ConvAlgorithm algorithm);
ConvAlgorithm get_conv_algorithm();

}  // namespace tg

namespace tg::kernels {

// "auto", "direct", "winograd"; and back (throws std::invalid_argument for other names).
const char* conv_algorithm_name(ConvAlgorithm algorithm);
ConvAlgorithm parse_conv_algorithm(const char* name);

// Auto's memory: whether Winograd measured faster for `key` (the direction, the geometry and
// the thread limit). `measure` runs only for a key not seen before and returns the answer,
// which is kept for the life of the process.
bool conv_auto_prefers_winograd(const std::vector<int64_t>& key,
                                const std::function<bool()>& measure);
// How many shapes Auto has measured, and forgetting them (tests, benchmarks).
std::size_t conv_auto_choice_count();
void clear_conv_auto_choices();

}  // namespace tg::kernels
