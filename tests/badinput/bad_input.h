// Table-driven bad-input tests: one row per bad call of a public op or module, with the
// expected outcome — a tg::Error whose message names the op and the shapes or argument, or
// the result PyTorch 1.13 gives (tests/badinput/fixtures/torch_results.json, written by
// make_torch_results.py).
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <tuple>
#include <string>
#include <vector>

#include "tapegrad.h"

namespace tg::badinput {

enum class Expect { Throws, Torch };

struct Row {
  std::string op;                      // the public op or module called
  std::string what;                    // the bad input, in a few words
  std::function<Tensor()> call;        // makes the bad call (the result matters for Torch rows)
  Expect expect = Expect::Throws;
  std::vector<std::string> needles;    // Throws: substrings the message must contain
  std::string key;                     // Torch: the result's key in the fixture
  bool fixed = false;                  // the op was fixed to pass this row

  Row& fix() { fixed = true; return *this; }
};

// The call throws tg::Error whose message contains op and every needle (shapes, argument).
Row throws(std::string op, std::string what, std::function<Tensor()> call,
           std::vector<std::string> needles = {});
// The call returns PyTorch's result for the same input (fixture key).
Row torch(std::string op, std::string key, std::function<Tensor()> call);

// Runs every row (all rows run even when some fail) and adds them to the outcome count.
void run_table(const std::string& family, const std::vector<Row>& rows);

// Deterministic inputs shared by the tables and make_torch_results.py.
Tensor seq(IntArrayRef shape, DType dtype = kFloat32);  // 0, 1, 2, ... reshaped
Tensor vals(const std::vector<double>& v, IntArrayRef shape = {}, DType dtype = kFloat32);
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr int64_t kHuge = int64_t{1} << 62;

// Needles for a dim out of range: the message names the dim, the tensor's shape and its rank
// (the shared dim check, wrap_dim in autograd/shape.h).
inline std::vector<std::string> dim_out_of_range(int64_t dim, int64_t rank,
                                                 const std::string& shape) {
  return {"dim " + std::to_string(dim), "of shape " + shape,
          "with " + std::to_string(rank) + " dimensions"};
}

// Calls returning something other than one tensor.
inline Tensor first(const std::tuple<Tensor, Tensor>& t) { return std::get<0>(t); }
inline Tensor second(const std::tuple<Tensor, Tensor>& t) { return std::get<1>(t); }
inline Tensor none() { return Tensor(); }

}  // namespace tg::badinput
