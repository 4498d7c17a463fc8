// Meridian's SQL dialect: PostgreSQL's where they overlap, plus AS OF SYSTEM TIME.
//
// Written for the ANTLR 4.7.2 tool (no caseInsensitive option: keywords are spelled with
// letter fragments). The parser turns the tree into sql/parser/ast.h (ast_builder.cc); no
// other code sees these rules. Keep common statements SLL-decidable: parser.cc parses with
// SLL prediction first and only retries with full LL when SLL fails.
//
// Keyword classes follow PostgreSQL's: reserved keywords are never identifiers (but may be
// column labels after AS or '.'), column-name keywords may name columns but not functions,
// and unreserved keywords may be used anywhere an identifier may. OF is reserved here (it
// is not in PostgreSQL) so that "FROM t AS OF SYSTEM TIME" never reads OF as an alias.
grammar Sql;

// ---------------------------------------------------------------------------------------
// Scripts and statements

script
  : statement? (SEMI statement?)* EOF
  ;

statement
  : selectStmt
  | insertStmt
  | updateStmt
  | deleteStmt
  | createTableStmt
  | createIndexStmt
  | dropTableStmt
  | dropIndexStmt
  | truncateStmt
  | alterTableStmt
  | copyStmt
  | beginStmt
  | commitStmt
  | rollbackStmt
  | savepointStmt
  | releaseStmt
  | discardStmt
  | setStmt
  | showStmt
  | resetStmt
  | explainStmt
  | vacuumStmt
  | analyzeStmt
  ;

// ---------------------------------------------------------------------------------------
// SELECT

selectStmt
  : withClause? selectBody orderByClause? limitOffsetClause* forLockingClause*
  ;

withClause
  : K_WITH K_RECURSIVE? commonTableExpr (COMMA commonTableExpr)*
  ;

commonTableExpr
  : identifier (LPAREN identList RPAREN)? K_AS (K_NOT? K_MATERIALIZED)? LPAREN selectStmt RPAREN
  ;

// Set operations: INTERSECT binds tighter than UNION and EXCEPT, all left-associative.
selectBody
  : simpleSelect                                                   # simpleSelectBody
  | valuesClause                                                   # valuesSelectBody
  | LPAREN selectStmt RPAREN                                       # parenSelectBody
  | selectBody K_INTERSECT setQuantifier? selectBody               # intersectSelectBody
  | selectBody op=(K_UNION | K_EXCEPT) setQuantifier? selectBody   # unionSelectBody
  ;

setQuantifier
  : K_ALL
  | K_DISTINCT
  ;

simpleSelect
  : K_SELECT (K_ALL | K_DISTINCT (K_ON LPAREN exprList RPAREN)?)? selectList
    fromClause? asOfClause? whereClause? groupByClause? havingClause?
  ;

selectList
  : selectItem (COMMA selectItem)*
  ;

selectItem
  : STAR                                # starSelectItem
  | expr (K_AS colLabel | identifier)?  # exprSelectItem
  ;

fromClause
  : K_FROM tableRef (COMMA tableRef)*
  ;

asOfClause
  : K_AS K_OF K_SYSTEM K_TIME aexpr
  ;

whereClause
  : K_WHERE expr
  ;

groupByClause
  : K_GROUP K_BY exprList
  ;

havingClause
  : K_HAVING expr
  ;

orderByClause
  : K_ORDER K_BY sortItem (COMMA sortItem)*
  ;

sortItem
  : expr (K_ASC | K_DESC)? (K_NULLS (K_FIRST | K_LAST))?
  ;

limitOffsetClause
  : K_LIMIT (K_ALL | expr)                                              # limitClause
  | K_OFFSET aexpr (K_ROW | K_ROWS)?                                    # offsetClause
  | K_FETCH (K_FIRST | K_NEXT) aexpr? (K_ROW | K_ROWS) K_ONLY           # fetchClause
  ;

forLockingClause
  : K_FOR (K_UPDATE | K_NO K_KEY K_UPDATE | K_SHARE | K_KEY K_SHARE)
    (K_OF qualifiedName (COMMA qualifiedName)*)? (K_NOWAIT | K_SKIP K_LOCKED)?
  ;

valuesClause
  : K_VALUES valuesRow (COMMA valuesRow)*
  ;

valuesRow
  : LPAREN valueItem (COMMA valueItem)* RPAREN
  ;

valueItem
  : K_DEFAULT
  | expr
  ;

tableRef
  : qualifiedName alias?                                         # tableNameRef
  | K_ONLY qualifiedName alias?                                  # tableNameRef2
  | K_LATERAL? LPAREN selectStmt RPAREN alias?                   # subqueryRef
  | K_LATERAL? functionCall alias?                               # functionRef
  | LPAREN tableRef RPAREN alias?                                # parenRef
  | tableRef K_CROSS K_JOIN tableRef                             # crossJoinRef
  | tableRef K_NATURAL joinType? K_JOIN tableRef                 # naturalJoinRef
  | tableRef joinType? K_JOIN tableRef joinQual                  # qualJoinRef
  ;

joinType
  : K_INNER
  | (K_LEFT | K_RIGHT | K_FULL) K_OUTER?
  ;

joinQual
  : K_ON expr
  | K_USING LPAREN identList RPAREN
  ;

alias
  : K_AS? identifier (LPAREN identList RPAREN)?
  ;

// ---------------------------------------------------------------------------------------
// INSERT, UPDATE, DELETE

insertStmt
  : K_INSERT K_INTO qualifiedName (K_AS identifier)? (LPAREN identList RPAREN)?
    (K_DEFAULT K_VALUES | selectStmt) onConflictClause? returningClause?
  ;

onConflictClause
  : K_ON K_CONFLICT (LPAREN identList RPAREN | K_ON K_CONSTRAINT identifier)?
    K_DO (K_NOTHING | K_UPDATE K_SET setList whereClause?)
  ;

returningClause
  : K_RETURNING selectList
  ;

setList
  : setItem (COMMA setItem)*
  ;

setItem
  : identifier EQ (K_DEFAULT | expr)
  ;

updateStmt
  : K_UPDATE K_ONLY? qualifiedName alias? K_SET setList whereClause? returningClause?
  ;

deleteStmt
  : K_DELETE K_FROM K_ONLY? qualifiedName alias? whereClause? returningClause?
  ;

// ---------------------------------------------------------------------------------------
// DDL

createTableStmt
  : K_CREATE (K_TEMP | K_TEMPORARY | K_UNLOGGED)? K_TABLE (K_IF K_NOT K_EXISTS)? qualifiedName
    LPAREN tableElement (COMMA tableElement)* RPAREN
    (K_WITH LPAREN relOption (COMMA relOption)* RPAREN)?
  ;

tableElement
  : tableConstraint
  | unsupportedTableConstraint
  | columnDef
  ;

columnDef
  : identifier typeName columnConstraint*
  ;

columnConstraint
  : (K_CONSTRAINT identifier)? columnConstraintBody
  ;

columnConstraintBody
  : K_NOT K_NULL                                                      # notNullConstraint
  | K_NULL                                                            # nullConstraint
  | K_PRIMARY K_KEY                                                   # primaryKeyConstraint
  | K_UNIQUE                                                          # uniqueConstraint
  | K_DEFAULT aexpr                                                   # defaultConstraint
  | K_REFERENCES qualifiedName (LPAREN identList RPAREN)? refAction*   # referencesConstraint
  | K_CHECK LPAREN expr RPAREN                                        # checkConstraint
  ;

refAction
  : K_ON (K_DELETE | K_UPDATE) (K_CASCADE | K_RESTRICT | K_NO identifier | K_SET (K_NULL | K_DEFAULT))
  ;

tableConstraint
  : (K_CONSTRAINT identifier)? (K_PRIMARY K_KEY | K_UNIQUE) LPAREN identList RPAREN
  ;

// Parsed only to be refused with 0A000 (Meridian does not enforce them yet).
unsupportedTableConstraint
  : (K_CONSTRAINT identifier)?
    ( K_FOREIGN K_KEY LPAREN identList RPAREN K_REFERENCES qualifiedName (LPAREN identList RPAREN)?
      refAction*
    | K_CHECK LPAREN expr RPAREN
    )
  ;

relOption
  : identifier (DOT identifier)? (EQ optionValue)?
  ;

optionValue
  : STRING
  | (PLUS | MINUS)? (INTEGER | DECIMAL)
  | colLabel
  ;

dropTableStmt
  : K_DROP K_TABLE (K_IF K_EXISTS)? qualifiedNameList (K_CASCADE | K_RESTRICT)?
  ;

truncateStmt
  : K_TRUNCATE K_TABLE? K_ONLY? qualifiedNameList ((K_RESTART | K_CONTINUE) K_IDENTITY)?
    (K_CASCADE | K_RESTRICT)?
  ;

alterTableStmt
  : K_ALTER K_TABLE qualifiedName alterAction (COMMA alterAction)*
  ;

alterAction
  : K_ADD tableConstraint                                       # addConstraintAction
  | K_ADD unsupportedTableConstraint                            # addUnsupportedConstraintAction
  | K_ADD K_COLUMN? (K_IF K_NOT K_EXISTS)? columnDef            # addColumnAction
  ;

createIndexStmt
  : K_CREATE K_UNIQUE? K_INDEX K_CONCURRENTLY? (K_IF K_NOT K_EXISTS)? identifier? K_ON K_ONLY?
    qualifiedName (K_USING identifier)? LPAREN indexElem (COMMA indexElem)* RPAREN
  ;

indexElem
  : identifier (K_ASC | K_DESC)? (K_NULLS (K_FIRST | K_LAST))?
  ;

dropIndexStmt
  : K_DROP K_INDEX K_CONCURRENTLY? (K_IF K_EXISTS)? qualifiedNameList (K_CASCADE | K_RESTRICT)?
  ;

// ---------------------------------------------------------------------------------------
// COPY

copyStmt
  : K_COPY (qualifiedName (LPAREN identList RPAREN)? | LPAREN selectStmt RPAREN)
    (K_FROM | K_TO) (identifier | STRING)
    (K_WITH? LPAREN copyOption (COMMA copyOption)* RPAREN | K_WITH? copyOldOption*)
  ;

copyOption
  : colLabel optionValue?
  ;

copyOldOption
  : colLabel K_AS? STRING?
  ;

// ---------------------------------------------------------------------------------------
// Transactions and sessions

beginStmt
  : (K_BEGIN (K_WORK | K_TRANSACTION)? | K_START K_TRANSACTION) transactionModes? asOfClause?
  ;

transactionModes
  : transactionMode (COMMA? transactionMode)*
  ;

transactionMode
  : K_ISOLATION K_LEVEL isolationLevel   # isolationMode
  | K_READ K_ONLY                        # readOnlyMode
  | K_READ K_WRITE                       # readWriteMode
  | K_NOT? K_DEFERRABLE                  # deferrableMode
  ;

isolationLevel
  : K_SERIALIZABLE
  | K_REPEATABLE K_READ
  | K_READ K_COMMITTED
  | K_READ K_UNCOMMITTED
  ;

commitStmt
  : (K_COMMIT | K_END) (K_WORK | K_TRANSACTION)? (K_AND K_NO? K_CHAIN)?
  ;

rollbackStmt
  : (K_ROLLBACK | K_ABORT) (K_WORK | K_TRANSACTION)? (K_AND K_NO? K_CHAIN)?
  | K_ROLLBACK (K_WORK | K_TRANSACTION)? K_TO K_SAVEPOINT? identifier
  ;

savepointStmt
  : K_SAVEPOINT identifier
  ;

releaseStmt
  : K_RELEASE K_SAVEPOINT? identifier
  ;

discardStmt
  : K_DISCARD (K_ALL | K_PLANS | K_SEQUENCES | K_TEMP | K_TEMPORARY)
  ;

setStmt
  : K_SET (K_SESSION | K_LOCAL)? setTarget
  ;

setTarget
  : K_TRANSACTION transactionModes                                      # setTransaction
  | K_SESSION K_CHARACTERISTICS K_AS K_TRANSACTION transactionModes     # setCharacteristics
  | K_TIME K_ZONE (K_DEFAULT | K_LOCAL | setValue)                      # setTimeZone
  | varName (K_TO | EQ) (K_DEFAULT | setValue (COMMA setValue)*)        # setVariable
  ;

setValue
  : STRING
  | (PLUS | MINUS)? (INTEGER | DECIMAL)
  | colLabel
  ;

varName
  : identifier (DOT identifier)*
  ;

showStmt
  : K_SHOW (K_ALL | K_TRANSACTION K_ISOLATION K_LEVEL | K_TIME K_ZONE | varName)
  ;

resetStmt
  : K_RESET (K_ALL | K_TIME K_ZONE | varName)
  ;

explainStmt
  : K_EXPLAIN (LPAREN explainOption (COMMA explainOption)* RPAREN
              | (K_ANALYZE | K_ANALYSE)? K_VERBOSE?) statement
  ;

explainOption
  : colLabel optionValue?
  ;

vacuumStmt
  : K_VACUUM (LPAREN explainOption (COMMA explainOption)* RPAREN)? K_FULL? K_FREEZE? K_VERBOSE?
    (K_ANALYZE | K_ANALYSE)? qualifiedNameList?
  ;

analyzeStmt
  : (K_ANALYZE | K_ANALYSE) K_VERBOSE? qualifiedNameList?
  ;

// ---------------------------------------------------------------------------------------
// Expressions, from lowest to highest precedence within each rule (ANTLR gives earlier
// alternatives of a left-recursive rule higher precedence, hence the reversed order).
// `expr` is PostgreSQL's a_expr; `aexpr` (arithmetic) is its b_expr, used where a boolean
// operator would be ambiguous (BETWEEN bounds, DEFAULT, AS OF SYSTEM TIME, OFFSET).

expr
  : aexpr                                                                  # arithExpr
  | expr K_NOT? (K_LIKE | K_ILIKE) aexpr (K_ESCAPE aexpr)?                 # likeExpr
  | expr K_NOT? K_SIMILAR K_TO aexpr (K_ESCAPE aexpr)?                     # similarExpr
  | expr K_NOT? K_BETWEEN K_SYMMETRIC? aexpr K_AND aexpr                   # betweenExpr
  | expr K_NOT? K_IN LPAREN (selectStmt | exprList) RPAREN                 # inExpr
  | expr compOp (K_ANY | K_SOME | K_ALL) LPAREN (selectStmt | expr) RPAREN  # quantifiedExpr
  | expr compOp expr                                                       # compareExpr
  | expr K_IS K_NOT? (K_NULL | K_TRUE | K_FALSE | K_UNKNOWN)               # isExpr
  | expr K_IS K_NOT? K_DISTINCT K_FROM expr                                # isDistinctExpr
  | expr (K_ISNULL | K_NOTNULL)                                            # nullTestExpr
  | K_NOT expr                                                             # notExpr
  | expr K_AND expr                                                        # andExpr
  | expr K_OR expr                                                         # orExpr
  ;

compOp
  : EQ | NEQ | NEQ2 | LT | LE | GT | GE
  ;

aexpr
  : primaryExpr                                     # primaryAexpr
  | aexpr TYPECAST typeName                         # castAexpr
  | aexpr LBRACKET expr (COLON expr)? RBRACKET      # subscriptAexpr
  | op=(PLUS | MINUS) aexpr                         # unaryAexpr
  | aexpr K_COLLATE qualifiedName                   # collateAexpr
  | aexpr CARET aexpr                               # binaryAexpr
  | aexpr (STAR | SLASH | PERCENT) aexpr            # binaryAexpr
  | aexpr (PLUS | MINUS) aexpr                      # binaryAexpr
  | aexpr otherOp aexpr                             # binaryAexpr
  | prefixOp aexpr                                  # prefixOpAexpr
  ;

otherOp
  : CONCAT | TILDE | NOT_TILDE | TILDE_STAR | NOT_TILDE_STAR | AMP | PIPE | HASH | SHL | SHR
  | CONTAINS | CONTAINED | OVERLAP | LIKE_OP | NOT_LIKE_OP | ATAT | ARROW | ARROW2 | HASH_ARROW
  | HASH_ARROW2 | AT
  | K_OPERATOR LPAREN (identifier DOT)* anyOperator RPAREN
  ;

prefixOp
  : TILDE
  | AT
  ;

anyOperator
  : compOp | otherOp | PLUS | MINUS | STAR | SLASH | PERCENT | CARET
  ;

primaryExpr
  : literal                                                          # literalExpr
  | PARAM                                                            # paramExpr
  | constTypeName STRING                                             # typedLiteralExpr
  | LPAREN selectStmt RPAREN                                         # subqueryExpr
  | K_EXISTS LPAREN selectStmt RPAREN                                # existsExpr
  | LPAREN expr RPAREN (DOT (colLabel | STAR))?                      # parenExpr
  | K_ARRAY LBRACKET exprList? RBRACKET                              # arrayExpr
  | K_ARRAY LPAREN selectStmt RPAREN                                 # arraySubqueryExpr
  | K_CASE expr? whenClause+ (K_ELSE expr)? K_END                    # caseExpr
  | K_CAST LPAREN expr K_AS typeName RPAREN                          # castExpr
  | K_EXTRACT LPAREN colLabel K_FROM expr RPAREN                     # extractExpr
  | K_SUBSTRING LPAREN expr (K_FROM expr)? (K_FOR expr)? RPAREN      # substringExpr
  | K_SUBSTRING LPAREN expr COMMA exprList RPAREN                    # substringCallExpr
  | K_TRIM LPAREN (K_BOTH | K_LEADING | K_TRAILING)? trimArgs RPAREN   # trimExpr
  | K_POSITION LPAREN aexpr K_IN aexpr RPAREN                        # positionExpr
  | sqlFunction                                                      # sqlFunctionExpr
  | functionCall                                                     # functionExpr
  | qualifiedName (DOT STAR)?                                        # columnRefExpr
  ;

trimArgs
  : expr? K_FROM exprList
  | exprList
  ;

whenClause
  : K_WHEN expr K_THEN expr
  ;

// Functions PostgreSQL spells without parentheses.
sqlFunction
  : K_CURRENT_DATE
  | (K_CURRENT_TIME | K_CURRENT_TIMESTAMP | K_LOCALTIME | K_LOCALTIMESTAMP)
    (LPAREN INTEGER RPAREN)?
  | K_CURRENT_USER
  | K_CURRENT_ROLE
  | K_SESSION_USER
  | K_USER
  | K_CURRENT_CATALOG
  | K_CURRENT_SCHEMA (LPAREN RPAREN)?
  ;

functionCall
  : funcName LPAREN (STAR | (K_DISTINCT | K_ALL)? exprList)? RPAREN overClause?
  ;

funcName
  : (IDENT | QUOTED_IDENT | unreservedKeyword | K_LEFT | K_RIGHT) (DOT colLabel)*
  ;

overClause
  : K_OVER LPAREN (K_PARTITION K_BY exprList)? orderByClause? RPAREN
  ;

literal
  : INTEGER
  | DECIMAL
  | STRING
  | ESTRING
  | DOLLAR_STRING
  | K_TRUE
  | K_FALSE
  | K_NULL
  ;

exprList
  : expr (COMMA expr)*
  ;

// ---------------------------------------------------------------------------------------
// Types

typeName
  : baseTypeName (LBRACKET INTEGER? RBRACKET)*
  ;

baseTypeName
  : K_DOUBLE K_PRECISION                                           # doubleType
  | K_CHARACTER K_VARYING? typeModifiers?                         # characterType
  | (K_TIMESTAMP | K_TIME) typeModifiers? timeZoneSuffix?          # timeType
  | K_INTERVAL                                                     # intervalType
  | typeIdent (DOT colLabel)* typeModifiers?                       # namedType
  ;

timeZoneSuffix
  : (K_WITH | K_WITHOUT) K_TIME K_ZONE
  ;

typeModifiers
  : LPAREN (PLUS | MINUS)? INTEGER (COMMA (PLUS | MINUS)? INTEGER)* RPAREN
  ;

constTypeName
  : K_DOUBLE K_PRECISION
  | K_CHARACTER K_VARYING?
  | (K_TIMESTAMP | K_TIME) timeZoneSuffix?
  | K_INTERVAL
  | typeIdent (DOT colLabel)*
  ;

typeIdent
  : IDENT
  | QUOTED_IDENT
  | unreservedKeyword
  ;

// ---------------------------------------------------------------------------------------
// Names

qualifiedName
  : identifier (DOT colLabel)*
  ;

qualifiedNameList
  : qualifiedName (COMMA qualifiedName)*
  ;

identList
  : identifier (COMMA identifier)*
  ;

identifier
  : IDENT
  | QUOTED_IDENT
  | unreservedKeyword
  | colNameKeyword
  ;

colLabel
  : identifier
  | reservedKeyword
  ;

unreservedKeyword
  : K_ABORT
  | K_ADD
  | K_ALTER
  | K_ANALYSE
  | K_ANALYZE
  | K_BEGIN
  | K_BY
  | K_CASCADE
  | K_CHAIN
  | K_CHARACTERISTICS
  | K_COMMIT
  | K_COMMITTED
  | K_CONCURRENTLY
  | K_CONFLICT
  | K_CONTINUE
  | K_COPY
  | K_DEFERRABLE
  | K_DELETE
  | K_DROP
  | K_ESCAPE
  | K_EXPLAIN
  | K_FIRST
  | K_FREEZE
  | K_IDENTITY
  | K_IF
  | K_INDEX
  | K_INSERT
  | K_ISOLATION
  | K_KEY
  | K_LAST
  | K_LEVEL
  | K_LOCAL
  | K_LOCKED
  | K_NEXT
  | K_NO
  | K_NOTHING
  | K_NOWAIT
  | K_NULLS
  | K_PARTITION
  | K_READ
  | K_REPEATABLE
  | K_RECURSIVE
  | K_MATERIALIZED
  | K_RELEASE
  | K_RESET
  | K_RESTART
  | K_RESTRICT
  | K_ROLLBACK
  | K_ROW
  | K_ROWS
  | K_SERIALIZABLE
  | K_SESSION
  | K_SET
  | K_SHARE
  | K_SHOW
  | K_SKIP
  | K_START
  | K_SYSTEM
  | K_SAVEPOINT
  | K_SEQUENCES
  | K_PLANS
  | K_DISCARD
  | K_TEMP
  | K_TEMPORARY
  | K_TRANSACTION
  | K_TRUNCATE
  | K_UNCOMMITTED
  | K_UNKNOWN
  | K_UNLOGGED
  | K_UPDATE
  | K_VACUUM
  | K_VARYING
  | K_VERBOSE
  | K_WITHOUT
  | K_WORK
  | K_WRITE
  | K_ZONE
  ;

colNameKeyword
  : K_CHARACTER
  | K_DOUBLE
  | K_EXTRACT
  | K_INTERVAL
  | K_POSITION
  | K_PRECISION
  | K_SUBSTRING
  | K_TIME
  | K_TIMESTAMP
  | K_TRIM
  ;

reservedKeyword
  : K_ALL
  | K_AND
  | K_ANY
  | K_ARRAY
  | K_AS
  | K_ASC
  | K_BETWEEN
  | K_BOTH
  | K_CASE
  | K_CHECK
  | K_CAST
  | K_COLLATE
  | K_COLUMN
  | K_CONSTRAINT
  | K_CREATE
  | K_CROSS
  | K_CURRENT_CATALOG
  | K_CURRENT_DATE
  | K_CURRENT_ROLE
  | K_CURRENT_SCHEMA
  | K_CURRENT_TIME
  | K_CURRENT_TIMESTAMP
  | K_CURRENT_USER
  | K_DEFAULT
  | K_DESC
  | K_DISTINCT
  | K_DO
  | K_ELSE
  | K_END
  | K_EXCEPT
  | K_EXISTS
  | K_FALSE
  | K_FETCH
  | K_FOR
  | K_FOREIGN
  | K_FROM
  | K_FULL
  | K_GROUP
  | K_HAVING
  | K_ILIKE
  | K_IN
  | K_INNER
  | K_INTERSECT
  | K_INTO
  | K_IS
  | K_ISNULL
  | K_JOIN
  | K_LATERAL
  | K_LEADING
  | K_LEFT
  | K_LIKE
  | K_LIMIT
  | K_LOCALTIME
  | K_LOCALTIMESTAMP
  | K_NATURAL
  | K_NOT
  | K_NOTNULL
  | K_NULL
  | K_OF
  | K_OFFSET
  | K_ON
  | K_ONLY
  | K_OPERATOR
  | K_OR
  | K_ORDER
  | K_OUTER
  | K_OVER
  | K_PRIMARY
  | K_REFERENCES
  | K_RETURNING
  | K_RIGHT
  | K_SELECT
  | K_SESSION_USER
  | K_SIMILAR
  | K_SOME
  | K_SYMMETRIC
  | K_TABLE
  | K_THEN
  | K_TO
  | K_TRAILING
  | K_TRUE
  | K_UNION
  | K_UNIQUE
  | K_USER
  | K_USING
  | K_VALUES
  | K_WHEN
  | K_WHERE
  | K_WITH
  ;

// ---------------------------------------------------------------------------------------
// Lexer

SEMI : ';' ;
COMMA : ',' ;
DOT : '.' ;
LPAREN : '(' ;
RPAREN : ')' ;
LBRACKET : '[' ;
RBRACKET : ']' ;
TYPECAST : '::' ;
COLON : ':' ;
EQ : '=' ;
NEQ : '<>' ;
NEQ2 : '!=' ;
LT : '<' ;
LE : '<=' ;
GT : '>' ;
GE : '>=' ;
PLUS : '+' ;
MINUS : '-' ;
STAR : '*' ;
SLASH : '/' ;
PERCENT : '%' ;
CARET : '^' ;
CONCAT : '||' ;
TILDE : '~' ;
NOT_TILDE : '!~' ;
TILDE_STAR : '~*' ;
NOT_TILDE_STAR : '!~*' ;
AMP : '&' ;
PIPE : '|' ;
HASH : '#' ;
SHL : '<<' ;
SHR : '>>' ;
CONTAINS : '@>' ;
CONTAINED : '<@' ;
OVERLAP : '&&' ;
LIKE_OP : '~~' ;
NOT_LIKE_OP : '!~~' ;
ATAT : '@@' ;
ARROW : '->' ;
ARROW2 : '->>' ;
HASH_ARROW : '#>' ;
HASH_ARROW2 : '#>>' ;
AT : '@' ;

// Keywords (before IDENT: on a tie the first rule wins).
K_ABORT : A B O R T ;
K_ADD : A D D ;
K_ALL : A L L ;
K_ALTER : A L T E R ;
K_ANALYSE : A N A L Y S E ;
K_ANALYZE : A N A L Y Z E ;
K_AND : A N D ;
K_ANY : A N Y ;
K_ARRAY : A R R A Y ;
K_AS : A S ;
K_ASC : A S C ;
K_BEGIN : B E G I N ;
K_BETWEEN : B E T W E E N ;
K_BOTH : B O T H ;
K_BY : B Y ;
K_CASCADE : C A S C A D E ;
K_CHECK : C H E C K ;
K_CASE : C A S E ;
K_CAST : C A S T ;
K_CHAIN : C H A I N ;
K_CHARACTER : C H A R A C T E R ;
K_CHARACTERISTICS : C H A R A C T E R I S T I C S ;
K_COLLATE : C O L L A T E ;
K_COLUMN : C O L U M N ;
K_COMMIT : C O M M I T ;
K_COMMITTED : C O M M I T T E D ;
K_CONCURRENTLY : C O N C U R R E N T L Y ;
K_CONFLICT : C O N F L I C T ;
K_CONSTRAINT : C O N S T R A I N T ;
K_CONTINUE : C O N T I N U E ;
K_COPY : C O P Y ;
K_CREATE : C R E A T E ;
K_CROSS : C R O S S ;
K_CURRENT_CATALOG : C U R R E N T '_' C A T A L O G ;
K_CURRENT_DATE : C U R R E N T '_' D A T E ;
K_CURRENT_ROLE : C U R R E N T '_' R O L E ;
K_CURRENT_SCHEMA : C U R R E N T '_' S C H E M A ;
K_CURRENT_TIME : C U R R E N T '_' T I M E ;
K_CURRENT_TIMESTAMP : C U R R E N T '_' T I M E S T A M P ;
K_CURRENT_USER : C U R R E N T '_' U S E R ;
K_DEFAULT : D E F A U L T ;
K_DEFERRABLE : D E F E R R A B L E ;
K_DELETE : D E L E T E ;
K_DESC : D E S C ;
K_DISTINCT : D I S T I N C T ;
K_DO : D O ;
K_DOUBLE : D O U B L E ;
K_DROP : D R O P ;
K_ELSE : E L S E ;
K_END : E N D ;
K_ESCAPE : E S C A P E ;
K_EXCEPT : E X C E P T ;
K_EXISTS : E X I S T S ;
K_EXPLAIN : E X P L A I N ;
K_EXTRACT : E X T R A C T ;
K_FALSE : F A L S E ;
K_FETCH : F E T C H ;
K_FIRST : F I R S T ;
K_FOR : F O R ;
K_FOREIGN : F O R E I G N ;
K_FREEZE : F R E E Z E ;
K_FROM : F R O M ;
K_FULL : F U L L ;
K_GROUP : G R O U P ;
K_HAVING : H A V I N G ;
K_IDENTITY : I D E N T I T Y ;
K_IF : I F ;
K_ILIKE : I L I K E ;
K_IN : I N ;
K_INDEX : I N D E X ;
K_INNER : I N N E R ;
K_INSERT : I N S E R T ;
K_INTERSECT : I N T E R S E C T ;
K_INTERVAL : I N T E R V A L ;
K_INTO : I N T O ;
K_IS : I S ;
K_ISNULL : I S N U L L ;
K_ISOLATION : I S O L A T I O N ;
K_JOIN : J O I N ;
K_KEY : K E Y ;
K_LAST : L A S T ;
K_LATERAL : L A T E R A L ;
K_LEADING : L E A D I N G ;
K_LEFT : L E F T ;
K_LEVEL : L E V E L ;
K_LIKE : L I K E ;
K_LIMIT : L I M I T ;
K_LOCAL : L O C A L ;
K_LOCALTIME : L O C A L T I M E ;
K_LOCALTIMESTAMP : L O C A L T I M E S T A M P ;
K_LOCKED : L O C K E D ;
K_NATURAL : N A T U R A L ;
K_NEXT : N E X T ;
K_NO : N O ;
K_NOT : N O T ;
K_NOTHING : N O T H I N G ;
K_NOTNULL : N O T N U L L ;
K_NOWAIT : N O W A I T ;
K_NULL : N U L L ;
K_NULLS : N U L L S ;
K_OF : O F ;
K_OFFSET : O F F S E T ;
K_ON : O N ;
K_ONLY : O N L Y ;
K_OPERATOR : O P E R A T O R ;
K_OR : O R ;
K_ORDER : O R D E R ;
K_OUTER : O U T E R ;
K_OVER : O V E R ;
K_PARTITION : P A R T I T I O N ;
K_POSITION : P O S I T I O N ;
K_PRECISION : P R E C I S I O N ;
K_PRIMARY : P R I M A R Y ;
K_READ : R E A D ;
K_REFERENCES : R E F E R E N C E S ;
K_REPEATABLE : R E P E A T A B L E ;
K_RELEASE : R E L E A S E ;
K_RECURSIVE : R E C U R S I V E ;
K_MATERIALIZED : M A T E R I A L I Z E D ;
K_RESET : R E S E T ;
K_SAVEPOINT : S A V E P O I N T ;
K_SEQUENCES : S E Q U E N C E S ;
K_PLANS : P L A N S ;
K_DISCARD : D I S C A R D ;
K_RESTART : R E S T A R T ;
K_RESTRICT : R E S T R I C T ;
K_RETURNING : R E T U R N I N G ;
K_RIGHT : R I G H T ;
K_ROLLBACK : R O L L B A C K ;
K_ROW : R O W ;
K_ROWS : R O W S ;
K_SELECT : S E L E C T ;
K_SERIALIZABLE : S E R I A L I Z A B L E ;
K_SESSION : S E S S I O N ;
K_SESSION_USER : S E S S I O N '_' U S E R ;
K_SET : S E T ;
K_SHARE : S H A R E ;
K_SHOW : S H O W ;
K_SIMILAR : S I M I L A R ;
K_SKIP : S K I P ;
K_SOME : S O M E ;
K_START : S T A R T ;
K_SUBSTRING : S U B S T R I N G ;
K_SYMMETRIC : S Y M M E T R I C ;
K_SYSTEM : S Y S T E M ;
K_TABLE : T A B L E ;
K_TEMP : T E M P ;
K_TEMPORARY : T E M P O R A R Y ;
K_THEN : T H E N ;
K_TIME : T I M E ;
K_TIMESTAMP : T I M E S T A M P ;
K_TO : T O ;
K_TRAILING : T R A I L I N G ;
K_TRANSACTION : T R A N S A C T I O N ;
K_TRIM : T R I M ;
K_TRUE : T R U E ;
K_TRUNCATE : T R U N C A T E ;
K_UNCOMMITTED : U N C O M M I T T E D ;
K_UNION : U N I O N ;
K_UNIQUE : U N I Q U E ;
K_UNKNOWN : U N K N O W N ;
K_UNLOGGED : U N L O G G E D ;
K_UPDATE : U P D A T E ;
K_USER : U S E R ;
K_USING : U S I N G ;
K_VACUUM : V A C U U M ;
K_VALUES : V A L U E S ;
K_VARYING : V A R Y I N G ;
K_VERBOSE : V E R B O S E ;
K_WHEN : W H E N ;
K_WHERE : W H E R E ;
K_WITH : W I T H ;
K_WITHOUT : W I T H O U T ;
K_WORK : W O R K ;
K_WRITE : W R I T E ;
K_ZONE : Z O N E ;

PARAM : '$' [0-9]+ ;
INTEGER : [0-9]+ ;
DECIMAL
  : [0-9]+ '.' [0-9]* EXPONENT?
  | '.' [0-9]+ EXPONENT?
  | [0-9]+ EXPONENT
  ;
fragment EXPONENT : [eE] [+-]? [0-9]+ ;

STRING : '\'' (~'\'' | '\'\'')* '\'' ;
ESTRING : [eE] '\'' (~['\\] | '\'\'' | '\\' .)* '\'' ;
DOLLAR_STRING : '$$' .*? '$$' ;

IDENT : [a-zA-Z_\u0080-\uFFFF] [a-zA-Z_0-9$\u0080-\uFFFF]* ;
QUOTED_IDENT : '"' (~'"' | '""')+ '"' ;

LINE_COMMENT : '--' ~[\r\n]* -> skip ;
BLOCK_COMMENT : '/*' (BLOCK_COMMENT | .)*? '*/' -> skip ;
WS : [ \t\r\n\f\u000B]+ -> skip ;

// Anything else (a stray character, the quote of an unterminated string) becomes a token
// of its own so that the parser reports it with its position.
ERROR_CHAR : . ;

fragment A : [aA] ; fragment B : [bB] ; fragment C : [cC] ; fragment D : [dD] ;
fragment E : [eE] ; fragment F : [fF] ; fragment G : [gG] ; fragment H : [hH] ;
fragment I : [iI] ; fragment J : [jJ] ; fragment K : [kK] ; fragment L : [lL] ;
fragment M : [mM] ; fragment N : [nN] ; fragment O : [oO] ; fragment P : [pP] ;
fragment Q : [qQ] ; fragment R : [rR] ; fragment S : [sS] ; fragment T : [tT] ;
fragment U : [uU] ; fragment V : [vV] ; fragment W : [wW] ; fragment X : [xX] ;
fragment Y : [yY] ; fragment Z : [zZ] ;
