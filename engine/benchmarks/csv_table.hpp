// A strict reader of comma-separated tables (RFC 4180): one header row, then rows of
// exactly as many fields. Quoted fields may hold commas, doubled quotes and line
// breaks; a quote that is not closed, or text after a closing quote, is an error.
// Errors name the file, the row (and its line) and the column.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace zerolm {

struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each exactly header.size() fields
  std::vector<std::size_t> lines;              // the line each row starts on (the header is line 1)

  // The index of the column named `name`; an Error naming the file when there is none.
  std::size_t column(const std::string& name) const;
  // Whether a column is named `name`.
  bool has_column(const std::string& name) const;
  // "FILE: row R (line L), column 'C'", for error messages.
  std::string where(std::size_t row, std::size_t column) const;
  // Field (row, column) as a finite number; an Error naming file, row, column and value.
  double number(std::size_t row, std::size_t column) const;
};

CsvTable read_csv_table(const std::string& path);
// The same from text already read; `path` names it in errors.
CsvTable parse_csv_table(const std::string& text, const std::string& path);

}  // namespace zerolm
