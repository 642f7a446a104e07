// RFC 4180 CSV (quoted fields, doubled quotes, CRLF) with line/column tracking.
#include "radhpc/core/file_text.hpp"
#include "radhpc/engine/manifest.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "radhpc/core/error.hpp"
#include "radhpc/core/text.hpp"

namespace radhpc::engine {
namespace fs = std::filesystem;
namespace {

struct Field {
    std::string text;
    int column;  // 1-based character column where the field starts
};
struct Record {
    int line;
    std::vector<Field> fields;
};

// Splits the text into records; an unterminated quote is reported at its opening position.
std::vector<Record> split_csv(const std::string& text, const std::string& path) {
    std::vector<Record> out;
    std::size_t i = 0;
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) i = 3;  // UTF-8 BOM (spreadsheet exports)
    int line = 1, col = 1;
    while (i < text.size()) {
        Record rec{line, {}};
        bool end_of_record = false;
        while (!end_of_record) {
            Field f{"", col};
            if (i < text.size() && text[i] == '"') {
                const int qline = line, qcol = col;
                ++i;
                ++col;
                bool closed = false;
                while (i < text.size()) {
                    const char ch = text[i];
                    if (ch == '"') {
                        if (i + 1 < text.size() && text[i + 1] == '"') {
                            f.text += '"';
                            i += 2;
                            col += 2;
                            continue;
                        }
                        ++i;
                        ++col;
                        closed = true;
                        break;
                    }
                    if (ch == '\n') {
                        ++line;
                        col = 1;
                    } else {
                        ++col;
                    }
                    f.text += ch;
                    ++i;
                }
                if (!closed)
                    throw Error(ErrorKind::settings, path + ":" + std::to_string(qline) + ":" + std::to_string(qcol) +
                                                         ": unterminated quoted field");
            }
            while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                f.text += text[i];
                ++i;
                ++col;
            }
            rec.fields.push_back(std::move(f));
            if (i >= text.size()) {
                end_of_record = true;
            } else if (text[i] == ',') {
                ++i;
                ++col;
            } else {
                if (text[i] == '\r') ++i;
                if (i < text.size() && text[i] == '\n') ++i;
                ++line;
                col = 1;
                end_of_record = true;
            }
        }
        const bool blank = rec.fields.size() == 1 && rec.fields[0].text.find_first_not_of(" \t") == std::string::npos;
        if (!blank) out.push_back(std::move(rec));
    }
    return out;
}

using text::trim;

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ';'))
        if (!trim(item).empty()) out.push_back(trim(item));
    return out;
}

}  // namespace

std::string ManifestIssue::text() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

Manifest parse_manifest(const std::string& text, const std::string& path, const std::string& base_dir) {
    Manifest m;
    m.path = path;
    const auto records = split_csv(text, path);
    if (records.empty()) throw Error(ErrorKind::settings, path + ":1:1: empty manifest (no header line)");
    std::map<std::string, std::size_t> col;
    for (std::size_t j = 0; j < records[0].fields.size(); ++j) {
        const std::string name = trim(records[0].fields[j].text);
        if (name.empty())
            throw Error(ErrorKind::settings, path + ":" + std::to_string(records[0].line) + ":" +
                                                 std::to_string(records[0].fields[j].column) + ": empty column name");
        if (!col.emplace(name, j).second)
            throw Error(ErrorKind::settings, path + ":" + std::to_string(records[0].line) + ":" +
                                                 std::to_string(records[0].fields[j].column) + ": duplicate column '" + name + "'");
        m.header.push_back(name);
    }
    for (const char* required : {"study_id", "patient_id", "image", "mask"})
        if (!col.count(required))
            throw Error(ErrorKind::settings, path + ":1:" + std::to_string(records[0].fields.back().column) +
                                                 ": missing required column '" + required +
                                                 "' (required: study_id, patient_id, image, mask)");
    auto resolve = [&](const std::string& p) {
        if (p.empty()) return p;
        const fs::path fp(p);
        return fp.is_absolute() ? p : (fs::path(base_dir) / fp).lexically_normal().string();
    };
    std::map<std::string, int> first_line;
    for (std::size_t r = 1; r < records.size(); ++r) {
        const Record& rec = records[r];
        ManifestRow row;
        row.line = rec.line;
        auto issue = [&](int column, const std::string& msg) {
            ManifestIssue is{rec.line, column, row.study_id, msg, path};
            if (row.error.empty()) row.error = is.text();
            m.issues.push_back(std::move(is));
        };
        auto field_column = [&](std::size_t j) {
            return j < rec.fields.size() ? rec.fields[j].column : rec.fields.back().column + int(rec.fields.back().text.size()) + 1;
        };
        row.study_id = col["study_id"] < rec.fields.size() ? trim(rec.fields[col["study_id"]].text) : "";
        if (rec.fields.size() < m.header.size())
            issue(field_column(rec.fields.size()), "row has " + std::to_string(rec.fields.size()) + " columns, header has " +
                                                       std::to_string(m.header.size()) + " (missing column '" +
                                                       m.header[rec.fields.size()] + "')");
        else if (rec.fields.size() > m.header.size())
            issue(field_column(m.header.size()), "row has " + std::to_string(rec.fields.size()) + " columns, header has " +
                                                     std::to_string(m.header.size()));
        auto get = [&](const std::string& name) -> std::string {
            const std::size_t j = col[name];
            return j < rec.fields.size() ? trim(rec.fields[j].text) : "";
        };
        if (row.study_id.empty()) {
            issue(field_column(col["study_id"]), "empty study_id");
            continue;  // nothing to key an error record on; the issue is recorded
        }
        if (auto [it, fresh] = first_line.emplace(row.study_id, rec.line); !fresh) {
            issue(field_column(col["study_id"]),
                  "duplicate study_id '" + row.study_id + "' (first on line " + std::to_string(it->second) + "); row ignored");
            continue;
        }
        row.patient_id = get("patient_id");
        if (row.patient_id.empty() && row.error.empty()) issue(field_column(col["patient_id"]), "empty patient_id");
        row.image = resolve(get("image"));
        if (row.image.empty() && row.error.empty()) issue(field_column(col["image"]), "empty image path");
        for (const auto& mk : split_list(get("mask"))) row.masks.push_back(resolve(mk));
        if (row.masks.empty() && row.error.empty()) issue(field_column(col["mask"]), "empty mask path");
        if (col.count("labels")) {
            for (const auto& item : split_list(get("labels"))) {
                std::size_t used = 0;
                int v = 0;
                try {
                    v = std::stoi(item, &used);
                } catch (...) {
                    used = 0;
                }
                if (used != item.size() || v < 1 || v > 65535) {
                    if (row.error.empty()) issue(field_column(col["labels"]), "label '" + item + "' is not an integer in 1..65535");
                } else {
                    row.labels.push_back(v);
                }
            }
            if (row.masks.size() > 1 && !row.labels.empty() && row.error.empty())
                issue(field_column(col["labels"]), "labels given with several mask files (one lesion per file: leave labels empty)");
        }
        for (std::size_t j = 0; j < m.header.size(); ++j) {
            const auto& name = m.header[j];
            if (name == "study_id" || name == "patient_id" || name == "image" || name == "mask" || name == "labels") continue;
            row.metadata.emplace_back(name, j < rec.fields.size() ? trim(rec.fields[j].text) : "");
        }
        m.rows.push_back(std::move(row));
    }
    return m;
}

Manifest read_manifest(const std::string& path) {
    const std::string text = read_file_text(path, ErrorKind::io, "cannot read manifest");
    const auto base = fs::absolute(fs::path(path)).parent_path().string();
    return parse_manifest(text, path, base);
}

}  // namespace radhpc::engine
