package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// benchSecretKey is the secret key of the bench databases (hex of 32
// bytes): it only seals the generated mailbox's password.
const benchSecretKey = "62656e63682d6b65792d62656e63682d6b65792d62656e63682d6b65792d2121"

// database is where one measurement imports to: a fresh SQLite file, or a
// fresh schema in the PostgreSQL database of -postgres.
type database struct {
	dsn     string // wfe --db
	blobDir string
	drop    func()
}

func newDatabase(ctx context.Context, o options, c benchCase, dir string) (*database, error) {
	sub, err := os.MkdirTemp(dir, "db-")
	if err != nil {
		return nil, err
	}
	d := &database{dsn: filepath.Join(sub, "wfe.db"), blobDir: filepath.Join(sub, "blobs"), drop: func() { os.RemoveAll(sub) }}
	if !c.postgres {
		return d, nil
	}
	schema, dsn, err := postgresSchema(ctx, o.postgres)
	if err != nil {
		return nil, err
	}
	removeSub := d.drop
	d.dsn = dsn
	d.drop = func() {
		removeSub()
		if o.keep {
			fmt.Printf("PostgreSQL schema %s (kept)\n", schema)
			return
		}
		if err := dropSchema(o.postgres, schema); err != nil {
			fmt.Fprintf(os.Stderr, "benchimport: drop schema %s: %v\n", schema, err)
		}
	}
	return d, nil
}

// postgresSchema creates a fresh schema in the database at base and
// returns its name and a URL whose search_path selects it.
func postgresSchema(ctx context.Context, base string) (schema, dsn string, err error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", "", fmt.Errorf("-postgres: %w", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema = "wfe_bench_" + hex.EncodeToString(b)
	if err := execPostgres(base, "CREATE SCHEMA "+schema); err != nil {
		return "", "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return schema, u.String(), nil
}

func dropSchema(base, schema string) error {
	return execPostgres(base, "DROP SCHEMA "+schema+" CASCADE")
}

func execPostgres(base, stmt string) error {
	db, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL (-postgres): %w", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	if err := db.Exec(stmt).Error; err != nil {
		return fmt.Errorf("PostgreSQL: %s: %w", stmt, err)
	}
	return nil
}
