// tg::str(parts...): the parts streamed into one std::string, as libtorch's torch::str
// (`tg::save(samples, tg::str("sample-", step, ".pt"))`).
#pragma once
#include <string>

#include "autograd/error.h"

namespace tg {

template <class... Parts>
std::string str(const Parts&... parts) {
  return format_message(parts...);
}

}  // namespace tg
