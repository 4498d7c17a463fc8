// Deparse: SQL text for a parsed expression, the inverse of the parser for the forms a
// column DEFAULT may take. DDL stores DEFAULT expressions in table descriptors as this text
// and binds it again when a row is written (sql/planner/binder.h, BindDefault).
//
// Thread-safety: stateless.
#ifndef MERIDIAN_SQL_PARSER_DEPARSE_H_
#define MERIDIAN_SQL_PARSER_DEPARSE_H_

#include <string>

#include "sql/parser/ast.h"

namespace meridian::sql {

// Sets *ok to false for forms it cannot print (subqueries, IN lists, ...).
std::string Deparse(const ast::Expr& e, bool* ok);

}  // namespace meridian::sql

#endif  // MERIDIAN_SQL_PARSER_DEPARSE_H_
