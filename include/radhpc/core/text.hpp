// Small text helpers every layer that reads or writes tables uses (standard library only).
#pragma once
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace radhpc::text {

// %.17g: 17 significant digits, so reading the text back gives the same double.
inline std::string format17(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

// A CSV cell (RFC 4180): quoted, with quotes doubled, when it holds a comma, quote or line break.
inline std::string csv_cell(const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

// Without leading and trailing characters from `blanks` (by default blanks and tabs).
inline std::string trim(const std::string& s, std::string_view blanks = " \t") {
    const auto b = s.find_first_not_of(blanks);
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(blanks) - b + 1);
}

// Splits one CSV record (RFC 4180: quotes, "" escapes, CRLF) starting at `pos` and moves `pos`
// past it; quoted cells may span lines. Returns false at the end of the input.
inline bool next_csv_record(const std::string& text, std::size_t& pos, std::vector<std::string>& cells) {
    cells.clear();
    if (pos >= text.size()) return false;
    std::string cell;
    bool quoted = false;
    while (pos < text.size()) {
        const char c = text[pos++];
        if (quoted) {
            if (c == '"') {
                if (pos < text.size() && text[pos] == '"') {
                    cell += '"';
                    ++pos;
                } else {
                    quoted = false;
                }
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            cells.push_back(std::move(cell));
            cell.clear();
        } else if (c == '\n') {
            break;
        } else if (c != '\r') {
            cell += c;
        }
    }
    cells.push_back(std::move(cell));
    return true;
}

// Removes a leading UTF-8 byte order mark (spreadsheet exports write one); true if there was one.
inline bool strip_bom(std::string& text) {
    if (text.rfind("\xEF\xBB\xBF", 0) != 0) return false;
    text.erase(0, 3);
    return true;
}

}  // namespace radhpc::text
