// clip_grad_norm_ / clip_grad_value_ against PyTorch 1.13.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "optim_fixtures.h"

namespace tg::testing {
namespace {

TEST(ClipGrad, MatchesPyTorch) {
  for (const auto& c : optim_manifest()["clip"]) {
    const std::string name = c["name"];
    SCOPED_TRACE(name);
    std::vector<Tensor> params;
    for (int i = 0; i < c["params"].get<int>(); ++i) {
      const std::string key = name + ".g" + std::to_string(i) + ".before";
      const bool has_grad = optim_tensors().count(key) > 0;
      Tensor p = zeros(has_grad ? optim_tensor(key).shape() : Shape{3, 2}, kFloat64);
      p.requires_grad_(true);
      if (has_grad) p.set_grad(optim_tensor(key).clone());
      params.push_back(p);
    }
    const auto& o = c["options"];
    if (c["kind"] == "norm") {
      const double norm_type = o["norm_type"].is_string() ? std::numeric_limits<double>::infinity()
                                                          : o["norm_type"].get<double>();
      const double total = nn::utils::clip_grad_norm_(params, o["max_norm"], norm_type);
      const double expected = optim_tensor(name + ".total_norm").item<double>();
      EXPECT_NEAR(total, expected, 1e-12 * expected);
    } else {
      nn::utils::clip_grad_value_(params, o["clip_value"]);
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      const std::string key = name + ".g" + std::to_string(i) + ".after";
      if (!optim_tensors().count(key)) {
        EXPECT_FALSE(params[i].grad().defined());
        continue;
      }
      auto ours = params[i].grad().to_vector<double>();
      auto expected = optim_tensor(key).to_vector<double>();
      for (std::size_t j = 0; j < ours.size(); ++j) EXPECT_NEAR(ours[j], expected[j], 1e-12);
    }
  }
}

TEST(ClipGrad, EdgeCases) {
  Tensor p = zeros({3}).requires_grad_(true);
  EXPECT_EQ(nn::utils::clip_grad_norm_(p, 1.0), 0.0);  // no gradient at all
  p.set_grad(tensor({3.0, 4.0, 0.0}));
  const uint64_t version = p.grad().version();
  EXPECT_NEAR(optim::clip_grad_norm_(p, 1.0), 5.0, 1e-6);
  EXPECT_GT(p.grad().version(), version);  // written in place
  EXPECT_NEAR(p.grad()[0].item<double>(), 0.6, 1e-6);
  p.set_grad(tensor({std::numeric_limits<double>::quiet_NaN(), 1.0, 0.0}, kFloat32));
  EXPECT_THROW(nn::utils::clip_grad_norm_(p, 1.0, 2.0, /*error_if_nonfinite=*/true), Error);
  EXPECT_THROW(nn::utils::clip_grad_value_(p, -1.0), Error);
}

}  // namespace
}  // namespace tg::testing
