// Helpers for the texture tests: CSV reading (IBSI tables, PyRadiomics baselines), the IBSI match rule,
// and a minimal NumPy .npy (format 1.0/2.0, little-endian float64/int64) reader.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/reference_data.hpp"

namespace texture_test {

inline std::string shared(const std::string& rel) { return refdata::shared_data(rel); }
using refdata::ibsi_match;
using refdata::read_csv;
using refdata::split_csv_line;
inline double round_3_significant(double v) { return refdata::round_sig3(v); }

struct Npy {
    std::vector<std::size_t> shape;
    std::vector<double> data;  // C order
};

// NumPy .npy reader: magic "\x93NUMPY", version, header dict with 'descr', 'fortran_order', 'shape'.
inline Npy read_npy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    char magic[6];
    in.read(magic, 6);
    if (std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error("not an npy file: " + path);
    unsigned char ver[2];
    in.read(reinterpret_cast<char*>(ver), 2);
    std::uint32_t hlen = 0;
    if (ver[0] == 1) {
        unsigned char b[2];
        in.read(reinterpret_cast<char*>(b), 2);
        hlen = b[0] | (b[1] << 8);
    } else {
        unsigned char b[4];
        in.read(reinterpret_cast<char*>(b), 4);
        hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (std::uint32_t(b[3]) << 24);
    }
    std::string header(hlen, ' ');
    in.read(header.data(), hlen);
    auto field = [&](const std::string& key) {
        const auto k = header.find("'" + key + "'");
        if (k == std::string::npos) throw std::runtime_error("npy header lacks " + key);
        return header.substr(header.find(':', k) + 1);
    };
    const std::string descr = field("descr");
    const std::string fo = field("fortran_order");
    const bool fortran = fo.find("True") < fo.find(',');
    std::string shp = field("shape");
    shp = shp.substr(shp.find('(') + 1, shp.find(')') - shp.find('(') - 1);
    Npy npy;
    std::stringstream ss(shp);
    std::string tok;
    while (std::getline(ss, tok, ','))
        if (tok.find_first_of("0123456789") != std::string::npos) npy.shape.push_back(std::stoul(tok));
    std::size_t n = 1;
    for (auto s : npy.shape) n *= s;
    npy.data.resize(n);
    const std::string d = descr.substr(descr.find('\'') + 1, 3);
    if (d == "<f8") {
        in.read(reinterpret_cast<char*>(npy.data.data()), std::streamsize(n * 8));
    } else if (d == "<i8") {
        std::vector<std::int64_t> tmp(n);
        in.read(reinterpret_cast<char*>(tmp.data()), std::streamsize(n * 8));
        for (std::size_t i = 0; i < n; ++i) npy.data[i] = double(tmp[i]);
    } else {
        throw std::runtime_error("unsupported npy dtype " + d);
    }
    if (!in) throw std::runtime_error("truncated npy " + path);
    if (fortran && npy.shape.size() > 1) {
        // column-major -> row-major
        std::vector<double> c(n);
        const std::size_t nd = npy.shape.size();
        std::vector<std::size_t> idx(nd, 0);
        for (std::size_t f = 0; f < n; ++f) {
            // f is the Fortran linear index of idx; compute the C linear index
            std::size_t lin = 0;
            for (std::size_t d = 0; d < nd; ++d) lin = lin * npy.shape[d] + idx[d];
            c[lin] = npy.data[f];
            for (std::size_t d = 0; d < nd; ++d) {
                if (++idx[d] < npy.shape[d]) break;
                idx[d] = 0;
            }
        }
        npy.data = std::move(c);
    }
    return npy;
}

// Raw value of `key` in a Python dict literal (PyRadiomics diagnostics_Configuration_Settings), "" if absent.
inline std::string dict_value(const std::string& dict, const std::string& key) {
    const auto k = dict.find("'" + key + "'");
    if (k == std::string::npos) return "";
    std::size_t i = dict.find(':', k) + 1;
    while (i < dict.size() && dict[i] == ' ') ++i;
    int depth = 0;
    std::string out;
    for (; i < dict.size(); ++i) {
        const char c = dict[i];
        if (c == '[' || c == '(' || c == '{') ++depth;
        if (c == ']' || c == ')' || c == '}') {
            if (depth == 0) break;
            --depth;
        }
        if (c == ',' && depth == 0) break;
        out += c;
    }
    return out;
}

}  // namespace texture_test
