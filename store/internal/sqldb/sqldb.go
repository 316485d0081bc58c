// Package sqldb is the store's base: it opens the one gorm handle every
// concern of the store shares (SQLite file or PostgreSQL URL), applies the
// one migration sequence, and holds the clock, the sentinel errors and the
// helpers all concerns use. It is internal to the store: packages outside
// store/ never see a database handle.
package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Dialect names the database kind.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the open database: the gorm handle (embedded, so a concern writes
// s.db.WithContext(ctx)), its dialect and the store's clock.
type DB struct {
	*gorm.DB
	Dialect Dialect
	// Path is the SQLite file path ("" on PostgreSQL).
	Path string
	now  func() time.Time
	// checkpoints checkpoints the SQLite file's log (nil on PostgreSQL)
	checkpoints *checkpointer
}

// Now is the store's clock in UTC.
func (d *DB) Now() time.Time { return d.now().UTC() }

// Open opens and migrates the database named by dsn: a SQLite file path or
// a postgres:// (postgresql://) URL. now is the store's clock (nil:
// time.Now).
func Open(ctx context.Context, dsn string, now func() time.Time) (*DB, error) {
	if dsn == "" {
		return nil, fmt.Errorf("open store: empty database name")
	}
	if now == nil {
		now = time.Now
	}
	d := &DB{now: now}
	dial, err := d.dialector(dsn)
	if err != nil {
		return nil, err
	}
	d.DB, err = gorm.Open(dial, &gorm.Config{
		TranslateError:         true,
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                d.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", RedactDSN(dsn), err)
	}
	if d.Dialect == SQLite {
		if err := d.checkSQLitePragmas(ctx); err != nil {
			d.Close()
			return nil, err
		}
		d.startCheckpointer(writeQueueFor(d.Path))
	}
	if err := d.migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// busyTimeout is how long a SQLite write waits for another process's
// write lock before it fails with SQLITE_BUSY; the writes of this process
// wait for each other in the file's writeQueue instead.
var busyTimeout = 10 * time.Second

// dialector sets the dialect (and the SQLite path) from dsn.
func (d *DB) dialector(dsn string) (gorm.Dialector, error) {
	if IsPostgres(dsn) {
		d.Dialect = Postgres
		return postgres.Open(dsn), nil
	}
	d.Dialect, d.Path = SQLite, dsn
	if strings.ContainsAny(dsn, "?#") {
		return nil, fmt.Errorf("open store %s: a SQLite path must not contain '?' or '#'", dsn)
	}
	if dir := filepath.Dir(dsn); dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("open store %s: %w", dsn, err)
		}
	}
	if fi, err := os.Stat(dsn); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("open store %s: is a directory, not a SQLite database file: %w", dsn, ErrInvalid)
	}
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	q.Add("_pragma", "synchronous(NORMAL)")
	// 512 KiB of page cache per connection instead of SQLite's 2 MiB: the
	// import writes pages once and reads few twice, the operating system
	// caches the file anyway, and an import holds several connections
	// (peak RSS of a 4,000-mail import 64-65 -> 60-63 MiB, no slower).
	q.Add("_pragma", "cache_size(-512)")
	// the log is checkpointed outside the write turn (checkpoint.go)
	q.Add("_pragma", "wal_autocheckpoint(0)")
	// Writers take the lock when their transaction begins, so a
	// transaction that reads first never fails to upgrade (SQLITE_BUSY
	// without waiting). The driver ignores _txlock when _time_format is
	// given, so times keep the driver's default format; the store writes
	// UTC only, which keeps them comparable as text.
	q.Set("_txlock", "immediate")
	full := dsn + "?" + q.Encode()
	return &sqlite.Dialector{DSN: full, Conn: openSQLite(dsn, full)}, nil
}

// IsPostgres tells whether dsn is a PostgreSQL URL.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// RedactDSN returns dsn fit for messages and help texts: a postgres URL
// without its password (in the user part or as a query parameter).
func RedactDSN(dsn string) string {
	if !IsPostgres(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func (d *DB) checkSQLitePragmas(ctx context.Context) error {
	var fk int
	if err := d.WithContext(ctx).Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil {
		return fmt.Errorf("open store %s: %w", d.Path, err)
	}
	if fk != 1 {
		return fmt.Errorf("open store %s: foreign key enforcement could not be switched on", d.Path)
	}
	var mode string
	if err := d.WithContext(ctx).Raw("PRAGMA journal_mode").Scan(&mode).Error; err != nil {
		return fmt.Errorf("open store %s: %w", d.Path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("open store %s: journal mode is %q, want wal", d.Path, mode)
	}
	return nil
}

// Close closes the connection pool.
func (d *DB) Close() error {
	if d == nil || d.DB == nil {
		return nil
	}
	d.checkpoints.close()
	d.checkpoints = nil
	sqlDB, err := d.SQL()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// SQL returns the database/sql pool under the gorm handle (for prepared
// statements and pool settings).
func (d *DB) SQL() (*sql.DB, error) { return d.DB.DB() }
