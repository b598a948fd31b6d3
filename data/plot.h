// Training-curve charts rendered to an RGB image or a PNG file, with no plotting library:
// white background, one panel per chart (title, axes, grid, tick labels, axis labels, legend),
// antialiased lines, text from a built-in bitmap font (printable ASCII).
//
//   tg::io::PlotPanel loss{"Loss", {{"train", epochs, train_loss}, {"test", epochs, test_loss}}};
//   loss.x_label = "epoch";
//   tg::io::plot_training_curves_png("curves.png", {loss, accuracy});
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tg::io {

struct Colour {
  uint8_t r = 0, g = 0, b = 0;
};

struct PlotSeries {
  std::string name;          // shown in the legend (series with an empty name are not listed)
  std::vector<double> x;     // empty: 0, 1, 2, ... ; otherwise the same length as y
  std::vector<double> y;     // non-finite values (and values <= 0 on a log axis) leave a gap
  std::optional<Colour> colour;  // default: the palette colour for the series' index
  bool markers = false;      // a dot at every point (always drawn for a lone point)

  PlotSeries() = default;
  PlotSeries(std::string name, std::vector<double> x, std::vector<double> y,
             std::optional<Colour> colour = std::nullopt, bool markers = false)
      : name(std::move(name)), x(std::move(x)), y(std::move(y)), colour(colour),
        markers(markers) {}
};

struct PlotPanel {
  std::string title;
  std::vector<PlotSeries> series;
  std::string x_label;
  std::string y_label;
  bool log_y = false;

  PlotPanel() = default;
  PlotPanel(std::string title, std::vector<PlotSeries> series, std::string x_label = "",
            std::string y_label = "", bool log_y = false)
      : title(std::move(title)), series(std::move(series)), x_label(std::move(x_label)),
        y_label(std::move(y_label)), log_y(log_y) {}
};

struct PlotOptions {
  int panel_width = 560;   // pixels per panel
  int panel_height = 400;
  int columns = 0;         // panels per row; 0 picks 1-3 from the panel count
};

struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;  // row-major, 3 bytes per pixel
};

// The default colour of series number `index` (a 10-colour cycle).
Colour plot_palette(size_t index);

// Renders the panels in a grid. Throws std::invalid_argument (naming the panel and series)
// for an x/y length mismatch, no panels, or a panel size under 160x120.
RgbImage render_training_curves(const std::vector<PlotPanel>& panels,
                                const PlotOptions& options = {});

// Renders and writes a PNG.
void plot_training_curves_png(const std::string& path, const std::vector<PlotPanel>& panels,
                              const PlotOptions& options = {});

// Text in the built-in bitmap font, for labelling pictures: printable ASCII, each character
// 6 * scale pixels wide and 9 * scale high (descenders included), top-left corner at (x, y),
// clipped to the image.
void draw_text(RgbImage& image, int x, int y, const std::string& text, Colour colour,
               int scale = 1);

}  // namespace tg::io
