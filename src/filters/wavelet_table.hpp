// The wavelet filter table (wavelet_coefficients.cpp, generated from PyWavelets).
#pragma once
#include <string>
#include <vector>

namespace radhpc::filters::detail {

struct WaveletEntry {
    std::string name;
    std::vector<double> dec_lo, dec_hi;
};
const std::vector<WaveletEntry>& wavelet_table();

}  // namespace radhpc::filters::detail
