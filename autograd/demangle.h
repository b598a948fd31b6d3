// Readable C++ names from mangled ones (type names, backtrace lines).
#pragma once
#include <string>

namespace tg::detail {

// "N2tg6TensorE" -> "tg::Tensor"; a name that does not demangle is returned unchanged.
std::string demangle(const char* mangled);
// One line of backtrace_symbols ("lib.so(_ZN2tg3mulE...+0x1a) [0x...]") with its symbol
// demangled ("lib.so(tg::mul(...)+0x1a) [0x...]").
std::string demangle_backtrace_line(const std::string& line);

}  // namespace tg::detail
