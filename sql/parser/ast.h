// The abstract syntax tree the parser produces and the binder consumes.
//
// Plain owned structs: no ANTLR type appears here or anywhere outside sql/parser (the parser
// front end can be replaced without touching the rest of sql/). Names are as written for
// quoted identifiers and lower-cased for unquoted ones, as in PostgreSQL. Every node that an
// error can point at carries `location`, the byte offset of its first character in the text
// that was parsed (-1 when unknown).
//
// Thread-safety: plain values; not synchronized.
#ifndef MERIDIAN_SQL_PARSER_AST_H_
#define MERIDIAN_SQL_PARSER_AST_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace meridian::sql::ast {

struct Expr;
struct SelectStmt;
struct WindowSpec;
using ExprPtr = std::unique_ptr<Expr>;

// A type as written: name lower-cased and canonical ("int", "bigint", "smallint", "numeric",
// "real", "double precision", "text", "varchar", "char", "boolean", "date", "timestamp",
// "bytea", or any other identifier the user wrote, e.g. "regclass"), plus its modifiers
// (NUMERIC(10,2) -> {10, 2}; VARCHAR(20) -> {20}). INTEGER/INT4 -> "int", INT8 -> "bigint",
// INT2 -> "smallint", DECIMAL -> "numeric", FLOAT8/FLOAT -> "double precision",
// FLOAT4 -> "real", BOOL -> "boolean", CHARACTER VARYING -> "varchar", CHARACTER -> "char",
// TIMESTAMP WITHOUT TIME ZONE -> "timestamp", "timestamptz" for WITH TIME ZONE.
// Also (parser): TIME [WITH TIME ZONE] -> "time" / "timetz", INTERVAL -> "interval",
// FLOAT(p) -> "real" for p <= 24 else "double precision"; a pg_catalog. prefix is dropped
// before normalizing (pg_catalog.int4 -> "int"); other schemas stay as "schema.name".
// Quoted type names are kept as written and not normalized.
struct TypeName {
  std::string name;
  std::vector<int64_t> modifiers;
  bool array = false;  // int[]: accepted by the grammar, rejected by the binder
  int location = -1;
};

enum class ExprKind {
  kLiteral,     // literal_kind + text
  kParam,       // $n: param (1-based)
  kColumnRef,   // names: {"col"}, {"t", "col"} or {"schema", "t", "col"}
  kStar,        // * or t.*: names = {} or {"t"}
  kUnary,       // op: "-", "+", "NOT"; args[0]
  kBinary,      // op: see below; args[0], args[1]
  kIsNull,      // args[0] IS [NOT] NULL (negated = NOT)
  kIsBool,      // args[0] IS [NOT] TRUE/FALSE/UNKNOWN: text = "true"|"false"|"unknown"
  kBetween,     // args[0] [NOT] BETWEEN args[1] AND args[2]
  kInList,      // args[0] [NOT] IN (args[1..])
  kInSubquery,  // args[0] [NOT] IN (subquery)
  kExists,      // [NOT] EXISTS (subquery)
  kSubquery,    // (subquery) used as a scalar
  kCase,        // CASE [case_operand] WHEN ... THEN ... [ELSE else_expr] END
  kCast,        // CAST(args[0] AS type), args[0]::type, or a typed literal DATE '2020-01-01'
  kFunction,    // names (possibly schema-qualified, e.g. {"pg_catalog", "count"}) + args
  kLike,        // args[0] [NOT] LIKE|ILIKE args[1] [ESCAPE args[2]]; op "LIKE" or "ILIKE"
  kArray,       // ARRAY[args...] (accepted; most uses are rejected by the binder);
                // ARRAY(subquery) sets `subquery` and leaves args empty.
  // Added by the parser's author (accepted by the grammar; the binder may reject them):
  kQuantified,   // args[0] op ANY|ALL (args[1]) or (subquery): op is the comparison
                 // ("=", "<>", ...), text "any" or "all" (SOME is "any")
  kSubscript,    // args[0][args[1]] or args[0][args[1]:args[2]] (text ":" for a slice)
  kFieldSelect,  // (args[0]).text, e.g. (f(x)).n; text "*" for (x).*
  kCollate,      // args[0] COLLATE names (e.g. {"pg_catalog", "default"})
};

enum class LiteralKind { kNull, kBool, kInteger, kDecimal, kString };

// Binary operators (op): "+", "-", "*", "/", "%", "^", "||", "=", "<>" (also for "!="), "<",
// "<=", ">", ">=", "AND", "OR", "~", "!~", "~*", "!~*" and any other operator token as
// written. "OPERATOR(pg_catalog.~)" is normalized to "~". Also "IS DISTINCT FROM" and
// "IS NOT DISTINCT FROM". kLike's op is "LIKE", "ILIKE" or "SIMILAR TO".
//
// Parser normalizations: a minus sign before a numeric literal is folded into it
// ("-5" is a kLiteral with text "-5"); an integer literal that does not fit int64 is a
// kDecimal, as in PostgreSQL; NOT EXISTS (...) is kExists with negated = true; functions
// PostgreSQL spells without parentheses (CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_USER,
// SESSION_USER, USER, CURRENT_SCHEMA, LOCALTIMESTAMP, ...) are kFunction with that
// lower-cased name and no args (CURRENT_TIMESTAMP(3): one integer arg);
// EXTRACT(f FROM x) is extract('f', x) (field lower-cased);
// SUBSTRING(x FROM a FOR b) is substring(x, a, b); TRIM([BOTH|LEADING|TRAILING] [c] FROM s) is
// btrim/ltrim/rtrim(s [, c]); POSITION(a IN b) is position(b, a).
struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int location = -1;

  LiteralKind literal_kind = LiteralKind::kNull;
  // kLiteral: integer/decimal digits as written ("42", "1.5e3"), string contents with quotes
  // and escapes resolved, "true"/"false" for booleans. kIsBool: see above.
  std::string text;
  int param = 0;                   // kParam
  std::vector<std::string> names;  // kColumnRef, kStar, kFunction
  std::string op;                  // kUnary, kBinary, kLike
  std::vector<ExprPtr> args;
  bool negated = false;   // IS NOT NULL, NOT BETWEEN, NOT IN, NOT LIKE, NOT EXISTS
  bool distinct = false;  // kFunction: count(DISTINCT x)
  bool star = false;      // kFunction: count(*)
  ExprPtr case_operand;   // kCase
  std::vector<std::pair<ExprPtr, ExprPtr>> when_then;  // kCase
  ExprPtr else_expr;                                   // kCase
  TypeName type;                                       // kCast
  std::unique_ptr<SelectStmt> subquery;  // kInSubquery, kExists, kSubquery, kQuantified, kArray
  std::unique_ptr<WindowSpec> over;      // kFunction: f(...) OVER (...); null if none
};

// ---------------------------------------------------------------------------------------
// Queries

enum class JoinType { kInner, kLeft, kRight, kFull, kCross };

struct TableRef {
  enum class Kind { kTable, kJoin, kSubquery, kFunction };
  Kind kind = Kind::kTable;
  int location = -1;
  // kTable: possibly schema-qualified name ({"t"} or {"pg_catalog", "pg_class"}).
  std::vector<std::string> name;
  std::string alias;  // empty if none
  // kJoin
  JoinType join_type = JoinType::kInner;
  std::unique_ptr<TableRef> left, right;
  ExprPtr on;                       // ON condition (null for CROSS JOIN / USING / NATURAL)
  bool natural = false;             // NATURAL [type] JOIN (added by the parser's author)
  std::vector<std::string> using_;  // USING (a, b)
  // kSubquery: FROM (SELECT ...) alias
  std::unique_ptr<SelectStmt> subquery;
  // Added by the parser's author:
  ExprPtr function;                         // kFunction: FROM generate_series(1, 3) AS g
  std::vector<std::string> column_aliases;  // AS alias (c1, c2)
  bool lateral = false;                     // LATERAL (subquery or function)
};

struct SelectItem {
  ExprPtr expr;       // may be kStar
  std::string alias;  // empty if none
};

struct OrderItem {
  ExprPtr expr;  // an integer literal means an output column ordinal
  bool descending = false;
  std::optional<bool> nulls_first;  // unset: PostgreSQL's default (NULLs are largest)
};

// OVER (PARTITION BY ... ORDER BY ...) of a window function call.
struct WindowSpec {
  std::vector<ExprPtr> partition_by;
  std::vector<OrderItem> order_by;
};

// WITH name [(columns)] AS (query): a common table expression.
struct CommonTableExpr {
  std::string name;
  std::vector<std::string> columns;  // empty: the query's own column names
  std::unique_ptr<SelectStmt> query;
  int location = -1;
};

struct SelectStmt {
  int location = -1;
  // WITH ...: visible to the whole statement (and each to the CTEs after it).
  std::vector<CommonTableExpr> with;
  bool with_recursive = false;  // accepted by the grammar; the binder rejects it
  // VALUES (..), (..): when non-empty, the other clauses except order_by/limit/offset are
  // unused.
  std::vector<std::vector<ExprPtr>> values;

  bool distinct = false;
  std::vector<ExprPtr> distinct_on;  // SELECT DISTINCT ON (a, b): added, binder may reject
  std::vector<SelectItem> items;
  std::vector<std::unique_ptr<TableRef>> from;  // a comma list is a cross join
  ExprPtr where;
  std::vector<ExprPtr> group_by;  // integer literals are output column ordinals
  ExprPtr having;
  // UNION [ALL] / INTERSECT / EXCEPT chains: the right operand, applied to this select.
  // (Accepted by the grammar; the binder may reject what it does not support.)
  // A chain reads left to right: A UNION B EXCEPT C is A{UNION, B{EXCEPT, C}} and means
  // (A UNION B) EXCEPT C. The parser keeps that reading exact: an operand that must be
  // grouped (A UNION (B INTERSECT C), a parenthesized operand with its own ORDER BY or
  // LIMIT) is wrapped as SELECT * FROM (operand) AS "*SELECT*". The head's order_by, limit,
  // offset and locking apply to the result of the whole chain.
  // set_op is also "INTERSECT ALL" or "EXCEPT ALL".
  std::string set_op;  // "", "UNION", "UNION ALL", "INTERSECT", "EXCEPT"
  std::unique_ptr<SelectStmt> set_rhs;
  std::vector<OrderItem> order_by;
  ExprPtr limit;
  ExprPtr offset;
  bool for_update = false;  // FOR UPDATE (FOR SHARE sets for_share)
  bool for_share = false;
  ExprPtr as_of_system_time;  // SELECT ... FROM t AS OF SYSTEM TIME <expr>
};

// ---------------------------------------------------------------------------------------
// DDL

struct ColumnDef {
  std::string name;
  TypeName type;
  bool not_null = false;
  bool null = false;  // explicit NULL
  bool primary_key = false;
  bool unique = false;
  ExprPtr default_value;
  int location = -1;
};

struct TableConstraint {
  enum class Kind { kPrimaryKey, kUnique };
  Kind kind = Kind::kPrimaryKey;
  std::string name;  // CONSTRAINT name; empty if none
  std::vector<std::string> columns;
  int location = -1;
};

struct CreateTableStmt {
  std::vector<std::string> name;
  bool if_not_exists = false;
  std::vector<ColumnDef> columns;
  std::vector<TableConstraint> constraints;
  // WITH (fillfactor=100) and similar storage parameters (PostgreSQL's); the session
  // accepts the ones that cannot change results with a notice, and refuses the rest.
  std::vector<std::pair<std::string, std::string>> options;
  bool unlogged = false;  // CREATE UNLOGGED TABLE: the table is logged anyway (a notice)
};

struct DropTableStmt {
  std::vector<std::vector<std::string>> names;
  bool if_exists = false;
  bool cascade = false;
};

struct TruncateStmt {
  std::vector<std::vector<std::string>> names;
};

struct AlterTableStmt {
  struct Action {
    enum class Kind { kAddColumn, kAddConstraint };
    Kind kind = Kind::kAddColumn;
    ColumnDef column;            // kAddColumn
    bool if_not_exists = false;  // ADD COLUMN IF NOT EXISTS
    TableConstraint
        constraint;  // kAddConstraint (ADD PRIMARY KEY (..) / ADD CONSTRAINT c UNIQUE (..))
  };
  std::vector<std::string> name;
  std::vector<Action> actions;
};

struct IndexColumn {
  std::string name;
  bool descending = false;
};

struct CreateIndexStmt {
  std::string name;  // empty: the system picks one
  std::vector<std::string> table;
  bool unique = false;
  bool if_not_exists = false;
  std::vector<IndexColumn> columns;
};

struct DropIndexStmt {
  std::vector<std::vector<std::string>> names;
  bool if_exists = false;
};

// ---------------------------------------------------------------------------------------
// DML

struct Assignment {
  std::string column;
  ExprPtr value;  // null means DEFAULT
  int location = -1;
};

struct OnConflict {
  std::vector<std::string> columns;  // conflict target; empty: any unique constraint
  std::string constraint;            // ON CONFLICT ON CONSTRAINT name (added); empty if none
  bool do_nothing = true;            // false: DO UPDATE SET ...
  std::vector<Assignment> set;
  ExprPtr where;
};

struct InsertStmt {
  std::vector<std::string> table;
  std::string alias;
  std::vector<std::string> columns;  // empty: all, in table order
  // The rows: a VALUES select or any query. In VALUES, a null ExprPtr stands for DEFAULT.
  // Null for INSERT ... DEFAULT VALUES.
  std::unique_ptr<SelectStmt> source;
  std::optional<OnConflict> on_conflict;
  std::vector<SelectItem> returning;
};

struct UpdateStmt {
  std::vector<std::string> table;
  std::string alias;
  std::vector<Assignment> set;
  ExprPtr where;
  std::vector<SelectItem> returning;
};

struct DeleteStmt {
  std::vector<std::string> table;
  std::string alias;
  ExprPtr where;
  std::vector<SelectItem> returning;
};

// COPY table [(cols)] FROM STDIN / TO STDOUT [WITH] [(FORMAT csv, HEADER, DELIMITER ',',
// NULL '', FREEZE ...)] and COPY (query) TO STDOUT. Old-style options (CSV, HEADER,
// DELIMITER 'x', NULL 'x', BINARY) are normalized into `options` the same way.
struct CopyStmt {
  std::vector<std::string> table;
  std::vector<std::string> columns;
  std::unique_ptr<SelectStmt> query;  // COPY (query) TO STDOUT
  bool from = true;                   // FROM STDIN; false: TO STDOUT
  std::string target;                 // "stdin", "stdout", or a file name (refused later)
  // Lower-cased option names with their values as text ("format" -> "csv", "header" ->
  // "true", "delimiter" -> ",", "null" -> "", "freeze" -> "on").
  std::vector<std::pair<std::string, std::string>> options;
};

// ---------------------------------------------------------------------------------------
// Transactions, sessions and utilities

struct BeginStmt {
  bool read_only = false;
  bool read_write = false;
  std::string isolation;  // lower-cased: "serializable", "repeatable read", ...; empty if none
  ExprPtr as_of_system_time;
};

struct CommitStmt {};
// ROLLBACK, or ROLLBACK TO SAVEPOINT `savepoint` when that is set.
struct RollbackStmt {
  std::string savepoint;
};
struct SavepointStmt {
  std::string name;
};
struct ReleaseStmt {  // RELEASE [SAVEPOINT] name
  std::string name;
};
struct DiscardStmt {
  std::string what;  // "all", "plans", "sequences", "temp"
};

struct SetStmt {
  // lower-cased; "transaction" for SET TRANSACTION ..., "session characteristics" for SET
  // SESSION CHARACTERISTICS AS TRANSACTION ..., "time zone" for SET TIME ZONE (LOCAL and
  // DEFAULT both set is_default). Dotted names are joined: "myext.setting". Values: string
  // literals for quoted strings and for bare words (SET x = on -> 'on'), numeric literals
  // for numbers (a leading sign folded in).
  std::string name;
  std::vector<ExprPtr> values;  // SET x = a, b / SET x TO a; DEFAULT -> empty + is_default
  bool is_default = false;
  bool local = false;
  // SET TRANSACTION / SET SESSION CHARACTERISTICS AS TRANSACTION: these modes.
  BeginStmt transaction;
};

struct ShowStmt {
  std::string name;  // lower-cased; "all", "transaction isolation level", "tables", ...
};

struct ResetStmt {
  std::string name;  // "all" for RESET ALL
};

struct ExplainStmt;

// VACUUM [ANALYZE] [tables] and ANALYZE [tables]: accepted as no-ops.
struct VacuumStmt {
  std::vector<std::vector<std::string>> names;
};

// An empty statement (";" alone, or only comments).
struct EmptyStmt {};

using Statement =
    std::variant<SelectStmt, InsertStmt, UpdateStmt, DeleteStmt, CreateTableStmt, DropTableStmt,
                 TruncateStmt, AlterTableStmt, CreateIndexStmt, DropIndexStmt, CopyStmt, BeginStmt,
                 CommitStmt, RollbackStmt, SavepointStmt, ReleaseStmt, DiscardStmt, SetStmt,
                 ShowStmt, ResetStmt, std::unique_ptr<ExplainStmt>, VacuumStmt, EmptyStmt>;

struct ExplainStmt {
  bool analyze = false;
  bool verbose = false;
  Statement statement;
};

// One statement of a script with its source text.
struct ParsedStatement {
  Statement statement;
  std::string text;    // the statement's text, without the terminating ';'
  int location = 0;    // offset of `text` in the parsed input
  int num_params = 0;  // highest $n used
};

}  // namespace meridian::sql::ast

#endif  // MERIDIAN_SQL_PARSER_AST_H_
