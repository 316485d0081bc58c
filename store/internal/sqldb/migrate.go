package sqldb

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the dialect's migrations in version order. A file is
// named NNNN_name.sql; versions start at 1 and have no gaps.
func migrations(d Dialect) ([]migration, error) {
	dir := "migrations/" + string(d)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("migration %s/%s: name must be NNNN_name.sql", dir, e.Name())
		}
		b, err := migrationFS.ReadFile(path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s/%s: expected version %d", dir, m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the highest migration version this wfe knows.
func SchemaVersion() int {
	ms, err := migrations(SQLite)
	if err != nil {
		panic(err)
	}
	return len(ms)
}

// CurrentSchemaVersion is the version recorded in the database.
func (d *DB) CurrentSchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := d.WithContext(ctx).Raw("SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&v).Error
	return v, err
}

// migrate applies the migrations the database has not seen yet, in one
// transaction.
func (d *DB) migrate(ctx context.Context) error {
	ms, err := migrations(d.Dialect)
	if err != nil {
		return err
	}
	known := len(ms)
	return d.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if d.Dialect == Postgres {
			// one node migrates at a time
			if err := tx.Exec("SELECT pg_advisory_xact_lock(7423911)").Error; err != nil {
				return fmt.Errorf("migrate: lock: %w", err)
			}
		}
		if err := tx.Exec(`CREATE TABLE IF NOT EXISTS schema_version (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at TEXT NOT NULL)`).Error; err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		var cur int
		if err := tx.Raw("SELECT COALESCE(MAX(version), 0) FROM schema_version").Scan(&cur).Error; err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		if cur > known {
			return fmt.Errorf("database schema version %d is newer than this wfe (knows up to %d): upgrade wfe: %w", cur, known, ErrSchemaTooNew)
		}
		for _, m := range ms[cur:] {
			if err := tx.Exec(m.sql).Error; err != nil {
				return fmt.Errorf("migrate %s/%s: %w", d.Dialect, m.name, err)
			}
			if err := tx.Exec("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
				m.version, m.name, d.Now().Format("2006-01-02T15:04:05Z")).Error; err != nil {
				return fmt.Errorf("migrate %s/%s: %w", d.Dialect, m.name, err)
			}
		}
		return nil
	})
}
