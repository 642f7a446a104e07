// A CSV file as a header and rows of cells (tables without quoted commas: what radhpc's synth and
// export write), with columns looked up by name; a missing column or an empty file fails the test.
#pragma once
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/test_util.hpp"

namespace testutil {

struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::size_t col(const std::string& name) const {
        const auto it = std::find(header.begin(), header.end(), name);
        INFO("CSV column " << name);
        REQUIRE(it != header.end());
        return std::size_t(it - header.begin());
    }
};

inline CsvTable read_csv_table(const std::filesystem::path& p) {
    auto rows = csv_rows(slurp(p));
    INFO(p.string());
    REQUIRE(!rows.empty());
    return CsvTable{rows.front(), {rows.begin() + 1, rows.end()}};
}

}  // namespace testutil
