#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/progress.h"

namespace tg::io {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(IoProgress, PlainModePrintsEveryTenPercentAndAtTheEnd) {
  std::ostringstream out;
  {
    ProgressBar bar("train", 200, out);
    EXPECT_FALSE(bar.interactive());  // an ostringstream is never a terminal
    bar.set_rate_unit("img", 64);
    for (int step = 1; step <= 200; ++step) {
      bar.update(step, {{"loss", "0.412"}, {"acc", "85.1%"}});
    }
    bar.finish({{"loss", "0.398"}});
  }
  std::string text = out.str();
  EXPECT_EQ(text.find('\r'), std::string::npos);
  std::vector<std::string> lines = lines_of(text);
  ASSERT_EQ(lines.size(), 10u) << text;
  std::regex progress_line(
      R"(train \d+/200 \(\d+%\)  loss 0\.412  acc 85\.1%  [0-9.]+ img/s  ETA \d+:\d\d)");
  for (int i = 0; i < 9; ++i) {
    EXPECT_TRUE(std::regex_match(lines[i], progress_line)) << lines[i];
    EXPECT_NE(lines[i].find(" (" + std::to_string((i + 1) * 10) + "%)"), std::string::npos)
        << lines[i];
  }
  EXPECT_TRUE(std::regex_match(
      lines[9], std::regex(R"(train 200/200 \(100%\)  loss 0\.398  [0-9.]+ img/s  time \d+:\d\d)")))
      << lines[9];
}

TEST(IoProgress, BigJumpsPrintOnceAndFinishIsIdempotent) {
  std::ostringstream out;
  ProgressBar bar("eval", 10, out, /*force_plain=*/true);
  bar.update(7);  // straight to 70%: one line
  bar.update(7);
  bar.update(25);  // past the total: clamped, and 100% is left to finish()
  bar.finish();
  bar.finish();
  bar.update(3);
  std::vector<std::string> lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 2u) << out.str();
  EXPECT_EQ(lines[0].rfind("eval 7/10 (70%)  ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("eval 10/10 (100%)  ", 0), 0u) << lines[1];
}

TEST(IoProgress, UnknownTotalShowsACountAndNoEta) {
  std::ostringstream out;
  ProgressBar bar("stream", 0, out);
  for (int i = 1; i <= 37; ++i) bar.update(i, {{"", "custom"}});
  bar.finish({{"", "custom"}});
  std::vector<std::string> lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 1u) << out.str();
  EXPECT_TRUE(std::regex_match(lines[0],
                               std::regex(R"(stream 37  custom  [0-9.]+ it/s  time \d+:\d\d)")))
      << lines[0];
}

TEST(IoProgress, FormatsDurations) {
  EXPECT_EQ(ProgressBar::format_duration(0), "0:00");
  EXPECT_EQ(ProgressBar::format_duration(12.4), "0:12");
  EXPECT_EQ(ProgressBar::format_duration(754), "12:34");
  EXPECT_EQ(ProgressBar::format_duration(3600 + 62), "1:01:02");
  EXPECT_EQ(ProgressBar::format_duration(-1), "?:??");
}

TEST(IoProgress, RejectsBadArguments) {
  std::ostringstream out;
  EXPECT_THROW(ProgressBar("x", -1, out), std::invalid_argument);
  ProgressBar bar("x", 5, out);
  EXPECT_THROW(bar.update(-1), std::invalid_argument);
  EXPECT_THROW(bar.set_rate_unit("img", 0), std::invalid_argument);
}

}  // namespace
}  // namespace tg::io
