// tg::Error: the one exception type tapegrad throws for bad input and misuse.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace tg {

// Messages name the op, the argument, what was expected and what was given.
class Error : public std::invalid_argument {
 public:
  explicit Error(const std::string& what) : std::invalid_argument(what) {}
};

namespace detail {
inline void append_all(std::ostringstream&) {}
template <class T, class... Rest>
void append_all(std::ostringstream& os, const T& first, const Rest&... rest) {
  os << first;
  append_all(os, rest...);
}
}  // namespace detail

// Builds a message from streamable pieces: tg::format_message("conv2d: weight ", shape).
template <class... Parts>
std::string format_message(const Parts&... parts) {
  std::ostringstream os;
  detail::append_all(os, parts...);
  return os.str();
}

}  // namespace tg

// TG_CHECK(cond, "op: message ", value, ...) throws tg::Error when cond is false.
#define TG_CHECK(cond, ...)                                  \
  do {                                                       \
    if (!(cond)) throw ::tg::Error(::tg::format_message(__VA_ARGS__)); \
  } while (0)
