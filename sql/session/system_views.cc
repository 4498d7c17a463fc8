// pg_catalog and information_schema: the catalog as PostgreSQL clients expect to query it,
// computed from Meridian's descriptors (read in the statement's transaction) each time a
// statement names one of these views. Enough for psql, pgJDBC, psycopg2 and pgbench.
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "sql/catalog/catalog.h"
#include "sql/catalog/pg_describe.h"
#include "sql/session/internal/session_impl.h"

namespace meridian::sql {
namespace {

constexpr int64_t kPgCatalogNamespace = kPgCatalogNamespaceOid;
constexpr int64_t kPublicNamespace = kPublicNamespaceOid;
constexpr int64_t kInformationSchemaNamespace = kInformationSchemaNamespaceOid;
constexpr int64_t kDefaultCollation = 100;
constexpr int64_t kCCollation = 950;

struct ViewBuilder {
  LogicalPtr node = MakeLogical(ValuesOp{}, {});
  ViewBuilder& Col(const std::string& name, TypeId type) { return Col(name, SqlType::Of(type)); }
  ViewBuilder& Col(const std::string& name, SqlType type) {
    node->columns.push_back(OutputColumn{"", name, type});
    return *this;
  }
  void Row(std::vector<Value> values) {
    std::vector<BoundExprPtr> row;
    for (size_t i = 0; i < values.size(); ++i)
      row.push_back(MakeConst(std::move(values[i]), node->columns[i].type));
    node->As<ValuesOp>().rows.push_back(std::move(row));
  }
};

Value S(std::string s) { return Value::String(std::move(s)); }
Value I(int64_t v) { return Value::Int(v); }
Value B(bool v) { return Value::Bool(v); }

struct BuiltinType {
  int64_t oid;
  const char* name;
  int64_t len;
  const char* category;
  int64_t array_oid;
};

const std::vector<BuiltinType>& BuiltinTypes() {
  static const auto* types = new std::vector<BuiltinType>{
      {16, "bool", 1, "B", 1000},        {17, "bytea", -1, "U", 1001},
      {19, "name", 64, "S", 1003},       {20, "int8", 8, "N", 1016},
      {21, "int2", 2, "N", 1005},        {23, "int4", 4, "N", 1007},
      {25, "text", -1, "S", 1009},       {26, "oid", 4, "N", 1028},
      {700, "float4", 4, "N", 1021},     {701, "float8", 8, "N", 1022},
      {705, "unknown", -2, "X", 0},      {1042, "bpchar", -1, "S", 1014},
      {1043, "varchar", -1, "S", 1015},  {1082, "date", 4, "D", 1182},
      {1114, "timestamp", 8, "D", 1115}, {1184, "timestamptz", 8, "D", 1185},
      {1186, "interval", 16, "T", 1187}, {1700, "numeric", -1, "N", 1231},
      {2205, "regclass", 4, "N", 2210},
  };
  return *types;
}

// The collation of a type's values, as pg_type.typcollation: "default" for the text types,
// "C" for name, none for the rest.
int64_t Collation(const SqlType& type) {
  if (type.id == TypeId::kName) return kCCollation;
  return type.is_string() ? kDefaultCollation : 0;
}

// The catalogs of features Meridian does not have: the columns clients read, and no rows.
struct EmptyCatalog {
  const char* name;
  std::vector<std::pair<const char*, SqlType>> columns;
};

const std::vector<EmptyCatalog>& EmptyCatalogs() {
  const SqlType oid = SqlType::Of(TypeId::kOid), name = SqlType::Of(TypeId::kName),
                text = SqlType::Of(TypeId::kText), boolean = SqlType::Of(TypeId::kBool),
                int2 = SqlType::Of(TypeId::kInt2), int4 = SqlType::Of(TypeId::kInt4);
  static const auto* catalogs = new std::vector<EmptyCatalog>{
      {"pg_inherits",
       {{"inhrelid", oid}, {"inhparent", oid}, {"inhseqno", int4}, {"inhdetachpending", boolean}}},
      {"pg_partitioned_table", {{"partrelid", oid}, {"partstrat", text}, {"partnatts", int2}}},
      {"pg_description",
       {{"objoid", oid}, {"classoid", oid}, {"objsubid", int4}, {"description", text}}},
      {"pg_policy",
       {{"oid", oid},
        {"polname", name},
        {"polrelid", oid},
        {"polcmd", text},
        {"polpermissive", boolean},
        {"polroles", SqlType::ArrayOf(TypeId::kOid)},
        {"polqual", text},
        {"polwithcheck", text}}},
      {"pg_statistic_ext",
       {{"oid", oid},
        {"stxrelid", oid},
        {"stxname", name},
        {"stxnamespace", oid},
        {"stxowner", oid},
        {"stxstattarget", int4},
        {"stxkeys", SqlType::ArrayOf(TypeId::kInt2)},
        {"stxkind", SqlType::ArrayOf(TypeId::kText)},
        {"stxexprs", text}}},
      {"pg_publication",
       {{"oid", oid},
        {"pubname", name},
        {"pubowner", oid},
        {"puballtables", boolean},
        {"pubinsert", boolean},
        {"pubupdate", boolean},
        {"pubdelete", boolean},
        {"pubtruncate", boolean},
        {"pubviaroot", boolean}}},
      {"pg_publication_namespace", {{"oid", oid}, {"pnpubid", oid}, {"pnnspid", oid}}},
      {"pg_publication_rel",
       {{"oid", oid},
        {"prpubid", oid},
        {"prrelid", oid},
        {"prqual", text},
        {"prattrs", SqlType::ArrayOf(TypeId::kInt2)}}},
  };
  return *catalogs;
}

}  // namespace

absl::StatusOr<LogicalPtr> SessionImpl::SystemView(txn::Txn* txn, const std::string& schema,
                                                   const std::string& name) {
  if (schema != "pg_catalog" && schema != "information_schema") return LogicalPtr();
  auto tables = [&]() { return Catalog::ListTables(*txn); };
  ViewBuilder v;
  if (schema == "information_schema" && name == "tables") {
    v.Col("table_catalog", TypeId::kName)
        .Col("table_schema", TypeId::kName)
        .Col("table_name", TypeId::kName)
        .Col("table_type", TypeId::kText);
    ASSIGN_OR_RETURN(auto ts, tables());
    for (const auto& t : ts) v.Row({S(database_), S("public"), S(t->name()), S("BASE TABLE")});
    return v.node;
  }
  if (schema == "information_schema" && name == "columns") {
    v.Col("table_catalog", TypeId::kName)
        .Col("table_schema", TypeId::kName)
        .Col("table_name", TypeId::kName)
        .Col("column_name", TypeId::kName)
        .Col("ordinal_position", TypeId::kInt4)
        .Col("column_default", TypeId::kText)
        .Col("is_nullable", TypeId::kText)
        .Col("data_type", TypeId::kText)
        .Col("character_maximum_length", TypeId::kInt4)
        .Col("numeric_precision", TypeId::kInt4)
        .Col("numeric_scale", TypeId::kInt4);
    ASSIGN_OR_RETURN(auto ts, tables());
    for (const auto& t : ts) {
      int pos = 0;
      for (int i = 0; i < t->num_columns(); ++i) {
        const auto& c = t->column(i);
        if (c.hidden()) continue;
        SqlType type = t->column_type(i);
        std::string data_type = type.ToString();
        if (auto p = data_type.find('('); p != std::string::npos)
          data_type = data_type.substr(0, p);
        bool str = type.id == TypeId::kVarchar || type.id == TypeId::kChar;
        bool num = type.id == TypeId::kNumeric;
        v.Row({S(database_), S("public"), S(t->name()), S(c.name()), I(++pos),
               c.default_expr().empty() ? Value::Null() : S(c.default_expr()),
               S(c.nullable() ? "YES" : "NO"), S(data_type),
               str && type.precision > 0 ? I(type.precision) : Value::Null(),
               num && type.precision > 0 ? I(type.precision) : Value::Null(),
               num && type.scale >= 0 && type.precision > 0 ? I(type.scale) : Value::Null()});
      }
    }
    return v.node;
  }
  if (schema == "information_schema" && name == "schemata") {
    v.Col("catalog_name", TypeId::kName).Col("schema_name", TypeId::kName);
    for (const char* s : {"public", "pg_catalog", "information_schema"})
      v.Row({S(database_), S(s)});
    return v.node;
  }
  if (schema != "pg_catalog") return LogicalPtr();
  if (name == "pg_namespace") {
    v.Col("oid", TypeId::kOid).Col("nspname", TypeId::kName).Col("nspowner", TypeId::kOid);
    v.Row({I(kPgCatalogNamespace), S("pg_catalog"), I(10)});
    v.Row({I(kPublicNamespace), S("public"), I(10)});
    v.Row({I(kInformationSchemaNamespace), S("information_schema"), I(10)});
    return v.node;
  }
  if (name == "pg_database") {
    v.Col("oid", TypeId::kOid)
        .Col("datname", TypeId::kName)
        .Col("encoding", TypeId::kInt4)
        .Col("datcollate", TypeId::kName)
        .Col("datctype", TypeId::kName)
        .Col("datdba", TypeId::kOid)
        .Col("datistemplate", TypeId::kBool)
        .Col("datallowconn", TypeId::kBool)
        .Col("datconnlimit", TypeId::kInt4)
        .Col("datlocprovider", TypeId::kText)
        .Col("daticulocale", TypeId::kText)
        .Col("dattablespace", TypeId::kOid)
        .Col("datacl", SqlType::ArrayOf(TypeId::kText));  // no privileges: NULL
    v.Row({I(1), S(database_), I(6), S("C"), S("C"), I(10), B(false), B(true), I(-1), S("c"),
           Value::Null(), I(0), Value::Null()});
    return v.node;
  }
  if (name == "pg_type") {
    v.Col("oid", TypeId::kOid)
        .Col("typname", TypeId::kName)
        .Col("typnamespace", TypeId::kOid)
        .Col("typlen", TypeId::kInt2)
        .Col("typtype", TypeId::kText)
        .Col("typcategory", TypeId::kText)
        .Col("typelem", TypeId::kOid)
        .Col("typarray", TypeId::kOid)
        .Col("typbasetype", TypeId::kOid)
        .Col("typtypmod", TypeId::kInt4)
        .Col("typnotnull", TypeId::kBool)
        .Col("typrelid", TypeId::kOid)
        .Col("typdelim", TypeId::kText)
        .Col("typinput", TypeId::kText)
        .Col("typoutput", TypeId::kText)
        .Col("typreceive", TypeId::kText)
        .Col("typcollation", TypeId::kOid);
    for (const auto& t : BuiltinTypes()) {
      std::optional<SqlType> type = SqlTypeFromPgOid(static_cast<uint32_t>(t.oid));
      int64_t collation = type.has_value() ? Collation(*type) : 0;
      v.Row({I(t.oid), S(t.name), I(kPgCatalogNamespace), I(t.len), S("b"), S(t.category), I(0),
             I(t.array_oid), I(0), I(-1), B(false), I(0), S(","), S(absl::StrCat(t.name, "in")),
             S(absl::StrCat(t.name, "out")), S(absl::StrCat(t.name, "recv")), I(collation)});
      if (t.array_oid != 0) {
        v.Row({I(t.array_oid), S(absl::StrCat("_", t.name)), I(kPgCatalogNamespace), I(-1), S("b"),
               S("A"), I(t.oid), I(0), I(0), I(-1), B(false), I(0), S(","), S("array_in"),
               S("array_out"), S("array_recv"), I(collation)});
      }
    }
    return v.node;
  }
  if (name == "pg_class") {
    v.Col("oid", TypeId::kOid)
        .Col("relname", TypeId::kName)
        .Col("relnamespace", TypeId::kOid)
        .Col("relkind", TypeId::kText)
        .Col("relowner", TypeId::kOid)
        .Col("reltuples", TypeId::kFloat4)
        .Col("relhasindex", TypeId::kBool)
        .Col("relpersistence", TypeId::kText)
        .Col("relispartition", TypeId::kBool)
        .Col("relam", TypeId::kOid)
        .Col("reltablespace", TypeId::kOid)
        .Col("relchecks", TypeId::kInt2)
        .Col("relhasrules", TypeId::kBool)
        .Col("relhastriggers", TypeId::kBool)
        .Col("relrowsecurity", TypeId::kBool)
        .Col("relforcerowsecurity", TypeId::kBool)
        .Col("relreplident", TypeId::kText)
        .Col("reloftype", TypeId::kOid)
        .Col("relpartbound", TypeId::kText)
        .Col("reloptions", TypeId::kText)
        .Col("relnatts", TypeId::kInt2)
        .Col("reltoastrelid", TypeId::kOid)
        .Col("reltype", TypeId::kOid)
        .Col("relisshared", TypeId::kBool)
        .Col("relpages", TypeId::kInt4);
    ASSIGN_OR_RETURN(auto ts, tables());
    auto row = [&](int64_t oid, const std::string& relname, const char* kind, bool has_index,
                   int natts) {
      v.Row({I(oid),
             S(relname),
             I(kPublicNamespace),
             S(kind),
             I(10),
             Value::Float(-1),
             B(has_index),
             S("p"),
             B(false),
             I(kind[0] == 'i' ? kBtreeAccessMethodOid : kHeapAccessMethodOid),
             I(0),
             I(0),
             B(false),
             B(false),
             B(false),
             B(false),
             S("d"),
             I(0),
             Value::Null(),
             Value::Null(),
             I(natts),
             I(0),
             I(0),
             B(false),
             I(0)});
    };
    for (const auto& t : ts) {
      int natts = 0;
      for (int i = 0; i < t->num_columns(); ++i) natts += t->column(i).hidden() ? 0 : 1;
      const auto indexes = VisibleIndexes(*t);
      row(TableOid(*t), t->name(), "r", !indexes.empty(), natts);
      for (const proto::IndexDescriptor* idx : indexes) {
        row(IndexOid(*t, *idx), idx->name(), "i", false, idx->column_ids_size());
      }
    }
    return v.node;
  }
  if (name == "pg_attribute") {
    v.Col("attrelid", TypeId::kOid)
        .Col("attname", TypeId::kName)
        .Col("atttypid", TypeId::kOid)
        .Col("attnum", TypeId::kInt2)
        .Col("atttypmod", TypeId::kInt4)
        .Col("attnotnull", TypeId::kBool)
        .Col("atthasdef", TypeId::kBool)
        .Col("attisdropped", TypeId::kBool)
        .Col("attlen", TypeId::kInt2)
        .Col("attidentity", TypeId::kText)
        .Col("attgenerated", TypeId::kText)
        .Col("attcollation", TypeId::kOid)
        .Col("attndims", TypeId::kInt4)
        .Col("attislocal", TypeId::kBool)
        .Col("attinhcount", TypeId::kInt4);
    ASSIGN_OR_RETURN(auto ts, tables());
    for (const auto& t : ts) {
      for (int i = 0; i < t->num_columns(); ++i) {
        const auto& c = t->column(i);
        if (c.hidden()) continue;
        SqlType type = t->column_type(i);
        v.Row({I(TableOid(*t)), S(c.name()), I(type.pg_oid()), I(i + 1), I(type.pg_typmod()),
               B(!c.nullable()), B(!c.default_expr().empty()), B(false), I(type.pg_typlen()), S(""),
               S(""), I(Collation(type)), I(0), B(true), I(0)});
      }
      // An index's attributes are its key columns, numbered from 1 (psql's \d INDEX).
      for (const proto::IndexDescriptor* idx : VisibleIndexes(*t)) {
        for (int k = 0; k < idx->column_ids_size(); ++k) {
          const int i = t->ColumnIndexById(idx->column_ids(k));
          if (i < 0) continue;
          SqlType type = t->column_type(i);
          v.Row({I(IndexOid(*t, *idx)), S(t->column(i).name()), I(type.pg_oid()), I(k + 1),
                 I(type.pg_typmod()), B(false), B(false), B(false), I(type.pg_typlen()), S(""),
                 S(""), I(Collation(type)), I(0), B(true), I(0)});
        }
      }
    }
    return v.node;
  }
  if (name == "pg_index") {
    v.Col("indexrelid", TypeId::kOid)
        .Col("indrelid", TypeId::kOid)
        .Col("indnatts", TypeId::kInt2)
        .Col("indnkeyatts", TypeId::kInt2)
        .Col("indisunique", TypeId::kBool)
        .Col("indisprimary", TypeId::kBool)
        .Col("indisexclusion", TypeId::kBool)
        .Col("indimmediate", TypeId::kBool)
        .Col("indisclustered", TypeId::kBool)
        .Col("indisvalid", TypeId::kBool)
        .Col("indcheckxmin", TypeId::kBool)
        .Col("indisready", TypeId::kBool)
        .Col("indislive", TypeId::kBool)
        .Col("indisreplident", TypeId::kBool)
        .Col("indnullsnotdistinct", TypeId::kBool)
        .Col("indkey", TypeId::kText)  // int2vector's text form: "1 2"
        .Col("indexprs", TypeId::kText)
        .Col("indpred", TypeId::kText);
    ASSIGN_OR_RETURN(auto ts, tables());
    for (const auto& t : ts) {
      for (const proto::IndexDescriptor* idx : VisibleIndexes(*t)) {
        std::vector<std::string> keys;
        for (uint32_t id : idx->column_ids())
          keys.push_back(std::to_string(t->ColumnIndexById(id) + 1));
        const bool primary = idx->id() == kPrimaryIndexId;
        const int64_t n = idx->column_ids_size();
        v.Row({I(IndexOid(*t, *idx)), I(TableOid(*t)), I(n), I(n), B(primary || idx->unique()),
               B(primary), B(false), B(true), B(false), B(true), B(false), B(true), B(true),
               B(false), B(false), S(absl::StrJoin(keys, " ")), Value::Null(), Value::Null()});
      }
    }
    return v.node;
  }
  if (name == "pg_indexes") {
    v.Col("schemaname", TypeId::kName)
        .Col("tablename", TypeId::kName)
        .Col("indexname", TypeId::kName)
        .Col("tablespace", TypeId::kName)
        .Col("indexdef", TypeId::kText);
    ASSIGN_OR_RETURN(auto ts, tables());
    for (const auto& t : ts) {
      for (const proto::IndexDescriptor* idx : VisibleIndexes(*t)) {
        v.Row({S("public"), S(t->name()), S(idx->name()), Value::Null(),
               S(IndexDefinition(*t, *idx))});
      }
    }
    return v.node;
  }
  if (name == "pg_attrdef") {
    v.Col("oid", TypeId::kOid)
        .Col("adrelid", TypeId::kOid)
        .Col("adnum", TypeId::kInt2)
        .Col("adbin", TypeId::kText);
    ASSIGN_OR_RETURN(auto ts, tables());
    for (const auto& t : ts) {
      for (int i = 0; i < t->num_columns(); ++i) {
        const auto& c = t->column(i);
        if (c.hidden() || c.default_expr().empty()) continue;
        v.Row({I(DefaultOid(*t, i)), I(TableOid(*t)), I(i + 1), S(c.default_expr())});
      }
    }
    return v.node;
  }
  if (name == "pg_am") {
    v.Col("oid", TypeId::kOid).Col("amname", TypeId::kName).Col("amtype", TypeId::kText);
    v.Row({I(kHeapAccessMethodOid), S("heap"), S("t")});
    v.Row({I(kBtreeAccessMethodOid), S("btree"), S("i")});
    return v.node;
  }
  for (const EmptyCatalog& c : EmptyCatalogs()) {
    if (name != c.name) continue;
    for (const auto& [col, type] : c.columns) v.Col(col, type);
    return v.node;
  }
  if (name == "pg_constraint") {
    // Primary keys and UNIQUE constraints (there are no foreign keys or CHECKs).
    v.Col("oid", TypeId::kOid)
        .Col("conname", TypeId::kName)
        .Col("connamespace", TypeId::kOid)
        .Col("contype", TypeId::kText)
        .Col("condeferrable", TypeId::kBool)
        .Col("condeferred", TypeId::kBool)
        .Col("convalidated", TypeId::kBool)
        .Col("conrelid", TypeId::kOid)
        .Col("contypid", TypeId::kOid)
        .Col("conindid", TypeId::kOid)
        .Col("conparentid", TypeId::kOid)
        .Col("confrelid", TypeId::kOid)
        .Col("confupdtype", TypeId::kText)
        .Col("confdeltype", TypeId::kText)
        .Col("confmatchtype", TypeId::kText)
        .Col("conislocal", TypeId::kBool)
        .Col("coninhcount", TypeId::kInt4)
        .Col("connoinherit", TypeId::kBool)
        .Col("conbin", TypeId::kText);
    ASSIGN_OR_RETURN(auto ts, tables());
    for (const auto& t : ts) {
      for (const proto::IndexDescriptor* idx : VisibleIndexes(*t)) {
        if (!IsConstraintIndex(*t, *idx)) continue;
        const bool primary = idx->id() == kPrimaryIndexId;
        v.Row({I(ConstraintOid(*t, *idx)), S(idx->name()), I(kPublicNamespace),
               S(primary ? "p" : "u"), B(false), B(false), B(true), I(TableOid(*t)), I(0),
               I(IndexOid(*t, *idx)), I(0), I(0), S(" "), S(" "), S(" "), B(true), I(0), B(true),
               Value::Null()});
      }
    }
    return v.node;
  }
  if (name == "pg_collation") {
    v.Col("oid", TypeId::kOid)
        .Col("collname", TypeId::kName)
        .Col("collnamespace", TypeId::kOid)
        .Col("collowner", TypeId::kOid)
        .Col("collprovider", TypeId::kText)
        .Col("collisdeterministic", TypeId::kBool)
        .Col("collencoding", TypeId::kInt4)
        .Col("collcollate", TypeId::kName)
        .Col("collctype", TypeId::kName);
    v.Row({I(kDefaultCollation), S("default"), I(kPgCatalogNamespace), I(10), S("d"), B(true),
           I(-1), Value::Null(), Value::Null()});
    v.Row({I(kCCollation), S("C"), I(kPgCatalogNamespace), I(10), S("c"), B(true), I(-1), S("C"),
           S("C")});
    v.Row({I(951), S("POSIX"), I(kPgCatalogNamespace), I(10), S("c"), B(true), I(-1), S("POSIX"),
           S("POSIX")});
    return v.node;
  }
  if (name == "pg_settings") {
    v.Col("name", TypeId::kText).Col("setting", TypeId::kText);
    for (const auto& [k, val] : settings_) v.Row({S(k), S(val)});
    return v.node;
  }
  if (name == "pg_roles" || name == "pg_user") {
    v.Col("oid", TypeId::kOid)
        .Col(name == "pg_roles" ? "rolname" : "usename", TypeId::kName)
        .Col(name == "pg_roles" ? "rolsuper" : "usesuper", TypeId::kBool);
    v.Row({I(10), S(user_), B(true)});
    return v.node;
  }
  return LogicalPtr();
}

}  // namespace meridian::sql
