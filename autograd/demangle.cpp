// Demangling through the C++ ABI's __cxa_demangle.
#include "autograd/demangle.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

namespace tg::detail {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  return status == 0 && out ? std::string(out.get()) : std::string(mangled);
}

std::string demangle_backtrace_line(const std::string& line) {
  const std::size_t open = line.find('(');
  if (open == std::string::npos) return line;
  const std::size_t end = line.find_first_of("+)", open + 1);
  if (end == std::string::npos || end == open + 1) return line;
  const std::string symbol = line.substr(open + 1, end - open - 1);
  return line.substr(0, open + 1) + demangle(symbol.c_str()) + line.substr(end);
}

}  // namespace tg::detail
