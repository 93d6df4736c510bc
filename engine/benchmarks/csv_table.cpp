#include "engine/benchmarks/csv_table.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <set>

#include "engine/core/error.hpp"
#include "engine/core/json_yaml.hpp"

namespace zerolm {

std::size_t CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  ZEROLM_FAIL("{}: column '{}' is missing from the header", path, name);
}

bool CsvTable::has_column(const std::string& name) const {
  for (const auto& h : header) {
    if (h == name) return true;
  }
  return false;
}

std::string CsvTable::where(std::size_t row, std::size_t col) const {
  ZEROLM_ASSERT(row < rows.size() && col < header.size(), "cell ({}, {}) outside {} rows x {} columns", row, col,
                rows.size(), header.size());
  return fmt::format("{}: row {} (line {}), column '{}'", path, row + 1, lines[row], header[col]);
}

double CsvTable::number(std::size_t row, std::size_t col) const {
  const std::string& text = rows.at(row).at(col);
  const char* begin = text.c_str();
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(begin, &end);
  // strtod skips leading blanks; a number field holds the number and nothing else.
  const bool whole = !text.empty() && end == begin + text.size() && text.front() != ' ' && text.front() != '\t';
  ZEROLM_CHECK(whole && errno != ERANGE && std::isfinite(value), "{}: value '{}' is not a finite number",
               where(row, col), text);
  return value;
}

CsvTable parse_csv_table(const std::string& text, const std::string& path) {
  CsvTable table;
  table.path = path;
  std::size_t pos = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;  // a UTF-8 byte order mark, as spreadsheets write
  std::size_t line = 1;
  std::vector<std::vector<std::string>> records;
  std::vector<std::size_t> starts;
  while (pos < text.size()) {
    std::vector<std::string> fields;
    starts.push_back(line);
    bool end_of_record = false;
    while (!end_of_record) {
      std::string field;
      if (pos < text.size() && text[pos] == '"') {
        const std::size_t opened_line = line;
        ++pos;
        bool closed = false;
        while (pos < text.size()) {
          const char c = text[pos++];
          if (c == '"') {
            if (pos < text.size() && text[pos] == '"') {
              field += '"';
              ++pos;
            } else {
              closed = true;
              break;
            }
          } else {
            if (c == '\n') ++line;
            field += c;
          }
        }
        ZEROLM_CHECK(closed, "{}: line {}, field {}: a quoted field opened here is never closed", path, opened_line,
                     fields.size() + 1);
        const bool at_separator = pos >= text.size() || text[pos] == ',' || text[pos] == '\n' ||
                                  (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n');
        ZEROLM_CHECK(at_separator, "{}: line {}, field {}: text after the closing quote of \"{}\"", path, line,
                     fields.size() + 1, field);
      } else {
        while (pos < text.size() && text[pos] != ',' && text[pos] != '\n' &&
               !(text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n')) {
          ZEROLM_CHECK(text[pos] != '"', "{}: line {}, field {}: a quote inside an unquoted field", path, line,
                       fields.size() + 1);
          field += text[pos++];
        }
      }
      fields.push_back(std::move(field));
      if (pos >= text.size()) {
        end_of_record = true;
      } else if (text[pos] == ',') {
        ++pos;
      } else {
        pos += text[pos] == '\r' ? 2 : 1;
        ++line;
        end_of_record = true;
      }
    }
    records.push_back(std::move(fields));
  }
  ZEROLM_CHECK(!records.empty(), "{}: the file is empty (expected a header row)", path);
  table.header = std::move(records.front());
  std::set<std::string> seen;
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    ZEROLM_CHECK(!table.header[c].empty(), "{}: line 1: column {} of the header has no name", path, c + 1);
    ZEROLM_CHECK(seen.insert(table.header[c]).second, "{}: line 1: column '{}' is named twice", path, table.header[c]);
  }
  for (std::size_t r = 1; r < records.size(); ++r) {
    ZEROLM_CHECK(records[r].size() == table.header.size(), "{}: row {} (line {}) has {} columns; the header has {}",
                 path, r, starts[r], records[r].size(), table.header.size());
    table.rows.push_back(std::move(records[r]));
    table.lines.push_back(starts[r]);
  }
  return table;
}

CsvTable read_csv_table(const std::string& path) {
  const std::string text = read_text_file(path);
  check_utf8(text, path);
  return parse_csv_table(text, path);
}

}  // namespace zerolm
