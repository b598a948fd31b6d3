#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include "autograd/profiler.h"
#include "tapegrad.h"

namespace tg {
namespace {

using autograd::ProfileEvent;
using autograd::ProfileSummary;

const ProfileSummary* find(const std::vector<ProfileSummary>& rows, const std::string& name,
                           const std::string& pass) {
  for (const ProfileSummary& r : rows)
    if (r.name == name && r.pass == pass) return &r;
  return nullptr;
}

// conv -> relu -> mean, three steps, forward and backward.
void small_steps(int steps) {
  Tensor w = randn({4, 3, 3, 3}).requires_grad_();
  Tensor b = zeros({4}).requires_grad_();
  for (int i = 0; i < steps; ++i) {
    Tensor x = randn({2, 3, 8, 8});
    Tensor y = relu(conv2d(x, w, b, {1}, {1})).mean();
    y.backward();
  }
}

TEST(Profiler, CountsForwardOpsAndVjpsPerStep) {
  autograd::profile prof;
  small_steps(3);
  prof.stop();
  std::vector<ProfileSummary> rows = prof.key_averages();
  const ProfileSummary* conv = find(rows, "convolution", "forward");
  ASSERT_NE(conv, nullptr) << prof.table();
  EXPECT_EQ(conv->calls, 3);
  const ProfileSummary* relu_f = find(rows, "relu", "forward");
  ASSERT_NE(relu_f, nullptr);
  EXPECT_EQ(relu_f->calls, 3);
  // Backward: one vjp per recorded node, and the conv vjp's own kernels nested inside.
  const ProfileSummary* conv_b = find(rows, "ConvolutionBackward", "backward");
  ASSERT_NE(conv_b, nullptr) << prof.table();
  EXPECT_EQ(conv_b->calls, 3);
  const ProfileSummary* wgrad = find(rows, "conv_backward_weight", "backward");
  ASSERT_NE(wgrad, nullptr) << prof.table();
  EXPECT_EQ(wgrad->calls, 3);
  // x does not require grad: no input gradient is computed.
  EXPECT_EQ(find(rows, "conv_backward_input", "backward"), nullptr);
  const ProfileSummary* acc = find(rows, "AccumulateGrad", "backward");
  ASSERT_NE(acc, nullptr);
  EXPECT_EQ(acc->calls, 6);  // w and b, three steps
  // A parent's total covers its children; self time never exceeds total.
  EXPECT_GE(conv_b->total_ns, wgrad->total_ns);
  for (const ProfileSummary& r : rows) EXPECT_LE(r.self_ns, r.total_ns) << r.name;
  // Sorted by self time.
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_GE(rows[i - 1].self_ns, rows[i].self_ns);
}

TEST(Profiler, RecordsInputShapesAndNesting) {
  autograd::profile prof;
  small_steps(1);
  prof.stop();
  bool saw_conv = false, saw_nested = false;
  for (const ProfileEvent& e : prof.events()) {
    if (e.name == "convolution" && e.pass == "forward") {
      saw_conv = true;
      EXPECT_EQ(e.shapes, "[[2, 3, 8, 8], [4, 3, 3, 3]]");
      EXPECT_EQ(e.depth, 0);
    }
    if (e.name == "conv_backward_weight") {
      saw_nested = true;
      EXPECT_EQ(e.depth, 1);  // inside ConvolutionBackward
    }
  }
  EXPECT_TRUE(saw_conv);
  EXPECT_TRUE(saw_nested);
  std::vector<ProfileSummary> by_shape = prof.key_averages(true);
  const ProfileSummary* conv = find(by_shape, "convolution", "forward");
  ASSERT_NE(conv, nullptr);
  EXPECT_EQ(conv->shapes, "[[2, 3, 8, 8], [4, 3, 3, 3]]");
}

TEST(Profiler, TableListsOpsWithCallsAndPercent) {
  autograd::profile prof;
  small_steps(2);
  prof.stop();
  std::string t = prof.table();
  EXPECT_NE(t.find("Name"), std::string::npos);
  EXPECT_NE(t.find("Self %"), std::string::npos);
  EXPECT_NE(t.find("convolution"), std::string::npos);
  EXPECT_NE(t.find("ConvolutionBackward"), std::string::npos);
  EXPECT_NE(t.find("forward"), std::string::npos);
  EXPECT_NE(t.find("backward"), std::string::npos);
  EXPECT_NE(t.find("%"), std::string::npos);
  // row_limit keeps the header and that many rows.
  std::string one = prof.table("total", 1);
  int lines = 0;
  for (char c : one) lines += c == '\n';
  EXPECT_EQ(lines, 6);  // rule, header, rule, 1 row, rule, totals
  EXPECT_THROW(prof.table("bogus"), Error);
}

TEST(Profiler, ChromeTraceIsValidJsonWithEvents) {
  autograd::profile prof;
  small_steps(1);
  prof.stop();
  const std::string path = ::testing::TempDir() + "tg_profile_trace.json";
  prof.export_chrome_trace(path);
  std::ifstream f(path);
  nlohmann::json j = nlohmann::json::parse(f);
  ASSERT_TRUE(j.contains("traceEvents"));
  const auto& evs = j["traceEvents"];
  ASSERT_EQ(evs.size(), prof.events().size());
  ASSERT_GT(evs.size(), 5u);
  std::map<std::string, int> names;
  for (const auto& e : evs) {
    EXPECT_EQ(e["ph"], "X");
    EXPECT_GE(e["dur"].get<double>(), 0.0);
    EXPECT_TRUE(e["cat"] == "forward" || e["cat"] == "backward");
    ++names[e["name"].get<std::string>()];
  }
  EXPECT_EQ(names["convolution"], 1);
  EXPECT_EQ(names["ConvolutionBackward"], 1);
  std::remove(path.c_str());
  EXPECT_THROW(prof.export_chrome_trace("/nonexistent-dir/x/trace.json"), Error);
}

TEST(Profiler, RecordsNothingWhenOffAndOnlyOneAtATime) {
  small_steps(1);  // no profile: nothing to see, nothing breaks
  EXPECT_FALSE(autograd::profiler::enabled());
  {
    autograd::profile prof;
    EXPECT_TRUE(autograd::profiler::enabled());
    EXPECT_THROW(autograd::profile second, Error);
  }
  EXPECT_FALSE(autograd::profiler::enabled());
  autograd::profile prof;
  prof.stop();
  small_steps(1);  // after stop: not recorded
  EXPECT_TRUE(prof.events().empty());
}

TEST(Profiler, ProfilesModuleTrainingSteps) {
  nn::Linear lin(4, 2);
  optim::SGD opt(lin->parameters(), optim::SGDOptions(0.1).momentum(0.9));
  autograd::profile prof;
  for (int i = 0; i < 2; ++i) {
    opt.zero_grad();
    lin->forward(randn({3, 4})).sum().backward();
    opt.step();
  }
  prof.stop();
  std::vector<ProfileSummary> rows = prof.key_averages();
  const ProfileSummary* lin_f = find(rows, "linear", "forward");
  ASSERT_NE(lin_f, nullptr) << prof.table();
  EXPECT_EQ(lin_f->calls, 2);
}

}  // namespace
}  // namespace tg
