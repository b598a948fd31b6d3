// Whole numbers read from an optimizer's saved state (step counts, LBFGS's iteration counts
// and sizes). The values arrive as doubles from a file: a NaN, an infinity or 1e300 cast to
// int64 is undefined behaviour, so each is refused with a tg::Error naming the key instead.
#pragma once
#include <cstdint>
#include <map>
#include <string>

#include "autograd/tensor.h"

namespace tg::optim::detail {

// values[key] (one element) as an integer in [-2^53, 2^53]; a fraction is truncated.
int64_t read_int_state(const std::map<std::string, Tensor>& values, const std::string& key,
                       const char* op);
int64_t read_int_option(const std::map<std::string, double>& values, const std::string& key,
                        const char* op);

}  // namespace tg::optim::detail
