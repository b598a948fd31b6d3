// Names of libtorch-style custom function nodes.
#include "autograd/function.h"

#include "autograd/demangle.h"

namespace tg::autograd::detail {

std::string cpp_node_name(const char* mangled) {
  return "tg::autograd::CppNode<" + tg::detail::demangle(mangled) + ">";
}

}  // namespace tg::autograd::detail
