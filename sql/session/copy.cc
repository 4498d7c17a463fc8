// COPY table FROM STDIN and COPY table/query TO STDOUT, in PostgreSQL's text and CSV formats.
// Rows from COPY FROM go through the same insert path as INSERT (constraints, indexes), in
// chunks, inside the statement's transaction.
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/execution/operator.h"
#include "sql/session/internal/session_impl.h"
#include "sql/types/pg_format.h"

namespace meridian::sql {
namespace {

absl::Status Error(std::string_view sqlstate, std::string_view message) {
  return SqlError(absl::StatusCode::kInvalidArgument, sqlstate, message);
}

absl::StatusOr<CopyFormat> FormatFrom(const ast::CopyStmt& s) {
  CopyFormat f;
  bool delimiter_set = false, null_set = false;
  for (const auto& [k, v] : s.options) {
    std::string value = absl::AsciiStrToLower(v);
    if (k == "format") {
      if (value == "csv") {
        f.csv = true;
      } else if (value != "text") {
        return Error("0A000", absl::StrCat("COPY format \"", v, "\" is not supported"));
      }
    } else if (k == "csv") {
      f.csv = true;
    } else if (k == "binary") {
      return Error("0A000", "COPY BINARY is not supported");
    } else if (k == "header") {
      f.header = value.empty() || value == "true" || value == "on" || value == "1";
    } else if (k == "delimiter") {
      if (v.size() != 1)
        return Error("22023", "COPY delimiter must be a single one-byte character");
      f.delimiter = v[0];
      delimiter_set = true;
    } else if (k == "null") {
      f.null_string = v;
      null_set = true;
    } else if (k == "quote") {
      if (v.size() != 1) return Error("22023", "COPY quote must be a single one-byte character");
      f.quote = v[0];
    } else if (k == "escape") {
      if (v.size() != 1) return Error("22023", "COPY escape must be a single one-byte character");
      f.escape = v[0];
    } else if (k == "freeze" || k == "encoding") {
      // Accepted: freezing is meaningless here; the encoding is always UTF8.
    } else {
      return Error("42601", absl::StrCat("option \"", k, "\" not recognized"));
    }
  }
  if (f.csv && !delimiter_set) f.delimiter = ',';
  if (f.csv && !null_set) f.null_string = "";
  return f;
}

// Splits COPY text-format data into rows of fields (nullopt = NULL).
absl::StatusOr<std::vector<std::vector<std::optional<std::string>>>> ParseText(
    std::string_view data, const CopyFormat& f) {
  std::vector<std::vector<std::optional<std::string>>> rows;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t eol = data.find('\n', pos);
    if (eol == std::string_view::npos) eol = data.size();
    std::string_view line = data.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == "\\.") break;
    std::vector<std::optional<std::string>> fields;
    std::string field;
    std::string raw;  // the field as written, to compare with the NULL marker
    auto finish = [&]() {
      if (raw == f.null_string) {
        fields.push_back(std::nullopt);
      } else {
        fields.push_back(field);
      }
      field.clear();
      raw.clear();
    };
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (c == f.delimiter) {
        finish();
        continue;
      }
      raw += c;
      if (c != '\\' || i + 1 >= line.size()) {
        field += c;
        continue;
      }
      char n = line[++i];
      raw += n;
      switch (n) {
        case 'b':
          field += '\b';
          break;
        case 'f':
          field += '\f';
          break;
        case 'n':
          field += '\n';
          break;
        case 'r':
          field += '\r';
          break;
        case 't':
          field += '\t';
          break;
        case 'v':
          field += '\v';
          break;
        default:
          field += n;
          break;
      }
    }
    finish();
    rows.push_back(std::move(fields));
  }
  return rows;
}

absl::StatusOr<std::vector<std::vector<std::optional<std::string>>>> ParseCsv(std::string_view data,
                                                                              const CopyFormat& f) {
  std::vector<std::vector<std::optional<std::string>>> rows;
  std::vector<std::optional<std::string>> fields;
  std::string field;
  bool quoted = false, in_quotes = false, any = false;
  auto finish_field = [&]() {
    if (!quoted && field == f.null_string) {
      fields.push_back(std::nullopt);
    } else {
      fields.push_back(field);
    }
    field.clear();
    quoted = false;
  };
  for (size_t i = 0; i < data.size(); ++i) {
    char c = data[i];
    any = true;
    if (in_quotes) {
      if (c == f.escape && i + 1 < data.size() && data[i + 1] == f.quote &&
          (f.escape != f.quote || true)) {
        field += f.quote;
        ++i;
      } else if (c == f.quote) {
        in_quotes = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == f.quote) {
      in_quotes = true;
      quoted = true;
    } else if (c == f.delimiter) {
      finish_field();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') ++i;
      finish_field();
      if (!(fields.size() == 1 && fields[0].has_value() && *fields[0] == "\\."))
        rows.push_back(std::move(fields));
      fields.clear();
      any = false;
    } else {
      field += c;
    }
  }
  if (in_quotes) return Error("22P04", "unterminated CSV quoted field");
  if (any) {
    finish_field();
    rows.push_back(std::move(fields));
  }
  return rows;
}

void AppendText(std::string_view s, const CopyFormat& f, std::string* out) {
  if (f.csv) {
    bool quote =
        s.empty() ||
        s.find_first_of(std::string{f.delimiter, f.quote, '\n', '\r'}) != std::string_view::npos ||
        s == f.null_string;
    if (!quote) {
      out->append(s);
      return;
    }
    out->push_back(f.quote);
    for (char c : s) {
      if (c == f.quote) out->push_back(f.escape);
      out->push_back(c);
    }
    out->push_back(f.quote);
    return;
  }
  for (char c : s) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c == f.delimiter) {
          out->push_back('\\');
        }
        out->push_back(c);
    }
  }
}

}  // namespace

absl::Status SessionImpl::ExecuteCopy(const ast::CopyStmt& s, ResultSink* sink) {
  if (s.target != "stdin" && s.target != "stdout") {
    return Error("42501",
                 "COPY to or from a file is not allowed; use STDIN/STDOUT (psql's \\copy)");
  }
  if (sink == nullptr) return Error("0A000", "COPY needs a client connection");
  ASSIGN_OR_RETURN(CopyFormat format, FormatFrom(s));
  if (!s.from) {
    // COPY ... TO STDOUT: run the query (or read the table) and send lines.
    ASSIGN_OR_RETURN(txn::Txn * txn, StatementTxn(true, nullptr));
    Binder binder(MakeCatalog(txn), {});
    BoundStatement bound;
    if (s.query) {
      ASSIGN_OR_RETURN(bound, binder.BindSelect(*s.query));
    } else {
      ast::SelectStmt sel;
      for (const auto& c : s.columns) {
        auto e = std::make_unique<ast::Expr>();
        e->kind = ast::ExprKind::kColumnRef;
        e->names = {c};
        sel.items.push_back(ast::SelectItem{std::move(e), ""});
      }
      if (s.columns.empty()) {
        auto star = std::make_unique<ast::Expr>();
        star->kind = ast::ExprKind::kStar;
        sel.items.push_back(ast::SelectItem{std::move(star), ""});
      }
      auto ref = std::make_unique<ast::TableRef>();
      ref->name = s.table;
      sel.from.push_back(std::move(ref));
      ASSIGN_OR_RETURN(bound, binder.BindSelect(sel));
    }
    format.num_columns = static_cast<int>(bound.columns.size());
    ExecContext ctx = NewContext(txn, {});
    std::vector<Row> rows;
    RETURN_IF_ERROR(RunPlan(bound.plan, ctx, nullptr, &rows));
    RETURN_IF_ERROR(sink->CopyOutBegin(format));
    std::string out;
    if (format.header) {
      for (size_t i = 0; i < bound.columns.size(); ++i) {
        if (i > 0) out.push_back(format.delimiter);
        AppendText(bound.columns[i].name, format, &out);
      }
      out.push_back('\n');
    }
    for (const Row& r : rows) {
      for (size_t i = 0; i < r.size(); ++i) {
        if (i > 0) out.push_back(format.delimiter);
        if (r[i].is_null()) {
          out.append(format.null_string);
        } else {
          AppendText(FormatText(r[i], bound.columns[i].type), format, &out);
        }
      }
      out.push_back('\n');
      if (out.size() > (1 << 20)) {
        RETURN_IF_ERROR(sink->CopyOutData(out));
        out.clear();
      }
    }
    if (!out.empty()) RETURN_IF_ERROR(sink->CopyOutData(out));
    RETURN_IF_ERROR(sink->CopyOutEnd());
    sink->Complete(absl::StrCat("COPY ", rows.size()));
    return absl::OkStatus();
  }

  // COPY ... FROM STDIN.
  ASSIGN_OR_RETURN(txn::Txn * txn, StatementTxn(false, nullptr));
  ASSIGN_OR_RETURN(TablePtr table, LookupTable(*txn, s.table.back()));
  if (table == nullptr) {
    return Error("42P01", absl::StrCat("relation \"", s.table.back(), "\" does not exist"));
  }
  std::vector<int> targets;
  if (s.columns.empty()) {
    for (int i = 0; i < table->num_columns(); ++i) {
      if (!table->column(i).hidden()) targets.push_back(i);
    }
  } else {
    for (const auto& c : s.columns) {
      int i = table->ColumnIndex(c);
      if (i < 0 || table->column(i).hidden()) {
        return Error("42703", absl::StrCat("column \"", c, "\" of relation \"", table->name(),
                                           "\" does not exist"));
      }
      targets.push_back(i);
    }
  }
  format.num_columns = static_cast<int>(targets.size());
  ASSIGN_OR_RETURN(std::string data, sink->CopyIn(format));
  auto parsed = format.csv ? ParseCsv(data, format) : ParseText(data, format);
  if (!parsed.ok()) return parsed.status();
  // Defaults for the columns COPY does not name.
  std::vector<BoundExprPtr> defaults(table->num_columns());
  for (int i = 0; i < table->num_columns(); ++i) {
    const auto& c = table->column(i);
    if (c.hidden()) {
      auto f = std::make_shared<BoundExpr>();
      f->kind = BoundExpr::Kind::kFunction;
      f->type = SqlType::Of(TypeId::kInt8);
      f->name = "unique_rowid";
      f->fn = LookupFunction("unique_rowid");
      defaults[i] = f;
    } else {
      ASSIGN_OR_RETURN(defaults[i], BindDefault(c.default_expr(), table->column_type(i)));
    }
  }
  ExecContext ctx = NewContext(txn, {});
  AllowCommitAlone(ctx);  // a COPY that is its own transaction checks its keys at commit
  constexpr size_t kChunk = 1000;
  size_t line = 0;
  auto& rows = *parsed;
  if (format.header && !rows.empty()) {
    rows.erase(rows.begin());
    ++line;
  }
  int64_t total = 0;
  for (size_t start = 0; start < rows.size(); start += kChunk) {
    // The physical plan directly: an insert of constant rows has no choices to make.
    ValuesOp values;
    for (size_t r = start; r < std::min(rows.size(), start + kChunk); ++r) {
      ++line;
      const auto& fields = rows[r];
      if (fields.size() != targets.size()) {
        return Error(
            "22P04",
            absl::StrCat(fields.size() < targets.size() ? "missing data for column \""
                                                        : "extra data after last expected column",
                         fields.size() < targets.size()
                             ? absl::StrCat(table->column(targets[fields.size()]).name(), "\"")
                             : "",
                         " (COPY ", table->name(), ", line ", line, ")"));
      }
      std::vector<BoundExprPtr> row = defaults;
      for (size_t k = 0; k < targets.size(); ++k) {
        SqlType t = table->column_type(targets[k]);
        if (!fields[k].has_value()) {
          row[targets[k]] = MakeConst(Value::Null(), t);
          continue;
        }
        auto v = sql::ParseText(*fields[k], t);
        if (!v.ok()) {
          return WithSqlState(
              absl::Status(v.status().code(),
                           absl::StrCat(v.status().message(), " (COPY ", table->name(), ", line ",
                                        line, ", column ", table->column(targets[k]).name(), ")")),
              GetSqlState(v.status()).value_or("22P02"));
        }
        row[targets[k]] = MakeConst(std::move(*v), t);
      }
      values.rows.push_back(std::move(row));
    }
    PhysicalPtr insert = MakePhysical(InsertOp{{table}}, {}, {MakePhysical(std::move(values), {})});
    ASSIGN_OR_RETURN(auto op, BuildOperator(*insert, ctx));
    std::vector<Row> ignored;
    RETURN_IF_ERROR(Drain(*op, &ignored));
    total = ctx.rows_affected;
  }
  sink->Complete(absl::StrCat("COPY ", total));
  return absl::OkStatus();
}

}  // namespace meridian::sql
