package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strings"

	gosqlite "github.com/glebarez/go-sqlite"
)

// sqliteConnector opens connections of the pure-Go SQLite driver whose
// writes go through the file's writeQueue.
type sqliteConnector struct {
	dsn   string
	drv   driver.Driver
	queue *writeQueue
}

func newSQLiteConnector(path, dsn string) *sqliteConnector {
	return &sqliteConnector{dsn: dsn, drv: registeredSQLite(), queue: writeQueueFor(path)}
}

// registeredSQLite is the driver the SQLite package registered (with the
// functions registered on it), not a bare copy.
func registeredSQLite() driver.Driver {
	db, err := sql.Open("sqlite", "")
	if err != nil {
		return &gosqlite.Driver{}
	}
	defer db.Close()
	return db.Driver()
}

func (c *sqliteConnector) Driver() driver.Driver { return c.drv }

func (c *sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	inner, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	full, ok := inner.(sqliteConn)
	if !ok {
		inner.Close()
		return nil, fmt.Errorf("SQLite driver connection %T lacks context methods", inner)
	}
	return &queuedConn{sqliteConn: full, queue: c.queue}, nil
}

// sqliteConn is what the driver's connection offers.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
}

// queuedConn is a driver connection whose write transactions and write
// statements outside a transaction hold the queue's turn. database/sql
// uses a connection from one goroutine at a time, so inTx needs no lock.
type queuedConn struct {
	sqliteConn
	queue *writeQueue
	inTx  bool
}

func (c *queuedConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx waits for the write turn unless the transaction is read-only
// (transactions begin IMMEDIATE, taking SQLite's write lock at once).
func (c *queuedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.ReadOnly {
		return c.sqliteConn.BeginTx(ctx, opts)
	}
	if err := c.acquire(ctx); err != nil {
		return nil, err
	}
	tx, err := c.sqliteConn.BeginTx(ctx, opts)
	if err != nil {
		c.queue.release()
		return nil, err
	}
	c.inTx = true
	return &queuedTx{Tx: tx, c: c}, nil
}

// turn takes the write turn for a statement of query outside a
// transaction; done gives it back (a no-op when none was taken).
func (c *queuedConn) turn(ctx context.Context, query string, exec bool) (done func(), err error) {
	if c.inTx || (!exec && readsOnly(query)) {
		return func() {}, nil
	}
	if err := c.acquire(ctx); err != nil {
		return nil, err
	}
	return c.queue.release, nil
}

// acquire waits for the write turn; a long write-ahead log is
// checkpointed first (checkpoint.go).
func (c *queuedConn) acquire(ctx context.Context) error {
	if err := c.queue.acquire(ctx); err != nil {
		return err
	}
	if c.queue.restartWanted.CompareAndSwap(true, false) {
		checkpointInTurn(ctx, c.sqliteConn)
	}
	return nil
}

func (c *queuedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	done, err := c.turn(ctx, query, true)
	if err != nil {
		return nil, err
	}
	defer done()
	return c.sqliteConn.ExecContext(ctx, query, args)
}

func (c *queuedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	done, err := c.turn(ctx, query, false)
	if err != nil {
		return nil, err
	}
	rows, err := c.sqliteConn.QueryContext(ctx, query, args)
	return heldRows(rows, err, done)
}

func (c *queuedConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *queuedConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.sqliteConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	full, ok := st.(sqliteStmt)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("SQLite driver statement %T lacks context methods", st)
	}
	return &queuedStmt{sqliteStmt: full, c: c, query: query}, nil
}

// Close gives back the turn of a transaction the connection still holds
// (a connection closed as broken in the middle of one).
func (c *queuedConn) Close() error {
	if c.inTx {
		c.inTx = false
		c.queue.release()
	}
	return c.sqliteConn.Close()
}

// queuedTx gives the turn back when the transaction ends.
type queuedTx struct {
	driver.Tx
	c *queuedConn
}

func (t *queuedTx) Commit() error   { defer t.end(); return t.Tx.Commit() }
func (t *queuedTx) Rollback() error { defer t.end(); return t.Tx.Rollback() }

func (t *queuedTx) end() {
	if t.c.inTx {
		t.c.inTx = false
		t.c.queue.release()
	}
}

// sqliteStmt is what the driver's prepared statement offers.
type sqliteStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// queuedStmt is a prepared statement whose executions outside a
// transaction take the write turn as its connection's statements do.
type queuedStmt struct {
	sqliteStmt
	c     *queuedConn
	query string
}

func (s *queuedStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	done, err := s.c.turn(ctx, s.query, true)
	if err != nil {
		return nil, err
	}
	defer done()
	return s.sqliteStmt.ExecContext(ctx, args)
}

func (s *queuedStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	done, err := s.c.turn(ctx, s.query, false)
	if err != nil {
		return nil, err
	}
	rows, err := s.sqliteStmt.QueryContext(ctx, args)
	return heldRows(rows, err, done)
}

// Exec and Query are the pre-context methods database/sql no longer
// calls when the context ones exist; they are here so that the embedded
// ones, which bypass the queue, are never reached.
func (s *queuedStmt) Exec(args []driver.Value) (driver.Result, error) {
	return s.ExecContext(context.Background(), named(args))
}

func (s *queuedStmt) Query(args []driver.Value) (driver.Rows, error) {
	return s.QueryContext(context.Background(), named(args))
}

func named(args []driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(args))
	for i, v := range args {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// heldRows keeps the turn of a writing query (INSERT ... RETURNING) until
// its rows are closed, since SQLite holds its write lock until then.
func heldRows(rows driver.Rows, err error, done func()) (driver.Rows, error) {
	if err != nil {
		done()
		return nil, err
	}
	full, ok := rows.(sqliteRows)
	if !ok {
		done()
		return rows, nil
	}
	return &queuedRows{sqliteRows: full, done: done}, nil
}

// sqliteRows is what the driver's rows offer (the column type methods
// gorm reads).
type sqliteRows interface {
	driver.Rows
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypeNullable
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

type queuedRows struct {
	sqliteRows
	done func()
}

func (r *queuedRows) Close() error {
	err := r.sqliteRows.Close()
	if r.done != nil {
		r.done()
		r.done = nil
	}
	return err
}

// readsOnly tells whether query only reads: it begins with SELECT,
// EXPLAIN or PRAGMA, or with WITH and names no writing statement. Any
// other statement is taken as a write.
func readsOnly(query string) bool {
	q := strings.ToUpper(strings.TrimSpace(query))
	switch {
	case strings.HasPrefix(q, "SELECT"), strings.HasPrefix(q, "EXPLAIN"), strings.HasPrefix(q, "PRAGMA"):
		return true
	case strings.HasPrefix(q, "WITH"):
		for _, w := range []string{"INSERT", "UPDATE", "DELETE", "REPLACE"} {
			if strings.Contains(q, w) {
				return false
			}
		}
		return true
	}
	return false
}

var _ driver.Connector = (*sqliteConnector)(nil)

// openSQLite opens the pool of the SQLite file path (dsn: path with the
// driver's query parameters) through the file's write queue.
func openSQLite(path, dsn string) *sql.DB {
	return sql.OpenDB(newSQLiteConnector(path, dsn))
}
