#include "sql/parser/parser.h"

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/status.h"
#include "gtest/gtest.h"

#ifndef MERIDIAN_SQL_PARSER_TESTDATA
#define MERIDIAN_SQL_PARSER_TESTDATA "sql/parser/testdata"
#endif

namespace meridian::sql {
namespace {

using ast::Expr;
using ast::ExprKind;
using ast::LiteralKind;

// Parses `sql`, which must hold exactly one statement of type T, and returns it.
template <typename T>
T ParseOne(const std::string& sql) {
  auto result = Parse(sql);
  EXPECT_TRUE(result.ok()) << sql << "\n" << result.status();
  if (!result.ok() || result->size() != 1) {
    ADD_FAILURE() << "expected one statement: " << sql;
    return T{};
  }
  auto* stmt = std::get_if<T>(&(*result)[0].statement);
  if (stmt == nullptr) {
    ADD_FAILURE() << "unexpected statement type for " << sql;
    return T{};
  }
  return std::move(*stmt);
}

ast::SelectStmt Select(const std::string& sql) { return ParseOne<ast::SelectStmt>(sql); }

// The expression of `SELECT <expr>`.
ast::ExprPtr ParseExpr(const std::string& expr) {
  ast::SelectStmt s = Select("SELECT " + expr);
  if (s.items.size() != 1) {
    ADD_FAILURE() << "expected one item: " << expr;
    return std::make_unique<Expr>();
  }
  return std::move(s.items[0].expr);
}

// A compact rendering of an expression tree, used to check structure and precedence.
std::string Show(const Expr* e) {
  if (e == nullptr) return "<null>";
  auto list = [](const std::vector<ast::ExprPtr>& args, size_t from) {
    std::string out;
    for (size_t i = from; i < args.size(); ++i) {
      if (i > from) out += ", ";
      out += Show(args[i].get());
    }
    return out;
  };
  auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) out += (i ? "." : "") + names[i];
    return out;
  };
  switch (e->kind) {
    case ExprKind::kLiteral:
      switch (e->literal_kind) {
        case LiteralKind::kNull:
          return "NULL";
        case LiteralKind::kBool:
          return e->text;
        case LiteralKind::kInteger:
          return e->text;
        case LiteralKind::kDecimal:
          return "dec:" + e->text;
        case LiteralKind::kString:
          return "'" + e->text + "'";
      }
      return "?";
    case ExprKind::kParam:
      return "$" + std::to_string(e->param);
    case ExprKind::kColumnRef:
      return join(e->names);
    case ExprKind::kStar:
      return e->names.empty() ? "*" : join(e->names) + ".*";
    case ExprKind::kUnary:
      return "(" + e->op + " " + Show(e->args[0].get()) + ")";
    case ExprKind::kBinary:
      return "(" + Show(e->args[0].get()) + " " + e->op + " " + Show(e->args[1].get()) + ")";
    case ExprKind::kIsNull:
      return "(" + Show(e->args[0].get()) + (e->negated ? " IS NOT NULL)" : " IS NULL)");
    case ExprKind::kIsBool:
      return "(" + Show(e->args[0].get()) + (e->negated ? " IS NOT " : " IS ") + e->text + ")";
    case ExprKind::kBetween:
      return "(" + Show(e->args[0].get()) + (e->negated ? " NOT" : "") + " BETWEEN " +
             Show(e->args[1].get()) + " AND " + Show(e->args[2].get()) + ")";
    case ExprKind::kInList:
      return "(" + Show(e->args[0].get()) + (e->negated ? " NOT" : "") + " IN [" +
             list(e->args, 1) + "])";
    case ExprKind::kInSubquery:
      return "(" + Show(e->args[0].get()) + (e->negated ? " NOT" : "") + " IN subquery)";
    case ExprKind::kExists:
      return e->negated ? "NOT EXISTS(subquery)" : "EXISTS(subquery)";
    case ExprKind::kSubquery:
      return "subquery";
    case ExprKind::kCase: {
      std::string out = "CASE";
      if (e->case_operand) out += " " + Show(e->case_operand.get());
      for (const auto& [w, t] : e->when_then) {
        out += " WHEN " + Show(w.get()) + " THEN " + Show(t.get());
      }
      if (e->else_expr) out += " ELSE " + Show(e->else_expr.get());
      return out + " END";
    }
    case ExprKind::kCast: {
      std::string type = e->type.name;
      for (size_t i = 0; i < e->type.modifiers.size(); ++i) {
        type += (i ? "," : "(") + std::to_string(e->type.modifiers[i]);
      }
      if (!e->type.modifiers.empty()) type += ")";
      if (e->type.array) type += "[]";
      return "cast(" + Show(e->args[0].get()) + " as " + type + ")";
    }
    case ExprKind::kFunction:
      return join(e->names) + "(" + (e->distinct ? "DISTINCT " : "") + (e->star ? "*" : "") +
             list(e->args, 0) + ")" + (e->over ? " OVER(...)" : "");
    case ExprKind::kLike:
      return "(" + Show(e->args[0].get()) + (e->negated ? " NOT " : " ") + e->op + " " +
             list(e->args, 1) + ")";
    case ExprKind::kArray:
      return "ARRAY[" + list(e->args, 0) + "]";
    case ExprKind::kQuantified:
      return "(" + Show(e->args[0].get()) + " " + e->op + " " + e->text + " " +
             (e->subquery ? "subquery" : Show(e->args[1].get())) + ")";
    case ExprKind::kSubscript:
      return Show(e->args[0].get()) + "[" + list(e->args, 1) + "]";
    case ExprKind::kFieldSelect:
      return "(" + Show(e->args[0].get()) + ")." + e->text;
    case ExprKind::kCollate:
      return "(" + Show(e->args[0].get()) + " COLLATE " + join(e->names) + ")";
  }
  return "?";
}

std::string ShowExpr(const std::string& expr) { return Show(ParseExpr(expr).get()); }

// Checks that `sql` fails with a syntax error (42601) at 1-based `position` with `message`.
void ExpectSyntaxError(const std::string& sql, const std::string& message, int position) {
  auto result = Parse(sql);
  ASSERT_FALSE(result.ok()) << sql;
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << sql;
  EXPECT_EQ(GetSqlState(result.status()), "42601") << sql;
  EXPECT_EQ(std::string(result.status().message()), message) << sql;
  EXPECT_EQ(GetErrorPosition(result.status()), position) << sql;
}

// ---------------------------------------------------------------------------------------
// Scripts

TEST(ParserScript, EmptyInputsGiveNoStatements) {
  for (const char* sql : {"", ";", " ;; ; ", "-- only a comment", "/* c /* nested */ */;"}) {
    auto result = Parse(sql);
    ASSERT_TRUE(result.ok()) << sql << result.status();
    EXPECT_TRUE(result->empty()) << sql;
  }
}

TEST(ParserScript, SplitsOnSemicolonsOutsideStringsAndComments) {
  std::string sql =
      "SELECT 'a;b' AS x; -- c;d\n"
      "/* e; /* f; */ g; */ INSERT INTO t VALUES ($2, $1);\n"
      "SELECT \"q;\" FROM t";
  auto result = Parse(sql);
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->size(), 3u);
  EXPECT_EQ((*result)[0].text, "SELECT 'a;b' AS x");
  EXPECT_EQ((*result)[0].location, 0);
  EXPECT_EQ((*result)[0].num_params, 0);
  EXPECT_EQ((*result)[1].text, "INSERT INTO t VALUES ($2, $1)");
  EXPECT_EQ((*result)[1].location, static_cast<int>(sql.find("INSERT")));
  EXPECT_EQ((*result)[1].num_params, 2);
  EXPECT_EQ((*result)[2].text, "SELECT \"q;\" FROM t");
  auto& s = std::get<ast::SelectStmt>((*result)[0].statement);
  EXPECT_EQ(s.items[0].expr->text, "a;b");
  auto& s3 = std::get<ast::SelectStmt>((*result)[2].statement);
  EXPECT_EQ(s3.items[0].expr->names, std::vector<std::string>{"q;"});
}

TEST(ParserScript, LocationsAreByteOffsetsAndPositionsAreCharacters) {
  // "é" is two bytes: the location of `x` is a byte offset, the error position counts
  // characters as PostgreSQL does.
  std::string sql = "SELECT 'é', x FROM t";
  ast::SelectStmt s = Select(sql);
  EXPECT_EQ(s.items[1].expr->location, static_cast<int>(sql.find("x")));
  ExpectSyntaxError("SELECT 'é' FORM t", "syntax error at or near \"t\"", 17);
}

// ---------------------------------------------------------------------------------------
// Expressions

TEST(ParserExpr, Literals) {
  auto e = ParseExpr("42");
  EXPECT_EQ(e->literal_kind, LiteralKind::kInteger);
  EXPECT_EQ(e->text, "42");
  EXPECT_EQ(ShowExpr("1.5"), "dec:1.5");
  EXPECT_EQ(ShowExpr(".5"), "dec:.5");
  EXPECT_EQ(ShowExpr("1e10"), "dec:1e10");
  EXPECT_EQ(ShowExpr("9223372036854775807"), "9223372036854775807");
  EXPECT_EQ(ShowExpr("9223372036854775808"), "dec:9223372036854775808");
  EXPECT_EQ(ShowExpr("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(ShowExpr("-5"), "-5");
  EXPECT_EQ(ShowExpr("- 2.5"), "dec:-2.5");
  EXPECT_EQ(ShowExpr("'it''s'"), "'it's'");
  EXPECT_EQ(ShowExpr("E'a\\nb\\'c\\x41\\101\\u00e9'"), "'a\nb'cAAé'");
  EXPECT_EQ(ShowExpr("$$don't$$"), "'don't'");
  EXPECT_EQ(ShowExpr("TRUE"), "true");
  EXPECT_EQ(ShowExpr("false"), "false");
  EXPECT_EQ(ShowExpr("NULL"), "NULL");
  EXPECT_EQ(ShowExpr("$3"), "$3");
}

TEST(ParserExpr, TypedLiteralsAndCasts) {
  EXPECT_EQ(ShowExpr("DATE '2020-01-01'"), "cast('2020-01-01' as date)");
  EXPECT_EQ(ShowExpr("TIMESTAMP '2020-01-01 00:00'"), "cast('2020-01-01 00:00' as timestamp)");
  EXPECT_EQ(ShowExpr("timestamp with time zone 'x'"), "cast('x' as timestamptz)");
  EXPECT_EQ(ShowExpr("INTERVAL '1 day'"), "cast('1 day' as interval)");
  EXPECT_EQ(ShowExpr("CAST(a AS NUMERIC(10, 2))"), "cast(a as numeric(10,2))");
  EXPECT_EQ(ShowExpr("a::int8::text"), "cast(cast(a as bigint) as text)");
  EXPECT_EQ(ShowExpr("'1'::pg_catalog.int4"), "cast('1' as int)");
  EXPECT_EQ(ShowExpr("x::regclass"), "cast(x as regclass)");
  EXPECT_EQ(ShowExpr("x::int[]"), "cast(x as int[])");
  EXPECT_EQ(ShowExpr("x::character varying(20)"), "cast(x as varchar(20))");
  EXPECT_EQ(ShowExpr("x::double precision"), "cast(x as double precision)");
  EXPECT_EQ(ShowExpr("x::float(10)"), "cast(x as real)");
  // :: binds tighter than unary minus, which binds tighter than ^.
  EXPECT_EQ(ShowExpr("-a::int"), "(- cast(a as int))");
  EXPECT_EQ(ShowExpr("-a ^ 2"), "((- a) ^ 2)");
}

TEST(ParserExpr, Precedence) {
  EXPECT_EQ(ShowExpr("1 + 2 * 3"), "(1 + (2 * 3))");
  EXPECT_EQ(ShowExpr("1 - 2 - 3"), "((1 - 2) - 3)");
  EXPECT_EQ(ShowExpr("2 * 3 ^ 2"), "(2 * (3 ^ 2))");
  EXPECT_EQ(ShowExpr("a || b = c"), "((a || b) = c)");
  EXPECT_EQ(ShowExpr("a + 1 || b"), "((a + 1) || b)");
  EXPECT_EQ(ShowExpr("a OR b AND c"), "(a OR (b AND c))");
  EXPECT_EQ(ShowExpr("NOT a = b AND c"), "((NOT (a = b)) AND c)");
  EXPECT_EQ(ShowExpr("a = b IS NULL"), "((a = b) IS NULL)");
  EXPECT_EQ(ShowExpr("a < b = true"), "((a < b) = true)");
  EXPECT_EQ(ShowExpr("a != b"), "(a <> b)");
  EXPECT_EQ(ShowExpr("a BETWEEN 1 AND 2 AND c"), "((a BETWEEN 1 AND 2) AND c)");
  EXPECT_EQ(ShowExpr("a NOT BETWEEN b + 1 AND 5"), "(a NOT BETWEEN (b + 1) AND 5)");
  EXPECT_EQ(ShowExpr("a LIKE 'x%' OR b NOT ILIKE c"), "((a LIKE 'x%') OR (b NOT ILIKE c))");
  EXPECT_EQ(ShowExpr("a ~ 'x' AND b !~* 'y'"), "((a ~ 'x') AND (b !~* 'y'))");
  EXPECT_EQ(ShowExpr("a OPERATOR(pg_catalog.~) 'x'"), "(a ~ 'x')");
  EXPECT_EQ(ShowExpr("a & 1::smallint"), "(a & cast(1 as smallint))");
  EXPECT_EQ(ShowExpr("(a + b) * c"), "((a + b) * c)");
  EXPECT_EQ(ShowExpr("- - 1"), "(- -1)");
}

TEST(ParserExpr, Predicates) {
  EXPECT_EQ(ShowExpr("a IS NOT NULL"), "(a IS NOT NULL)");
  EXPECT_EQ(ShowExpr("a ISNULL"), "(a IS NULL)");
  EXPECT_EQ(ShowExpr("a NOTNULL"), "(a IS NOT NULL)");
  EXPECT_EQ(ShowExpr("a IS NOT TRUE"), "(a IS NOT true)");
  EXPECT_EQ(ShowExpr("a IS UNKNOWN"), "(a IS unknown)");
  EXPECT_EQ(ShowExpr("a IS DISTINCT FROM b"), "(a IS DISTINCT FROM b)");
  EXPECT_EQ(ShowExpr("a IS NOT DISTINCT FROM b + 1"), "(a IS NOT DISTINCT FROM (b + 1))");
  EXPECT_EQ(ShowExpr("a IN (1, 2, 3)"), "(a IN [1, 2, 3])");
  EXPECT_EQ(ShowExpr("a NOT IN ('x')"), "(a NOT IN ['x'])");
  EXPECT_EQ(ShowExpr("a IN (SELECT b FROM t)"), "(a IN subquery)");
  EXPECT_EQ(ShowExpr("NOT EXISTS (SELECT 1)"), "NOT EXISTS(subquery)");
  EXPECT_EQ(ShowExpr("EXISTS (SELECT 1)"), "EXISTS(subquery)");
  EXPECT_EQ(ShowExpr("(SELECT max(a) FROM t)"), "subquery");
  EXPECT_EQ(ShowExpr("a = ANY ($1)"), "(a = any $1)");
  EXPECT_EQ(ShowExpr("a <> ALL (SELECT b FROM t)"), "(a <> all subquery)");
  EXPECT_EQ(ShowExpr("a SIMILAR TO 'x'"), "(a SIMILAR TO 'x')");
  EXPECT_EQ(ShowExpr("a LIKE 'x!%' ESCAPE '!'"), "(a LIKE 'x!%', '!')");

  auto in = ParseExpr("a IN (SELECT b FROM t WHERE c)");
  ASSERT_NE(in->subquery, nullptr);
  EXPECT_EQ(in->subquery->from[0]->name, std::vector<std::string>{"t"});
}

TEST(ParserExpr, ColumnsAndNames) {
  EXPECT_EQ(ShowExpr("a"), "a");
  EXPECT_EQ(ShowExpr("T.A"), "t.a");
  EXPECT_EQ(ShowExpr("s.t.a"), "s.t.a");
  EXPECT_EQ(ShowExpr("\"Mixed Case\""), "Mixed Case");
  EXPECT_EQ(ShowExpr("\"a\"\"b\""), "a\"b");
  EXPECT_EQ(ShowExpr("t.*"), "t.*");
  // Keywords that PostgreSQL lets name columns.
  for (const char* name : {"name", "type", "key", "value", "data", "text", "date", "timestamp",
                           "time", "level", "position", "first", "last", "show", "set"}) {
    EXPECT_EQ(ShowExpr(name), name);
    EXPECT_EQ(ShowExpr(std::string("t.") + name), std::string("t.") + name);
  }
  EXPECT_EQ(ShowExpr("t.user"), "t.user");
  EXPECT_EQ(ShowExpr("t.from"), "t.from");
}

TEST(ParserExpr, Functions) {
  EXPECT_EQ(ShowExpr("count(*)"), "count(*)");
  EXPECT_EQ(ShowExpr("pg_catalog.count(*)"), "pg_catalog.count(*)");
  EXPECT_EQ(ShowExpr("count(DISTINCT x)"), "count(DISTINCT x)");
  EXPECT_EQ(ShowExpr("now()"), "now()");
  EXPECT_EQ(ShowExpr("COALESCE(a, 1)"), "coalesce(a, 1)");
  EXPECT_EQ(ShowExpr("NULLIF(a, '')"), "nullif(a, '')");
  EXPECT_EQ(ShowExpr("GREATEST(a, b, c)"), "greatest(a, b, c)");
  EXPECT_EQ(ShowExpr("LEAST(a, b)"), "least(a, b)");
  EXPECT_EQ(ShowExpr("CURRENT_TIMESTAMP"), "current_timestamp()");
  EXPECT_EQ(ShowExpr("current_date"), "current_date()");
  EXPECT_EQ(ShowExpr("CURRENT_USER"), "current_user()");
  EXPECT_EQ(ShowExpr("session_user"), "session_user()");
  EXPECT_EQ(ShowExpr("current_schema()"), "current_schema()");
  EXPECT_EQ(ShowExpr("CURRENT_SCHEMA"), "current_schema()");
  EXPECT_EQ(ShowExpr("EXTRACT(YEAR FROM d)"), "extract('year', d)");
  EXPECT_EQ(ShowExpr("SUBSTRING(s FROM 2 FOR 3)"), "substring(s, 2, 3)");
  EXPECT_EQ(ShowExpr("substring(s, 2)"), "substring(s, 2)");
  EXPECT_EQ(ShowExpr("trim(both '\"' from x)"), "btrim(x, '\"')");
  EXPECT_EQ(ShowExpr("left('abc', 2)"), "left('abc', 2)");
  EXPECT_EQ(ShowExpr("row_number() OVER (PARTITION BY a ORDER BY b)"), "row_number() OVER(...)");
  EXPECT_EQ(ShowExpr("ARRAY[1, 2]"), "ARRAY[1, 2]");
  EXPECT_EQ(ShowExpr("a[1]"), "a[1]");
  EXPECT_EQ(ShowExpr("(f(x)).n"), "(f(x)).n");
  EXPECT_EQ(ShowExpr("a COLLATE pg_catalog.default"), "(a COLLATE pg_catalog.default)");
}

TEST(ParserExpr, Case) {
  EXPECT_EQ(ShowExpr("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END"),
            "CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END");
  EXPECT_EQ(ShowExpr("CASE x WHEN 'r' THEN 'table' END"), "CASE x WHEN 'r' THEN 'table' END");
  EXPECT_EQ(ShowExpr("CASE x + 1 WHEN 1 THEN 2 ELSE NULL END"),
            "CASE (x + 1) WHEN 1 THEN 2 ELSE NULL END");
}

TEST(ParserExpr, LongChainsDoNotRecurse) {
  std::string sql = "SELECT 1";
  for (int i = 0; i < 5000; ++i) sql += " + 1";
  auto s = Select(sql);
  ASSERT_EQ(s.items.size(), 1u);
  EXPECT_EQ(s.items[0].expr->op, "+");
  std::string where = "SELECT 1 FROM t WHERE a = 0";
  for (int i = 1; i < 3000; ++i) where += " OR a = " + std::to_string(i);
  EXPECT_TRUE(Parse(where).ok());
}

// ---------------------------------------------------------------------------------------
// SELECT

TEST(ParserSelect, Clauses) {
  ast::SelectStmt s = Select(
      "SELECT DISTINCT a, b AS bee, c cee, t.* FROM t AS x WHERE a > 1 GROUP BY a, 2 "
      "HAVING count(*) > 1 ORDER BY a DESC NULLS LAST, 2 LIMIT 10 OFFSET 5 ROWS FOR UPDATE");
  EXPECT_TRUE(s.distinct);
  ASSERT_EQ(s.items.size(), 4u);
  EXPECT_EQ(s.items[1].alias, "bee");
  EXPECT_EQ(s.items[2].alias, "cee");
  EXPECT_EQ(s.items[3].expr->kind, ExprKind::kStar);
  ASSERT_EQ(s.from.size(), 1u);
  EXPECT_EQ(s.from[0]->alias, "x");
  EXPECT_EQ(Show(s.where.get()), "(a > 1)");
  ASSERT_EQ(s.group_by.size(), 2u);
  EXPECT_EQ(Show(s.group_by[1].get()), "2");
  EXPECT_EQ(Show(s.having.get()), "(count(*) > 1)");
  ASSERT_EQ(s.order_by.size(), 2u);
  EXPECT_TRUE(s.order_by[0].descending);
  EXPECT_EQ(s.order_by[0].nulls_first, false);
  EXPECT_FALSE(s.order_by[1].nulls_first.has_value());
  EXPECT_EQ(Show(s.limit.get()), "10");
  EXPECT_EQ(Show(s.offset.get()), "5");
  EXPECT_TRUE(s.for_update);
  EXPECT_EQ(s.location, 0);
}

TEST(ParserSelect, LimitForms) {
  EXPECT_EQ(Select("SELECT a FROM t LIMIT ALL").limit, nullptr);
  EXPECT_EQ(Show(Select("SELECT a FROM t FETCH FIRST 3 ROWS ONLY").limit.get()), "3");
  EXPECT_EQ(Show(Select("SELECT a FROM t FETCH NEXT ROW ONLY").limit.get()), "1");
  EXPECT_EQ(Show(Select("SELECT a FROM t OFFSET 2 LIMIT $1").limit.get()), "$1");
  EXPECT_TRUE(Select("SELECT a FROM t FOR SHARE").for_share);
  ExpectSyntaxError("SELECT a FROM t LIMIT 1 LIMIT 2", "multiple LIMIT clauses not allowed", 25);
}

TEST(ParserSelect, NoFromValuesAndParens) {
  ast::SelectStmt s = Select("SELECT 1");
  EXPECT_TRUE(s.from.empty());
  s = Select("VALUES (1, 'a'), (2, 'b') ORDER BY 1");
  ASSERT_EQ(s.values.size(), 2u);
  EXPECT_EQ(Show(s.values[1][1].get()), "'b'");
  EXPECT_EQ(s.order_by.size(), 1u);
  s = Select("((SELECT a FROM t))");
  EXPECT_EQ(s.from[0]->name, std::vector<std::string>{"t"});
  ExpectSyntaxError("VALUES (1), (1, 2)", "VALUES lists must all be the same length", 13);
}

TEST(ParserSelect, Joins) {
  ast::SelectStmt s = Select(
      "SELECT * FROM a JOIN b ON a.id = b.id LEFT OUTER JOIN c USING (id, k) "
      "CROSS JOIN d, (e FULL JOIN f ON true) INNER JOIN g ON x");
  ASSERT_EQ(s.from.size(), 2u);
  const ast::TableRef& j = *s.from[0];
  ASSERT_EQ(j.kind, ast::TableRef::Kind::kJoin);
  EXPECT_EQ(j.join_type, ast::JoinType::kCross);
  EXPECT_EQ(j.right->name, std::vector<std::string>{"d"});
  const ast::TableRef& left = *j.left;
  EXPECT_EQ(left.join_type, ast::JoinType::kLeft);
  EXPECT_EQ(left.using_, (std::vector<std::string>{"id", "k"}));
  EXPECT_EQ(left.left->join_type, ast::JoinType::kInner);
  EXPECT_EQ(Show(left.left->on.get()), "(a.id = b.id)");
  const ast::TableRef& second = *s.from[1];
  EXPECT_EQ(second.join_type, ast::JoinType::kInner);
  EXPECT_EQ(second.left->join_type, ast::JoinType::kFull);
  EXPECT_EQ(second.right->name, std::vector<std::string>{"g"});
  s = Select("SELECT * FROM a RIGHT JOIN b ON true");
  EXPECT_EQ(s.from[0]->join_type, ast::JoinType::kRight);
}

TEST(ParserSelect, SubqueriesAndFunctionsInFrom) {
  ast::SelectStmt s = Select(
      "SELECT * FROM (SELECT a FROM t) AS sub, pg_catalog.generate_series(1, 3) g, "
      "t2 CROSS JOIN LATERAL (SELECT 1) AS o(n)");
  ASSERT_EQ(s.from.size(), 3u);
  EXPECT_EQ(s.from[0]->kind, ast::TableRef::Kind::kSubquery);
  EXPECT_EQ(s.from[0]->alias, "sub");
  ASSERT_NE(s.from[0]->subquery, nullptr);
  EXPECT_EQ(s.from[1]->kind, ast::TableRef::Kind::kFunction);
  EXPECT_EQ(Show(s.from[1]->function.get()), "pg_catalog.generate_series(1, 3)");
  EXPECT_EQ(s.from[1]->alias, "g");
  const ast::TableRef& lat = *s.from[2]->right;
  EXPECT_TRUE(lat.lateral);
  EXPECT_EQ(lat.column_aliases, std::vector<std::string>{"n"});
}

TEST(ParserSelect, AsOfSystemTime) {
  ast::SelectStmt s = Select("SELECT a FROM t AS OF SYSTEM TIME '-10s' WHERE a = 1");
  EXPECT_EQ(s.from[0]->alias, "");
  EXPECT_EQ(Show(s.as_of_system_time.get()), "'-10s'");
  EXPECT_EQ(Show(s.where.get()), "(a = 1)");
  s = Select("SELECT a FROM t x AS OF SYSTEM TIME follower_read_timestamp()");
  EXPECT_EQ(s.from[0]->alias, "x");
  EXPECT_EQ(Show(s.as_of_system_time.get()), "follower_read_timestamp()");
}

TEST(ParserSelect, SetOperations) {
  ast::SelectStmt s = Select("SELECT 1 UNION ALL SELECT 2 UNION SELECT 3 ORDER BY 1 LIMIT 2");
  EXPECT_EQ(s.set_op, "UNION ALL");
  ASSERT_NE(s.set_rhs, nullptr);
  EXPECT_EQ(Show(s.set_rhs->items[0].expr.get()), "2");
  EXPECT_EQ(s.set_rhs->set_op, "UNION");
  EXPECT_EQ(Show(s.set_rhs->set_rhs->items[0].expr.get()), "3");
  EXPECT_EQ(s.order_by.size(), 1u);  // applies to the whole chain
  EXPECT_EQ(Show(s.limit.get()), "2");
  EXPECT_TRUE(s.set_rhs->order_by.empty());

  // INTERSECT binds tighter: the right operand is grouped.
  s = Select("SELECT 1 UNION SELECT 2 INTERSECT SELECT 3");
  EXPECT_EQ(s.set_op, "UNION");
  const ast::SelectStmt& rhs = *s.set_rhs;
  EXPECT_TRUE(rhs.set_op.empty());
  ASSERT_EQ(rhs.from.size(), 1u);
  ASSERT_EQ(rhs.from[0]->kind, ast::TableRef::Kind::kSubquery);
  EXPECT_EQ(rhs.from[0]->subquery->set_op, "INTERSECT");

  s = Select("(SELECT 1 LIMIT 1) EXCEPT SELECT 2");
  EXPECT_EQ(s.set_op, "EXCEPT");
  EXPECT_EQ(s.limit, nullptr);
  ASSERT_EQ(s.from.size(), 1u);
  EXPECT_NE(s.from[0]->subquery->limit, nullptr);

  std::string chain = "SELECT 0";
  for (int i = 1; i < 2000; ++i) chain += " UNION ALL SELECT " + std::to_string(i);
  EXPECT_TRUE(Parse(chain).ok());
}

// ---------------------------------------------------------------------------------------
// DML

TEST(ParserDml, Insert) {
  auto s = ParseOne<ast::InsertStmt>(
      "INSERT INTO s.t AS x (a, b) VALUES (1, DEFAULT), ($1, 'z') "
      "ON CONFLICT (a) DO UPDATE SET b = excluded.b WHERE x.b <> excluded.b RETURNING a, b AS bee");
  EXPECT_EQ(s.table, (std::vector<std::string>{"s", "t"}));
  EXPECT_EQ(s.alias, "x");
  EXPECT_EQ(s.columns, (std::vector<std::string>{"a", "b"}));
  ASSERT_NE(s.source, nullptr);
  ASSERT_EQ(s.source->values.size(), 2u);
  EXPECT_EQ(s.source->values[0][1], nullptr);  // DEFAULT
  EXPECT_EQ(Show(s.source->values[1][0].get()), "$1");
  ASSERT_TRUE(s.on_conflict.has_value());
  EXPECT_FALSE(s.on_conflict->do_nothing);
  EXPECT_EQ(s.on_conflict->columns, std::vector<std::string>{"a"});
  ASSERT_EQ(s.on_conflict->set.size(), 1u);
  EXPECT_EQ(s.on_conflict->set[0].column, "b");
  EXPECT_EQ(Show(s.on_conflict->set[0].value.get()), "excluded.b");
  EXPECT_EQ(Show(s.on_conflict->where.get()), "(x.b <> excluded.b)");
  ASSERT_EQ(s.returning.size(), 2u);
  EXPECT_EQ(s.returning[1].alias, "bee");

  s = ParseOne<ast::InsertStmt>("INSERT INTO t DEFAULT VALUES");
  EXPECT_EQ(s.source, nullptr);
  s = ParseOne<ast::InsertStmt>("INSERT INTO t SELECT * FROM u ON CONFLICT DO NOTHING");
  ASSERT_NE(s.source, nullptr);
  EXPECT_EQ(s.source->from[0]->name, std::vector<std::string>{"u"});
  EXPECT_TRUE(s.on_conflict->do_nothing);
  EXPECT_TRUE(s.on_conflict->columns.empty());
}

TEST(ParserDml, UpdateAndDelete) {
  auto u = ParseOne<ast::UpdateStmt>(
      "UPDATE t AS x SET a = a + 1, b = DEFAULT WHERE id = $1 RETURNING *");
  EXPECT_EQ(u.table, std::vector<std::string>{"t"});
  EXPECT_EQ(u.alias, "x");
  ASSERT_EQ(u.set.size(), 2u);
  EXPECT_EQ(Show(u.set[0].value.get()), "(a + 1)");
  EXPECT_EQ(u.set[1].value, nullptr);
  EXPECT_EQ(Show(u.where.get()), "(id = $1)");
  EXPECT_EQ(u.returning.size(), 1u);
  u = ParseOne<ast::UpdateStmt>("UPDATE t x SET a = 1");
  EXPECT_EQ(u.alias, "x");
  u = ParseOne<ast::UpdateStmt>("UPDATE t SET a = 1");
  EXPECT_EQ(u.alias, "");

  auto d = ParseOne<ast::DeleteStmt>("DELETE FROM t y WHERE y.a IN (1, 2) RETURNING a");
  EXPECT_EQ(d.alias, "y");
  EXPECT_EQ(Show(d.where.get()), "(y.a IN [1, 2])");
  EXPECT_EQ(d.returning.size(), 1u);
}

// ---------------------------------------------------------------------------------------
// DDL

TEST(ParserDdl, CreateTable) {
  auto s = ParseOne<ast::CreateTableStmt>(
      "CREATE TABLE IF NOT EXISTS accounts (id BIGINT PRIMARY KEY, name VARCHAR(20) NOT NULL, "
      "balance NUMERIC(10,2) DEFAULT 0.00, flag BOOL NULL UNIQUE, owner INT,"
      " ts TIMESTAMP WITHOUT TIME ZONE, tz timestamp with time zone, f float8, g real, "
      "h DOUBLE PRECISION, c CHARACTER(3), v character varying(5), i4 INTEGER, i2 int2, "
      "d DECIMAL, b bytea, arr int[], n pg_catalog.int4, "
      "CONSTRAINT pk2 UNIQUE (name, flag)) WITH (fillfactor=100)");
  EXPECT_EQ(s.name, std::vector<std::string>{"accounts"});
  EXPECT_TRUE(s.if_not_exists);
  ASSERT_EQ(s.columns.size(), 18u);
  EXPECT_EQ(s.columns[0].type.name, "bigint");
  EXPECT_TRUE(s.columns[0].primary_key);
  EXPECT_EQ(s.columns[1].type.name, "varchar");
  EXPECT_EQ(s.columns[1].type.modifiers, std::vector<int64_t>{20});
  EXPECT_TRUE(s.columns[1].not_null);
  EXPECT_EQ(s.columns[2].type.modifiers, (std::vector<int64_t>{10, 2}));
  EXPECT_EQ(Show(s.columns[2].default_value.get()), "dec:0.00");
  EXPECT_EQ(s.columns[3].type.name, "boolean");
  EXPECT_TRUE(s.columns[3].null);
  EXPECT_TRUE(s.columns[3].unique);
  const char* expected[] = {"timestamp",
                            "timestamptz",
                            "double precision",
                            "real",
                            "double precision",
                            "char",
                            "varchar",
                            "int",
                            "smallint",
                            "numeric",
                            "bytea",
                            "int",
                            "int"};
  for (size_t i = 0; i < std::size(expected); ++i) {
    EXPECT_EQ(s.columns[5 + i].type.name, expected[i]) << s.columns[5 + i].name;
  }
  EXPECT_TRUE(s.columns[16].type.array);
  ASSERT_EQ(s.constraints.size(), 1u);
  EXPECT_EQ(s.constraints[0].kind, ast::TableConstraint::Kind::kUnique);
  EXPECT_EQ(s.constraints[0].name, "pk2");
  EXPECT_EQ(s.constraints[0].columns, (std::vector<std::string>{"name", "flag"}));
  ASSERT_EQ(s.options.size(), 1u);
  EXPECT_EQ(s.options[0], (std::pair<std::string, std::string>{"fillfactor", "100"}));

  s = ParseOne<ast::CreateTableStmt>("create table t (a int, b int, primary key (a, b))");
  EXPECT_EQ(s.constraints[0].kind, ast::TableConstraint::Kind::kPrimaryKey);
  EXPECT_EQ(s.constraints[0].columns, (std::vector<std::string>{"a", "b"}));
}

TEST(ParserDdl, DropTruncateAlterIndex) {
  auto d = ParseOne<ast::DropTableStmt>("DROP TABLE IF EXISTS a, s.b CASCADE");
  EXPECT_TRUE(d.if_exists);
  EXPECT_TRUE(d.cascade);
  EXPECT_EQ(d.names, (std::vector<std::vector<std::string>>{{"a"}, {"s", "b"}}));
  auto t = ParseOne<ast::TruncateStmt>("TRUNCATE TABLE a, b");
  EXPECT_EQ(t.names.size(), 2u);
  t = ParseOne<ast::TruncateStmt>("truncate a");
  EXPECT_EQ(t.names.size(), 1u);

  auto a = ParseOne<ast::AlterTableStmt>(
      "ALTER TABLE t ADD COLUMN IF NOT EXISTS c TEXT DEFAULT 'x', ADD PRIMARY KEY (a), "
      "ADD CONSTRAINT u1 UNIQUE (b, c), ADD d INT, ADD CONSTRAINT p PRIMARY KEY (z)");
  ASSERT_EQ(a.actions.size(), 5u);
  EXPECT_EQ(a.actions[0].kind, ast::AlterTableStmt::Action::Kind::kAddColumn);
  EXPECT_TRUE(a.actions[0].if_not_exists);
  EXPECT_EQ(a.actions[0].column.name, "c");
  EXPECT_EQ(a.actions[1].kind, ast::AlterTableStmt::Action::Kind::kAddConstraint);
  EXPECT_EQ(a.actions[1].constraint.kind, ast::TableConstraint::Kind::kPrimaryKey);
  EXPECT_EQ(a.actions[2].constraint.name, "u1");
  EXPECT_EQ(a.actions[2].constraint.kind, ast::TableConstraint::Kind::kUnique);
  EXPECT_FALSE(a.actions[3].if_not_exists);
  EXPECT_EQ(a.actions[4].constraint.name, "p");

  auto ci =
      ParseOne<ast::CreateIndexStmt>("CREATE UNIQUE INDEX IF NOT EXISTS idx ON s.t (a, b DESC)");
  EXPECT_TRUE(ci.unique);
  EXPECT_TRUE(ci.if_not_exists);
  EXPECT_EQ(ci.name, "idx");
  EXPECT_EQ(ci.table, (std::vector<std::string>{"s", "t"}));
  ASSERT_EQ(ci.columns.size(), 2u);
  EXPECT_FALSE(ci.columns[0].descending);
  EXPECT_TRUE(ci.columns[1].descending);
  ci = ParseOne<ast::CreateIndexStmt>("CREATE INDEX ON t USING btree (a)");
  EXPECT_EQ(ci.name, "");
  EXPECT_FALSE(ci.unique);

  auto di = ParseOne<ast::DropIndexStmt>("DROP INDEX IF EXISTS idx");
  EXPECT_TRUE(di.if_exists);
  EXPECT_EQ(di.names, (std::vector<std::vector<std::string>>{{"idx"}}));
}

// ---------------------------------------------------------------------------------------
// COPY, transactions, sessions, utilities

TEST(ParserUtility, Copy) {
  auto c = ParseOne<ast::CopyStmt>("COPY pgbench_accounts FROM STDIN WITH (FREEZE on)");
  EXPECT_TRUE(c.from);
  EXPECT_EQ(c.target, "stdin");
  EXPECT_EQ(c.options, (std::vector<std::pair<std::string, std::string>>{{"freeze", "on"}}));
  c = ParseOne<ast::CopyStmt>(
      "COPY t (a, b) TO STDOUT (FORMAT csv, HEADER, DELIMITER ',', NULL '')");
  EXPECT_FALSE(c.from);
  EXPECT_EQ(c.target, "stdout");
  EXPECT_EQ(c.columns, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(c.options,
            (std::vector<std::pair<std::string, std::string>>{
                {"format", "csv"}, {"header", "true"}, {"delimiter", ","}, {"null", ""}}));
  c = ParseOne<ast::CopyStmt>("COPY t FROM STDIN WITH CSV HEADER DELIMITER AS '|' NULL 'x'");
  EXPECT_EQ(c.options,
            (std::vector<std::pair<std::string, std::string>>{
                {"format", "csv"}, {"header", "true"}, {"delimiter", "|"}, {"null", "x"}}));
  c = ParseOne<ast::CopyStmt>("COPY (SELECT a FROM t) TO STDOUT");
  ASSERT_NE(c.query, nullptr);
  EXPECT_TRUE(c.table.empty());
}

TEST(ParserUtility, Transactions) {
  auto b = ParseOne<ast::BeginStmt>("BEGIN");
  EXPECT_FALSE(b.read_only);
  b = ParseOne<ast::BeginStmt>("BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  EXPECT_EQ(b.isolation, "repeatable read");
  EXPECT_TRUE(b.read_only);
  b = ParseOne<ast::BeginStmt>("START TRANSACTION READ WRITE ISOLATION LEVEL SERIALIZABLE");
  EXPECT_TRUE(b.read_write);
  EXPECT_EQ(b.isolation, "serializable");
  b = ParseOne<ast::BeginStmt>("BEGIN AS OF SYSTEM TIME '-5s'");
  EXPECT_EQ(Show(b.as_of_system_time.get()), "'-5s'");
  ParseOne<ast::CommitStmt>("COMMIT");
  ParseOne<ast::CommitStmt>("END");
  ParseOne<ast::CommitStmt>("commit work");
  ParseOne<ast::RollbackStmt>("ROLLBACK");
  ParseOne<ast::RollbackStmt>("ABORT");
}

TEST(ParserUtility, SetShowReset) {
  auto s = ParseOne<ast::SetStmt>("SET extra_float_digits = 3");
  EXPECT_EQ(s.name, "extra_float_digits");
  ASSERT_EQ(s.values.size(), 1u);
  EXPECT_EQ(Show(s.values[0].get()), "3");
  s = ParseOne<ast::SetStmt>("SET application_name = 'PostgreSQL JDBC Driver'");
  EXPECT_EQ(Show(s.values[0].get()), "'PostgreSQL JDBC Driver'");
  s = ParseOne<ast::SetStmt>("SET LOCAL search_path TO public, \"My\"");
  EXPECT_TRUE(s.local);
  EXPECT_EQ(s.name, "search_path");
  ASSERT_EQ(s.values.size(), 2u);
  EXPECT_EQ(Show(s.values[1].get()), "'My'");
  s = ParseOne<ast::SetStmt>("SET SESSION datestyle TO DEFAULT");
  EXPECT_TRUE(s.is_default);
  s = ParseOne<ast::SetStmt>("SET TIME ZONE 'UTC'");
  EXPECT_EQ(s.name, "time zone");
  EXPECT_EQ(Show(s.values[0].get()), "'UTC'");
  s = ParseOne<ast::SetStmt>("SET x = on");
  EXPECT_EQ(Show(s.values[0].get()), "'on'");
  s = ParseOne<ast::SetStmt>("SET x = -1.5");
  EXPECT_EQ(Show(s.values[0].get()), "dec:-1.5");
  s = ParseOne<ast::SetStmt>("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
  EXPECT_EQ(s.name, "transaction");
  EXPECT_EQ(s.transaction.isolation, "read committed");
  s = ParseOne<ast::SetStmt>("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY");
  EXPECT_EQ(s.name, "session characteristics");
  EXPECT_TRUE(s.transaction.read_only);

  EXPECT_EQ(ParseOne<ast::ShowStmt>("SHOW ALL").name, "all");
  EXPECT_EQ(ParseOne<ast::ShowStmt>("SHOW TRANSACTION ISOLATION LEVEL").name,
            "transaction isolation level");
  EXPECT_EQ(ParseOne<ast::ShowStmt>("show Server_Version").name, "server_version");
  EXPECT_EQ(ParseOne<ast::ShowStmt>("SHOW TIME ZONE").name, "time zone");
  EXPECT_EQ(ParseOne<ast::ResetStmt>("RESET ALL").name, "all");
  EXPECT_EQ(ParseOne<ast::ResetStmt>("RESET search_path").name, "search_path");
}

TEST(ParserUtility, ExplainVacuumAnalyze) {
  auto e = ParseOne<std::unique_ptr<ast::ExplainStmt>>("EXPLAIN ANALYZE VERBOSE SELECT 1");
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->analyze);
  EXPECT_TRUE(e->verbose);
  EXPECT_TRUE(std::holds_alternative<ast::SelectStmt>(e->statement));
  e = ParseOne<std::unique_ptr<ast::ExplainStmt>>(
      "EXPLAIN (ANALYZE, VERBOSE off, COSTS false) UPDATE t SET a = 1");
  EXPECT_TRUE(e->analyze);
  EXPECT_FALSE(e->verbose);
  EXPECT_TRUE(std::holds_alternative<ast::UpdateStmt>(e->statement));
  e = ParseOne<std::unique_ptr<ast::ExplainStmt>>("EXPLAIN SELECT 1");
  EXPECT_FALSE(e->analyze);

  auto v = ParseOne<ast::VacuumStmt>("VACUUM ANALYZE pgbench_branches");
  EXPECT_EQ(v.names, (std::vector<std::vector<std::string>>{{"pgbench_branches"}}));
  v = ParseOne<ast::VacuumStmt>("VACUUM");
  EXPECT_TRUE(v.names.empty());
  v = ParseOne<ast::VacuumStmt>("ANALYZE a, b");
  EXPECT_EQ(v.names.size(), 2u);
}

// ---------------------------------------------------------------------------------------
// Errors

TEST(ParserErrors, SyntaxErrorsHavePostgresMessagesAndPositions) {
  ExpectSyntaxError("SELECT * FORM t", "syntax error at or near \"FORM\"", 10);
  ExpectSyntaxError("SELECT 1 +", "syntax error at end of input", 11);
  ExpectSyntaxError("SELECT (1", "syntax error at end of input", 10);
  ExpectSyntaxError("SELEC 1", "syntax error at or near \"SELEC\"", 1);
  ExpectSyntaxError("SELECT 1; SELECT 2 2", "syntax error at or near \"2\"", 20);
  ExpectSyntaxError("SELECT 'abc", "unterminated quoted string at or near \"'abc\"", 8);
  ExpectSyntaxError("SELECT \"abc", "unterminated quoted identifier at or near \"\"abc\"", 8);
  ExpectSyntaxError("SELECT ? FROM t", "syntax error at or near \"?\"", 8);
  ExpectSyntaxError("INSERT INTO t VALUES (1", "syntax error at end of input", 24);
  ExpectSyntaxError("SELECT a FROM t WHERE", "syntax error at end of input", 22);
  ExpectSyntaxError("CREATE TABLE t (a int,)", "syntax error at or near \")\"", 23);
  ExpectSyntaxError("SELECT a FROM t AS OF", "syntax error at end of input", 22);
  // USER is reserved (a function), as in PostgreSQL.
  ExpectSyntaxError("SELECT user FROM t WHERE user.x = 1", "syntax error at or near \".\"", 30);
  ExpectSyntaxError("SELECT a FROM t WHERE a = 1 AND select", "syntax error at or near \"select\"",
                    33);
}

TEST(ParserErrors, OtherErrorsCarryTheirSqlState) {
  auto r = Parse("SELECT $0");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetSqlState(r.status()), "42P02");
  r = Parse("SELECT E'\\uZZZZ'");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetSqlState(r.status()), "22025");
  r = Parse(std::string("SELECT '\xff'"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetSqlState(r.status()), "22021");
  r = Parse("CREATE TEMP TABLE t (a int)");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(GetSqlState(r.status()), "0A000");
}

// What Meridian cannot honour is refused with 0A000 at the clause, never parsed and dropped.
TEST(ParserErrors, UnenforceableClausesAreRefusedWhereTheyAre) {
  struct Case {
    const char* sql;
    const char* at;  // the text the error position points to
  } cases[] = {
      {"CREATE TABLE c (id INT, p INT REFERENCES t (a) ON DELETE CASCADE)", "REFERENCES"},
      {"CREATE TABLE c (id INT, p INT, FOREIGN KEY (p) REFERENCES t (a))", "FOREIGN"},
      {"CREATE TABLE c (id INT, n INT CHECK (n > 0))", "CHECK"},
      {"CREATE TABLE c (id INT, CONSTRAINT k CHECK (id > 0))", "CHECK"},
      {"ALTER TABLE c ADD CONSTRAINT f FOREIGN KEY (p) REFERENCES t (a)", "FOREIGN"},
      {"CREATE INDEX CONCURRENTLY i ON t (a)", "CONCURRENTLY"},
      {"DROP INDEX CONCURRENTLY i", "CONCURRENTLY"},
      {"CREATE INDEX i ON t USING gin (a)", "gin"},
      {"CREATE INDEX i ON t (a NULLS LAST)", "NULLS"},
      {"CREATE INDEX i ON t (a DESC NULLS FIRST)", "NULLS"},
  };
  for (const Case& c : cases) {
    auto r = Parse(c.sql);
    ASSERT_FALSE(r.ok()) << c.sql;
    EXPECT_EQ(GetSqlState(r.status()), "0A000") << c.sql << ": " << r.status();
    std::optional<int> pos = GetErrorPosition(r.status());
    ASSERT_TRUE(pos.has_value()) << c.sql;
    EXPECT_EQ(std::string(c.sql).substr(*pos - 1, std::strlen(c.at)), c.at) << c.sql;
  }
  // The orders an index really has, and btree, are accepted.
  EXPECT_TRUE(Parse("CREATE INDEX i ON t USING btree (a ASC NULLS FIRST, b DESC NULLS LAST)").ok());
  auto u = ParseOne<ast::CreateTableStmt>("CREATE UNLOGGED TABLE u (a INT) WITH (fillfactor=70)");
  EXPECT_TRUE(u.unlogged);
}

TEST(ParserErrors, DeepNestingIsRefusedNotACrash) {
  for (const char* open_close : {"()", "[]"}) {
    std::string sql = "SELECT ";
    if (open_close[0] == '[') sql += "ARRAY";
    for (int i = 0; i < 100000; ++i) sql += open_close[0];
    sql += "1";
    for (int i = 0; i < 100000; ++i) sql += open_close[1];
    auto r = Parse(sql);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(GetSqlState(r.status()), "54001");
    EXPECT_EQ(std::string(r.status().message()), "statement too complex");
  }
  for (const char* prefix : {"NOT ", "- ", "EXPLAIN ", "CASE WHEN true THEN "}) {
    std::string sql = std::string(prefix) == "EXPLAIN " ? "" : "SELECT ";
    for (int i = 0; i < 50000; ++i) sql += prefix;
    sql += std::string(prefix) == "EXPLAIN " ? "SELECT 1" : "true";
    auto r = Parse(sql);
    ASSERT_FALSE(r.ok()) << prefix;
    EXPECT_EQ(GetSqlState(r.status()), "54001") << prefix;
  }
  // Moderate nesting is fine.
  std::string sql = "SELECT ";
  for (int i = 0; i < 100; ++i) sql += "(";
  sql += "1";
  for (int i = 0; i < 100; ++i) sql += ")";
  EXPECT_TRUE(Parse(sql).ok());
}

std::vector<std::string> LoadCorpus() {
  std::ifstream in(std::string(MERIDIAN_SQL_PARSER_TESTDATA) + "/client_queries.sql");
  EXPECT_TRUE(in.good()) << "missing testdata/client_queries.sql";
  std::vector<std::string> entries;
  std::string line, current;
  bool started = false;
  while (std::getline(in, line)) {
    if (line == "-- next") {
      if (started) entries.push_back(current);
      current.clear();
      started = true;
      continue;
    }
    if (started) current += line + "\n";
  }
  if (started) entries.push_back(current);
  return entries;
}

TEST(ParserCorpus, ClientCorpusParses) {
  std::vector<std::string> corpus = LoadCorpus();
  ASSERT_GT(corpus.size(), 50u);
  for (const std::string& sql : corpus) {
    auto r = Parse(sql);
    EXPECT_TRUE(r.ok()) << sql << "\n" << r.status();
    if (r.ok()) {
      EXPECT_EQ(r->size(), 1u) << sql;
    }
  }
}

// Random bytes and truncations/mutations of valid statements must give a result or an
// error with a SQLSTATE, never a crash or a hang.
TEST(ParserFuzz, RandomInputsNeverCrash) {
  std::vector<std::string> seeds = LoadCorpus();
  seeds.push_back("SELECT a, b FROM t WHERE (a + 1) * 2 IN (1, 2) ORDER BY 1 LIMIT 5");
  seeds.push_back("INSERT INTO t (a) VALUES (E'\\x41') ON CONFLICT (a) DO UPDATE SET a = 1");
  std::mt19937 rng(12345);
  const std::string alphabet = "()[]'\";$-/*+:.,=<>!~ abcSELECTFROMWHERE0123456789\n\\e";
  int ok = 0, failed = 0;
  auto check = [&](const std::string& sql) {
    auto r = Parse(sql);
    if (r.ok()) {
      ++ok;
    } else {
      ++failed;
      EXPECT_TRUE(GetSqlState(r.status()).has_value()) << sql << "\n" << r.status();
    }
  };
  for (const std::string& seed : seeds) {
    for (size_t cut = 0; cut < seed.size(); cut += 1 + seed.size() / 40) {
      check(seed.substr(0, cut));
    }
    for (int m = 0; m < 20; ++m) {
      std::string s = seed;
      int edits = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < edits && !s.empty(); ++k) {
        size_t pos = rng() % s.size();
        switch (rng() % 3) {
          case 0:
            s[pos] = alphabet[rng() % alphabet.size()];
            break;
          case 1:
            s.erase(pos, 1);
            break;
          default:
            s.insert(pos, 1, alphabet[rng() % alphabet.size()]);
        }
      }
      check(s);
    }
  }
  for (int i = 0; i < 300; ++i) {
    std::string s(rng() % 64, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 256);
    check(s);
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    check(s);
  }
  EXPECT_GT(ok, 0);
  EXPECT_GT(failed, 0);
}

}  // namespace
}  // namespace meridian::sql
