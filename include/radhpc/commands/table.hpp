// CSV feature tables as the table commands (stats, combat, redundancy, validate) read them.
// Layer `commands`.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace radhpc::commands {

// A CSV table as text cells (header + rows). Quoted fields ("a,b", "" escapes), CRLF line ends
// and a UTF-8 BOM are accepted. Every row must have as many cells as the header.
struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::string origin;  // file name, for messages

    // Index of a column by name; throws Error(invalid_input) naming the file when absent.
    std::size_t column(const std::string& name) const;
    // A column is numeric when every cell parses completely as a number ("NA"/empty are not numbers).
    bool is_numeric(std::size_t column) const;
    // The column's values; throws Error(invalid_input) naming the column and row of a non-number.
    std::vector<double> numeric(std::size_t column) const;
};
CsvTable read_csv_table(const std::string& path);
// The same from text in memory (`origin` names it in messages).
CsvTable parse_csv_table(std::string text, const std::string& origin);

// 0/1 outcome column (anything else is an error naming the row).
std::vector<int> binary_outcome(const CsvTable& table, const std::string& column);

// Numeric columns other than `excluded`, in table order. Columns holding any text are skipped;
// a column of numbers with missing cells (empty, NA, NaN) is an error naming it.
std::vector<std::size_t> feature_columns(const CsvTable& table, const std::vector<std::string>& excluded);

// JSON number: %.17g, non-finite values as null.
std::string json_number(double value);

}  // namespace radhpc::commands
