// A small SVG writer for the HTML report (radhpc report): a figure of pixel elements and plots
// in data coordinates with axes, ticks, lines, step functions, bands, points and heat cells.
// Every number is written with a fixed format (C locale, fixed decimals), so the same data give
// the same bytes on every machine.
#pragma once
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace radhpc::report::svg {

// Fixed decimals ("%.*f"), "-0.00" written as "0.00"; NaN "NA", infinities "Inf"/"-Inf".
std::string fixed(double v, int decimals);
// Significant digits ("%.*g") with the same rules.
std::string sig(double v, int digits);
// Round-trip text ("%.17g") for machine-readable data attributes.
std::string full(double v);
// p-value text: "0.012" (3 decimals) from 0.001, else "1.2e-05"; "<1e-300" below that.
std::string p_value(double p);
// Text safe inside HTML/SVG elements and attribute values.
std::string escape(std::string_view text);

// About `target` round tick values (1, 2, 2.5, 5 x 10^k steps) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target = 5);
// Decimals that show every tick of a step distinctly (0 for integer steps).
int tick_decimals(const std::vector<double>& ticks);

struct Axis {
    double lo = 0, hi = 1;
    std::string label;
    std::vector<double> ticks;  // empty: nice_ticks(lo, hi)
    bool tick_labels = true;    // false: no grid, ticks or tick labels (e.g. a categorical axis)
};

// Pixel-space drawing surface; str() wraps the elements in an <svg> with a viewBox.
class Figure {
public:
    Figure(double width, double height) : width_(width), height_(height) {}
    void line(double x1, double y1, double x2, double y2, std::string_view attrs);
    void rect(double x, double y, double w, double h, std::string_view attrs, std::string_view tooltip = {});
    void circle(double cx, double cy, double r, std::string_view attrs, std::string_view tooltip = {});
    // anchor: start | middle | end; `attrs` may add e.g. a class or a transform
    void text(double x, double y, std::string_view content, std::string_view anchor = "start", std::string_view attrs = {});
    void polyline(const std::vector<std::pair<double, double>>& points, std::string_view attrs);
    void polygon(const std::vector<std::pair<double, double>>& points, std::string_view attrs, std::string_view tooltip = {});
    void raw(std::string_view markup) { body_ << markup; }
    double width() const { return width_; }
    double height() const { return height_; }
    // <svg id=... class="plot" role="img" aria-label=...> + <title> + the elements
    std::string str(std::string_view id, std::string_view title) const;

private:
    double width_, height_;
    std::ostringstream body_;
};

// A plot area of a figure in data coordinates (x to the right, y upwards).
class Plot {
public:
    Plot(Figure& figure, double left, double top, double width, double height, Axis x, Axis y);
    double px(double x) const;
    double py(double y) const;
    // Frame, grid lines, tick marks with labels and the axis titles.
    void axes();
    void line(const std::vector<double>& xs, const std::vector<double>& ys, std::string_view attrs);
    // Right-continuous step function: (x_k, y_k) holds until x_{k+1}; extended to x_end if given.
    void steps(const std::vector<double>& xs, const std::vector<double>& ys, std::string_view attrs, double x_end = NAN_X);
    // Filled area between lower and upper over xs (piecewise linear).
    void band(const std::vector<double>& xs, const std::vector<double>& lower, const std::vector<double>& upper,
              std::string_view attrs, std::string_view tooltip = {});
    // Filled area between two step functions over xs (right-continuous), extended to x_end.
    void step_band(const std::vector<double>& xs, const std::vector<double>& lower, const std::vector<double>& upper,
                   std::string_view attrs, double x_end);
    void point(double x, double y, double radius, std::string_view attrs, std::string_view tooltip = {});
    void segment(double x1, double y1, double x2, double y2, std::string_view attrs);
    // Legend box in the plot's corner: one row per (line attrs, text); corner "br" | "tr" | "tl" | "bl".
    void legend(const std::vector<std::pair<std::string, std::string>>& entries, std::string_view corner = "br");
    static constexpr double NAN_X = -1.0e308;

private:
    Figure& fig_;
    double left_, top_, width_, height_;
    Axis x_, y_;
};

}  // namespace radhpc::report::svg
