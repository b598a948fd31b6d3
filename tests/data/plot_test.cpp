#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "data/plot.h"
#include "data/png.h"

namespace tg::io {
namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "io_plot_" + name; }

size_t count_colour(const RgbImage& img, Colour c) {
  size_t n = 0;
  for (size_t i = 0; i + 2 < img.rgb.size(); i += 3) {
    n += img.rgb[i] == c.r && img.rgb[i + 1] == c.g && img.rgb[i + 2] == c.b;
  }
  return n;
}

size_t count_dark(const RgbImage& img, int x0, int y0, int x1, int y1) {
  size_t n = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) {
      const uint8_t* p = &img.rgb[(static_cast<size_t>(y) * img.width + x) * 3];
      n += p[0] < 100 && p[1] < 100 && p[2] < 100;
    }
  }
  return n;
}

std::vector<PlotPanel> training_panels() {
  PlotSeries train{"train loss", {}, {}}, test{"test loss", {}, {}};
  for (int i = 0; i < 500; ++i) {
    train.x.push_back(i / 100.0);
    train.y.push_back(2.0 * std::exp(-i / 120.0) + 0.1 * std::sin(i * 0.7) + 0.3);
  }
  for (int e = 1; e <= 5; ++e) {
    test.x.push_back(e);
    test.y.push_back(0.4 + std::exp(-e));
  }
  test.markers = true;
  PlotSeries acc{"accuracy", {1, 2, 3, 4, 5}, {80, 86, 88.5, 90, 90.4}};
  PlotPanel loss{"Loss", {train, test}, "epoch", "loss"};
  PlotPanel accuracy{"Accuracy (%)", {acc}, "epoch", ""};
  return {loss, accuracy};
}

TEST(IoPlot, RendersTheRequestedSizeOnWhite) {
  PlotOptions opts;
  opts.panel_width = 400;
  opts.panel_height = 300;
  RgbImage img = render_training_curves(training_panels(), opts);
  EXPECT_EQ(img.width, 800);  // two panels side by side
  EXPECT_EQ(img.height, 300);
  ASSERT_EQ(img.rgb.size(), 800u * 300 * 3);
  EXPECT_EQ(img.rgb[0], 255);  // the corners are background
  EXPECT_EQ(img.rgb[img.rgb.size() - 1], 255);
  // Each series colour shows up at full strength along its line.
  EXPECT_GT(count_colour(img, plot_palette(0)), 200u);
  EXPECT_GT(count_colour(img, plot_palette(1)), 50u);
  // The titles are drawn as dark text near the top of each panel.
  EXPECT_GT(count_dark(img, 0, 0, 400, 40), 30u);
  EXPECT_GT(count_dark(img, 400, 0, 800, 40), 30u);
}

TEST(IoPlot, ArrangesPanelsInAGrid) {
  std::vector<PlotPanel> four(4, training_panels()[0]);
  RgbImage img = render_training_curves(four, {});
  EXPECT_EQ(img.width, 2 * 560);
  EXPECT_EQ(img.height, 2 * 400);
  PlotOptions one_column;
  one_column.columns = 1;
  img = render_training_curves(four, one_column);
  EXPECT_EQ(img.width, 560);
  EXPECT_EQ(img.height, 4 * 400);
}

TEST(IoPlot, WritesADecodablePng) {
  std::string path = temp_path("curves.png");
  plot_training_curves_png(path, training_panels());
  int w = 0, h = 0;
  std::vector<uint8_t> rgb = read_png_rgb(path, w, h);
  EXPECT_EQ(w, 2 * 560);
  EXPECT_EQ(h, 400);
  EXPECT_EQ(rgb, render_training_curves(training_panels()).rgb);
  std::remove(path.c_str());
}

TEST(IoPlot, CopesWithAwkwardData) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<PlotPanel> panels = {
      {"empty panel", {}, "", ""},
      {"empty series", {{"nothing", {}, {}}}, "", ""},
      {"one point", {{"p", {}, {1.0}}}, "", ""},
      {"constant", {{"c", {}, {2, 2, 2, 2}}}, "", ""},
      {"gaps", {{"g", {}, {1, nan, 2, inf, 3, -inf, 4}}}, "", ""},
      {"log with zeros", {{"l", {}, {0, 1e-3, -1, 1e2, 5}}}, "", "", true},
      {"tiny and huge", {{"t", {1e-9, 2e-9}, {1e9, 3e9}}}, "", ""},
      {"custom colour", {{"", {0, 1}, {0, 1}, Colour{1, 2, 3}}}, "", ""},
      {"extremes", {{"e", {-1e308, 0, 1e308}, {1e308, -1e308, 5e-324}}}, "", ""},
      {"big offset", {{"b", {}, {1e17, 1e17 + 16, 1e17 + 32}}}, "", ""},
  };
  RgbImage img;
  ASSERT_NO_THROW(img = render_training_curves(panels));
  EXPECT_EQ(img.width, 3 * 560);
  EXPECT_EQ(img.height, 4 * 400);  // 10 panels, 3 per row
  EXPECT_GT(count_colour(img, Colour{1, 2, 3}), 50u);
}

TEST(IoPlot, RejectsBadArguments) {
  EXPECT_THROW(render_training_curves({}), std::invalid_argument);
  std::vector<PlotPanel> mismatch = {{"t", {{"s", {1, 2, 3}, {1, 2}}}, "", ""}};
  try {
    render_training_curves(mismatch);
    ADD_FAILURE() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("3 x values and 2 y values"), std::string::npos)
        << e.what();
  }
  PlotOptions tiny;
  tiny.panel_width = 10;
  EXPECT_THROW(render_training_curves(training_panels(), tiny), std::invalid_argument);
}

// "I" in the 5x9 font is a vertical bar with serifs: column 2 is set in its rows 0-6.
TEST(IoPlot, DrawTextScalesAndClips) {
  RgbImage img;
  img.width = 40;
  img.height = 30;
  img.rgb.assign(40 * 30 * 3, 255);
  draw_text(img, 2, 3, "I", Colour{200, 0, 0}, 2);
  auto red = [&](int x, int y) { return img.rgb[(y * 40 + x) * 3] == 200; };
  for (int y = 3; y < 3 + 14; ++y) EXPECT_TRUE(red(2 + 4, y) && red(2 + 5, y)) << y;
  EXPECT_FALSE(red(2 + 4, 3 + 18));  // below the glyph's baseline rows
  EXPECT_FALSE(red(0, 0));
  const size_t before = count_colour(img, Colour{200, 0, 0});
  EXPECT_GT(before, 28u);
  draw_text(img, 36, 25, "WWW", Colour{0, 0, 200});  // runs off the image: clipped, no crash
  draw_text(img, -100, -100, "x", Colour{0, 0, 200});
  EXPECT_GT(count_colour(img, Colour{0, 0, 200}), 0u);
  EXPECT_EQ(count_colour(img, Colour{200, 0, 0}), before);
  EXPECT_THROW(draw_text(img, 0, 0, "x", Colour{}, 0), std::invalid_argument);
}

}  // namespace
}  // namespace tg::io
