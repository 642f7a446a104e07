// SVG writer of the HTML report; see include/radhpc/report/svg.hpp.
#include "radhpc/report/svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace radhpc::report::svg {
namespace {

std::string printf_number(const char* format, int precision, double v) {
    if (std::isnan(v)) return "NA";
    if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
    char buf[64];
    std::snprintf(buf, sizeof buf, format, precision, v);
    std::string s = buf;
    // "-0", "-0.00", "-0e+00": a negative zero after rounding reads as a sign error
    if (s[0] == '-' && s.find_first_not_of("-0.e+", 1) == std::string::npos) s.erase(0, 1);
    return s;
}

// Pixel coordinates: two decimals are far below a screen pixel and keep the files small.
std::string px(double v) { return fixed(v, 2); }

std::string tooltip_element(std::string_view tooltip) {
    return tooltip.empty() ? std::string() : "<title>" + escape(tooltip) + "</title>";
}

std::string points_attr(const std::vector<std::pair<double, double>>& points) {
    std::string s;
    s.reserve(points.size() * 14);
    for (std::size_t i = 0; i < points.size(); ++i) {
        if (i) s += ' ';
        s += px(points[i].first);
        s += ',';
        s += px(points[i].second);
    }
    return s;
}

}  // namespace

std::string fixed(double v, int decimals) { return printf_number("%.*f", decimals, v); }
std::string sig(double v, int digits) { return printf_number("%.*g", digits, v); }
std::string full(double v) { return printf_number("%.*g", 17, v); }

std::string p_value(double p) {
    if (std::isnan(p)) return "NA";
    if (p >= 0.001) return fixed(p, 3);
    if (p < 1e-300) return "<1e-300";
    return printf_number("%.*e", 1, p);
}

std::string escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
    if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
    const double raw = (hi - lo) / std::max(1, target);
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (m * magnitude >= raw) {
            step = m * magnitude;
            break;
        }
    std::vector<double> ticks;
    // integer multiples of the step, so that 0.1 + 0.2 drift never shows up in labels
    const long first = long(std::ceil(lo / step - 1e-9)), last = long(std::floor(hi / step + 1e-9));
    for (long k = first; k <= last; ++k) ticks.push_back(double(k) * step);
    return ticks;
}

int tick_decimals(const std::vector<double>& ticks) {
    if (ticks.size() < 2) return 2;
    const double step = std::fabs(ticks[1] - ticks[0]);
    int d = 0;
    while (d < 8 && std::fabs(step * std::pow(10.0, d) - std::round(step * std::pow(10.0, d))) > 1e-6) ++d;
    return d;
}

void Figure::line(double x1, double y1, double x2, double y2, std::string_view attrs) {
    body_ << "<line x1=\"" << px(x1) << "\" y1=\"" << px(y1) << "\" x2=\"" << px(x2) << "\" y2=\"" << px(y2) << "\" " << attrs
          << "/>\n";
}

void Figure::rect(double x, double y, double w, double h, std::string_view attrs, std::string_view tooltip) {
    body_ << "<rect x=\"" << px(x) << "\" y=\"" << px(y) << "\" width=\"" << px(std::max(0.0, w)) << "\" height=\""
          << px(std::max(0.0, h)) << "\" " << attrs;
    if (tooltip.empty())
        body_ << "/>\n";
    else
        body_ << ">" << tooltip_element(tooltip) << "</rect>\n";
}

void Figure::circle(double cx, double cy, double r, std::string_view attrs, std::string_view tooltip) {
    body_ << "<circle cx=\"" << px(cx) << "\" cy=\"" << px(cy) << "\" r=\"" << px(r) << "\" " << attrs;
    if (tooltip.empty())
        body_ << "/>\n";
    else
        body_ << ">" << tooltip_element(tooltip) << "</circle>\n";
}

void Figure::text(double x, double y, std::string_view content, std::string_view anchor, std::string_view attrs) {
    body_ << "<text x=\"" << px(x) << "\" y=\"" << px(y) << "\" text-anchor=\"" << anchor << "\"" << (attrs.empty() ? "" : " ")
          << attrs << ">" << escape(content) << "</text>\n";
}

void Figure::polyline(const std::vector<std::pair<double, double>>& points, std::string_view attrs) {
    if (points.empty()) return;
    body_ << "<polyline fill=\"none\" points=\"" << points_attr(points) << "\" " << attrs << "/>\n";
}

void Figure::polygon(const std::vector<std::pair<double, double>>& points, std::string_view attrs, std::string_view tooltip) {
    if (points.empty()) return;
    body_ << "<polygon points=\"" << points_attr(points) << "\" " << attrs;
    if (tooltip.empty())
        body_ << "/>\n";
    else
        body_ << ">" << tooltip_element(tooltip) << "</polygon>\n";
}

std::string Figure::str(std::string_view id, std::string_view title) const {
    std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" id=\"" + escape(id) + "\" role=\"img\" aria-label=\"" +
                    escape(title) + "\" viewBox=\"0 0 " + px(width_) + " " + px(height_) + "\" width=\"" + px(width_) +
                    "\" height=\"" + px(height_) + "\">\n<title>" + escape(title) + "</title>\n";
    s += body_.str();
    s += "</svg>\n";
    return s;
}

Plot::Plot(Figure& figure, double left, double top, double width, double height, Axis x, Axis y)
    : fig_(figure), left_(left), top_(top), width_(width), height_(height), x_(std::move(x)), y_(std::move(y)) {
    if (x_.ticks.empty()) x_.ticks = nice_ticks(x_.lo, x_.hi);
    if (y_.ticks.empty()) y_.ticks = nice_ticks(y_.lo, y_.hi);
    if (!(x_.hi > x_.lo)) x_.hi = x_.lo + 1;
    if (!(y_.hi > y_.lo)) y_.hi = y_.lo + 1;
}

double Plot::px(double x) const { return left_ + (x - x_.lo) / (x_.hi - x_.lo) * width_; }
double Plot::py(double y) const { return top_ + height_ - (y - y_.lo) / (y_.hi - y_.lo) * height_; }

void Plot::axes() {
    const int xd = tick_decimals(x_.ticks), yd = tick_decimals(y_.ticks);
    for (double t : x_.ticks) {
        if (!x_.tick_labels) break;
        if (t < x_.lo - 1e-12 || t > x_.hi + 1e-12) continue;
        fig_.line(px(t), top_, px(t), top_ + height_, "class=\"grid\"");
        fig_.line(px(t), top_ + height_, px(t), top_ + height_ + 4, "class=\"tick\"");
        fig_.text(px(t), top_ + height_ + 16, fixed(t, xd), "middle", "class=\"ticklabel\"");
    }
    for (double t : y_.ticks) {
        if (!y_.tick_labels) break;
        if (t < y_.lo - 1e-12 || t > y_.hi + 1e-12) continue;
        fig_.line(left_, py(t), left_ + width_, py(t), "class=\"grid\"");
        fig_.line(left_ - 4, py(t), left_, py(t), "class=\"tick\"");
        fig_.text(left_ - 7, py(t) + 4, fixed(t, yd), "end", "class=\"ticklabel\"");
    }
    fig_.rect(left_, top_, width_, height_, "class=\"frame\"");
    fig_.text(left_ + width_ / 2, top_ + height_ + 34, x_.label, "middle", "class=\"axislabel\"");
    const double ly = top_ + height_ / 2, lx = left_ - 44;
    fig_.text(lx, ly, y_.label, "middle", "class=\"axislabel\" transform=\"rotate(-90 " + fixed(lx, 2) + " " + fixed(ly, 2) + ")\"");
}

void Plot::line(const std::vector<double>& xs, const std::vector<double>& ys, std::string_view attrs) {
    std::vector<std::pair<double, double>> pts;
    for (std::size_t i = 0; i < xs.size() && i < ys.size(); ++i)
        if (std::isfinite(xs[i]) && std::isfinite(ys[i])) pts.emplace_back(px(xs[i]), py(ys[i]));
    fig_.polyline(pts, attrs);
}

void Plot::steps(const std::vector<double>& xs, const std::vector<double>& ys, std::string_view attrs, double x_end) {
    std::vector<std::pair<double, double>> pts;
    for (std::size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
        if (i > 0) pts.emplace_back(px(xs[i]), py(ys[i - 1]));
        pts.emplace_back(px(xs[i]), py(ys[i]));
    }
    if (x_end != NAN_X && !ys.empty()) pts.emplace_back(px(x_end), py(ys.back()));
    fig_.polyline(pts, attrs);
}

void Plot::band(const std::vector<double>& xs, const std::vector<double>& lower, const std::vector<double>& upper,
                std::string_view attrs, std::string_view tooltip) {
    std::vector<std::pair<double, double>> pts;
    for (std::size_t i = 0; i < xs.size(); ++i) pts.emplace_back(px(xs[i]), py(upper[i]));
    for (std::size_t i = xs.size(); i-- > 0;) pts.emplace_back(px(xs[i]), py(lower[i]));
    fig_.polygon(pts, attrs, tooltip);
}

void Plot::step_band(const std::vector<double>& xs, const std::vector<double>& lower, const std::vector<double>& upper,
                     std::string_view attrs, double x_end) {
    if (xs.empty()) return;
    std::vector<std::pair<double, double>> pts;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const double next = i + 1 < xs.size() ? xs[i + 1] : x_end;
        pts.emplace_back(px(xs[i]), py(upper[i]));
        pts.emplace_back(px(next), py(upper[i]));
    }
    for (std::size_t i = xs.size(); i-- > 0;) {
        const double next = i + 1 < xs.size() ? xs[i + 1] : x_end;
        pts.emplace_back(px(next), py(lower[i]));
        pts.emplace_back(px(xs[i]), py(lower[i]));
    }
    fig_.polygon(pts, attrs);
}

void Plot::point(double x, double y, double radius, std::string_view attrs, std::string_view tooltip) {
    fig_.circle(px(x), py(y), radius, attrs, tooltip);
}

void Plot::segment(double x1, double y1, double x2, double y2, std::string_view attrs) {
    fig_.line(px(x1), py(y1), px(x2), py(y2), attrs);
}

void Plot::legend(const std::vector<std::pair<std::string, std::string>>& entries, std::string_view corner) {
    if (entries.empty()) return;
    std::size_t longest = 0;
    for (const auto& e : entries) longest = std::max(longest, e.second.size());
    const double row = 16, w = 34 + 6.2 * double(longest), h = row * double(entries.size()) + 8;
    const double x = corner[1] == 'r' ? left_ + width_ - w - 6 : left_ + 6;
    const double y = corner[0] == 'b' ? top_ + height_ - h - 6 : top_ + 6;
    fig_.rect(x, y, w, h, "class=\"legend\"");
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const double cy = y + 4 + row * (double(i) + 0.5);
        fig_.line(x + 6, cy, x + 26, cy, entries[i].first);
        fig_.text(x + 30, cy + 4, entries[i].second, "start", "class=\"legendtext\"");
    }
}

}  // namespace radhpc::report::svg
