#include "sql/shell/result_format.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace meridian::sql::shell {

using client::IsNumericTypeOid;
using client::PgColumn;
using client::PgResult;
namespace {

struct Range {
  uint32_t first;
  uint32_t last;
};

// Combining marks and zero-width characters (a practical subset of Unicode's Mn/Me/Cf).
constexpr Range kZeroWidth[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x0E31, 0x0E31}, {0x0E34, 0x0E3A}, {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F},
    {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF},
};

// East Asian Wide and Fullwidth characters, and emoji presented wide.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x2E80, 0x303E},
    {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},
    {0xFE30, 0xFE6F},   {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x1F300, 0x1F64F},
    {0x1F900, 0x1F9FF}, {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

template <size_t N>
bool InRanges(uint32_t cp, const Range (&ranges)[N]) {
  for (const Range& r : ranges) {
    if (cp >= r.first && cp <= r.last) return true;
  }
  return false;
}

int CodePointWidth(uint32_t cp) {
  if (InRanges(cp, kZeroWidth)) return 0;
  if (InRanges(cp, kWide)) return 2;
  return 1;
}

// Decodes one UTF-8 sequence at text[*pos]; advances *pos. Returns false (and consumes one
// byte) for an invalid sequence.
bool DecodeUtf8(std::string_view text, size_t* pos, uint32_t* cp) {
  const unsigned char c = static_cast<unsigned char>(text[*pos]);
  int len = 0;
  uint32_t value = 0;
  if (c < 0x80) {
    *cp = c;
    ++*pos;
    return true;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2;
    value = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    value = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    value = c & 0x07;
  } else {
    ++*pos;
    return false;
  }
  if (text.size() - *pos < static_cast<size_t>(len)) {
    ++*pos;
    return false;
  }
  for (int i = 1; i < len; ++i) {
    const unsigned char cc = static_cast<unsigned char>(text[*pos + i]);
    if ((cc & 0xC0) != 0x80) {
      ++*pos;
      return false;
    }
    value = (value << 6) | (cc & 0x3F);
  }
  *pos += len;
  *cp = value;
  return true;
}

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (true) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(start));
      return lines;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
}

void AppendSpaces(std::string* out, int n) {
  if (n > 0) out->append(static_cast<size_t>(n), ' ');
}

void AppendDashes(std::string* out, int n) {
  if (n > 0) out->append(static_cast<size_t>(n), '-');
}

// A table cell split into lines, with each line's display width.
struct Cell {
  std::vector<std::string_view> lines;
  std::vector<int> widths;
  int max_width = 0;
};

// `value` is null for a missing value (short row). Cells keep views into the value.
// REQUIRES: `*value` outlives the returned cell.
Cell MakeCell(const std::optional<std::string>* value) {
  Cell cell;
  cell.lines = value != nullptr && value->has_value() ? SplitLines(**value)
                                                      : std::vector<std::string_view>{""};
  for (std::string_view line : cell.lines) {
    const int w = DisplayWidth(line);
    cell.widths.push_back(w);
    cell.max_width = std::max(cell.max_width, w);
  }
  return cell;
}

std::string RowCountFooter(size_t n) {
  return n == 1 ? std::string("(1 row)\n") : absl::StrCat("(", n, " rows)\n");
}

std::string FormatAligned(const PgResult& result, const FormatOptions& options) {
  const size_t ncols = result.columns.size();
  std::vector<int> widths(ncols, 0);
  std::vector<bool> right(ncols, false);
  for (size_t j = 0; j < ncols; ++j) {
    widths[j] = DisplayWidth(result.columns[j].name);
    right[j] = IsNumericTypeOid(result.columns[j].type_oid);
  }
  std::vector<std::vector<Cell>> cells;
  cells.reserve(result.rows.size());
  for (const auto& row : result.rows) {
    std::vector<Cell> cell_row;
    for (size_t j = 0; j < ncols; ++j) {
      // A malformed result (short row) shows blanks rather than reading past the row.
      cell_row.push_back(MakeCell(j < row.size() ? &row[j] : nullptr));
      widths[j] = std::max(widths[j], cell_row.back().max_width);
    }
    cells.push_back(std::move(cell_row));
  }

  std::string out;
  int total_width = 0;
  for (size_t j = 0; j < ncols; ++j) total_width += widths[j] + 2 + (j > 0 ? 1 : 0);
  if (!options.title.empty()) {
    const int title_width = DisplayWidth(options.title);
    AppendSpaces(&out, (total_width - title_width) / 2);
    absl::StrAppend(&out, options.title, "\n");
  }
  if (ncols == 0) {
    out += "--\n";
  } else {
    for (size_t j = 0; j < ncols; ++j) {
      if (j > 0) out += '|';
      const int space = widths[j] - DisplayWidth(result.columns[j].name);
      out += ' ';
      AppendSpaces(&out, space / 2);
      out += result.columns[j].name;
      AppendSpaces(&out, (space + 1) / 2);
      out += ' ';
    }
    out += '\n';
    for (size_t j = 0; j < ncols; ++j) {
      if (j > 0) out += '+';
      AppendDashes(&out, widths[j] + 2);
    }
    out += '\n';
  }
  for (const auto& cell_row : cells) {
    if (ncols == 0) break;  // psql prints only the "--" line for zero-column rows
    size_t height = 1;
    for (const Cell& cell : cell_row) height = std::max(height, cell.lines.size());
    for (size_t k = 0; k < height; ++k) {
      std::string line;
      for (size_t j = 0; j < ncols; ++j) {
        const Cell& cell = cell_row[j];
        const bool last = j + 1 == ncols;
        const bool continues = k + 1 < cell.lines.size();
        const std::string_view text = k < cell.lines.size() ? cell.lines[k] : std::string_view();
        const int pad = widths[j] - (k < cell.lines.size() ? cell.widths[k] : 0);
        if (j > 0) line += '|';
        line += ' ';
        if (right[j]) {
          AppendSpaces(&line, pad);
          line += text;
        } else {
          line += text;
          if (!last || continues) AppendSpaces(&line, pad);
        }
        if (continues) {
          line += '+';
        } else if (!last) {
          line += ' ';
        }
      }
      absl::StrAppend(&out, line, "\n");
    }
  }
  if (options.footer) out += RowCountFooter(result.rows.size());
  out += '\n';
  return out;
}

std::string FormatExpanded(const PgResult& result, const FormatOptions& options) {
  std::string out;
  if (!options.title.empty()) absl::StrAppend(&out, options.title, "\n");
  if (result.rows.empty()) {
    out += "(0 rows)\n\n";
    return out;
  }
  const size_t ncols = result.columns.size();
  int name_width = 0;
  int value_width = 0;
  for (const PgColumn& column : result.columns) {
    name_width = std::max(name_width, DisplayWidth(column.name));
  }
  std::vector<std::vector<Cell>> cells;
  for (const auto& row : result.rows) {
    std::vector<Cell> cell_row;
    for (size_t j = 0; j < ncols; ++j) {
      cell_row.push_back(MakeCell(j < row.size() ? &row[j] : nullptr));
      value_width = std::max(value_width, cell_row.back().max_width);
    }
    cells.push_back(std::move(cell_row));
  }
  for (size_t i = 0; i < cells.size(); ++i) {
    // "-[ RECORD n ]" then dashes to the full width, with '+' where the column divider is
    // when the label ends before it.
    std::string header = absl::StrCat("-[ RECORD ", i + 1, " ]");
    const int label = static_cast<int>(header.size());
    if (label <= name_width + 1) {
      AppendDashes(&header, name_width + 1 - label);
      header += '+';
      AppendDashes(&header, value_width + 1);
    } else {
      AppendDashes(&header, name_width + value_width + 3 - label);
    }
    absl::StrAppend(&out, header, "\n");
    for (size_t j = 0; j < ncols; ++j) {
      const Cell& cell = cells[i][j];
      for (size_t k = 0; k < cell.lines.size(); ++k) {
        std::string line;
        if (k == 0) {
          line += result.columns[j].name;
          AppendSpaces(&line, name_width - DisplayWidth(result.columns[j].name));
        } else {
          AppendSpaces(&line, name_width);
        }
        line += " | ";
        line += cell.lines[k];
        if (k + 1 < cell.lines.size()) {
          AppendSpaces(&line, value_width - cell.widths[k]);
          line += '+';
        }
        absl::StrAppend(&out, line, "\n");
      }
    }
  }
  out += '\n';
  return out;
}

}  // namespace

int DisplayWidth(std::string_view text) {
  int width = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t cp = 0;
    if (DecodeUtf8(text, &pos, &cp)) {
      width += CodePointWidth(cp);
    } else {
      width += 1;
    }
  }
  return width;
}

std::string FormatResult(const PgResult& result, const FormatOptions& options) {
  if (!result.has_rows) {
    return result.command_tag.empty() ? std::string() : result.command_tag + "\n";
  }
  return options.expanded ? FormatExpanded(result, options) : FormatAligned(result, options);
}

}  // namespace meridian::sql::shell
