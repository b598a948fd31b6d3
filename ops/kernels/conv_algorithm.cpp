#include "ops/kernels/conv_algorithm.h"

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

namespace tg::kernels {
namespace algorithm_detail {

// -1: not set by the program (the environment decides).
std::atomic<int> chosen{-1};

ConvAlgorithm from_environment() {
  static const ConvAlgorithm algorithm = [] {
    const char* env = std::getenv("TAPEGRAD_CONV_ALGO");
    if (!env || !*env) return ConvAlgorithm::Direct;
    try {
      return parse_conv_algorithm(env);
    } catch (const std::invalid_argument&) {
      throw std::invalid_argument(std::string("TAPEGRAD_CONV_ALGO: expected auto, direct or "
                                              "winograd, got '") +
                                  env + "'");
    }
  }();
  return algorithm;
}

std::mutex choices_mutex;
std::map<std::vector<int64_t>, bool>& choices() {
  static std::map<std::vector<int64_t>, bool> map;
  return map;
}

}  // namespace algorithm_detail

using namespace algorithm_detail;

bool conv_auto_prefers_winograd(const std::vector<int64_t>& key,
                                const std::function<bool()>& measure) {
  {
    std::lock_guard<std::mutex> lock(choices_mutex);
    const auto found = choices().find(key);
    if (found != choices().end()) return found->second;
  }
  // Measured outside the lock (it runs convolutions); two threads measuring the same new
  // shape at once keep the first answer stored.
  const bool winograd = measure();
  std::lock_guard<std::mutex> lock(choices_mutex);
  return choices().emplace(key, winograd).first->second;
}

std::size_t conv_auto_choice_count() {
  std::lock_guard<std::mutex> lock(choices_mutex);
  return choices().size();
}

void clear_conv_auto_choices() {
  std::lock_guard<std::mutex> lock(choices_mutex);
  choices().clear();
}

const char* conv_algorithm_name(ConvAlgorithm algorithm) {
  switch (algorithm) {
    case ConvAlgorithm::Auto: return "auto";
    case ConvAlgorithm::Direct: return "direct";
    case ConvAlgorithm::Winograd: return "winograd";
  }
  return "unknown";
}

ConvAlgorithm parse_conv_algorithm(const char* name) {
  std::string lower = name ? name : "";
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "auto") return ConvAlgorithm::Auto;
  if (lower == "direct") return ConvAlgorithm::Direct;
  if (lower == "winograd") return ConvAlgorithm::Winograd;
  throw std::invalid_argument(std::string("parse_conv_algorithm: expected auto, direct or "
                                          "winograd, got '") +
                              (name ? name : "(null)") + "'");
}

}  // namespace tg::kernels

namespace tg {

void set_conv_algorithm(ConvAlgorithm algorithm) {
  kernels::algorithm_detail::chosen.store(static_cast<int>(algorithm), std::memory_order_relaxed);
}

ConvAlgorithm get_conv_algorithm() {
  const int value = kernels::algorithm_detail::chosen.load(std::memory_order_relaxed);
  return value < 0 ? kernels::algorithm_detail::from_environment() : static_cast<ConvAlgorithm>(value);
}

}  // namespace tg
