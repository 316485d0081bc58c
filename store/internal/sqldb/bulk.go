package sqldb

import "gorm.io/gorm"

// InsertChunk bounds the rows of one multi-row INSERT (SQLite and
// PostgreSQL limit the bound parameters of a statement).
const InsertChunk = 200

// sqliteParams bounds the bound parameters of one multi-row INSERT on
// SQLite: the pure-Go driver matches each parameter to its argument by a
// linear search, so binding a statement costs the square of its
// parameters, while each statement is compiled anew. BenchmarkCommitImport100
// on SQLite: 8,500 mails/s with 200 rows per statement, 10,500 with 256
// parameters, 11,200 with 1,024, 10,200 with 2,048.
const sqliteParams = 1024

// RowsPerInsert is how many rows of model one multi-row INSERT takes:
// limit on PostgreSQL, on SQLite as many as fit into sqliteParams.
func RowsPerInsert(tx *gorm.DB, model any, limit int) int {
	if tx.Dialector.Name() != "sqlite" {
		return limit
	}
	stmt := &gorm.Statement{DB: tx}
	if err := stmt.Parse(model); err != nil || len(stmt.Schema.DBNames) == 0 {
		return limit
	}
	return max(1, min(limit, sqliteParams/len(stmt.Schema.DBNames)))
}
