// Package storetest opens fresh stores for tests: SQLite in a temporary
// directory always, PostgreSQL (an isolated schema per test) when
// WFE_TEST_POSTGRES holds a URL.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/wfehq/wfe/store"
)

// TestKey is the secret key the helpers open stores with.
const TestKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=" // base64 of 32 bytes

// Open returns a migrated store on a fresh SQLite file in t.TempDir(),
// closed when the test ends. Extra options come after the defaults.
func Open(t testing.TB, opts ...store.Option) *store.Store {
	t.Helper()
	return OpenPath(t, filepath.Join(t.TempDir(), "wfe.db"), opts...)
}

// OpenPath opens a SQLite store at path (closed when the test ends).
func OpenPath(t testing.TB, path string, opts ...store.Option) *store.Store {
	t.Helper()
	opts = append([]store.Option{store.WithSecretKey(TestKey)}, opts...)
	s, err := store.Open(context.Background(), path, opts...)
	if err != nil {
		t.Fatalf("open SQLite store %s: %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// PostgresURL returns the PostgreSQL URL for tests, or skips (fails when
// WFE_REQUIRE_SERVERS=1) when WFE_TEST_POSTGRES is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv("WFE_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("WFE_REQUIRE_SERVERS") == "1" {
			t.Fatal("WFE_TEST_POSTGRES is empty but WFE_REQUIRE_SERVERS=1: PostgreSQL is required")
		}
		t.Skip("PostgreSQL not configured: set WFE_TEST_POSTGRES=postgres://... to run this test on PostgreSQL")
	}
	return u
}

// PostgresDSN creates a fresh schema t_<random> and returns a URL whose
// search_path selects it; the schema is dropped when the test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("connect to PostgreSQL (WFE_TEST_POSTGRES): %v", err)
	}
	sqlDB, err := admin.DB()
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schemaName := "t_" + hex.EncodeToString(b)
	if err := admin.Exec("CREATE SCHEMA " + schemaName).Error; err != nil {
		sqlDB.Close()
		t.Fatalf("create schema %s: %v", schemaName, err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schemaName + " CASCADE")
		sqlDB.Close()
	})
	pu, err := url.Parse(base)
	if err != nil {
		t.Fatalf("WFE_TEST_POSTGRES: %v", err)
	}
	q := pu.Query()
	q.Set("search_path", schemaName)
	pu.RawQuery = q.Encode()
	return pu.String()
}

// OpenPostgres returns a migrated store in a fresh PostgreSQL schema.
func OpenPostgres(t testing.TB, opts ...store.Option) *store.Store {
	t.Helper()
	dsn := PostgresDSN(t)
	opts = append([]store.Option{store.WithSecretKey(TestKey), store.WithBlobDir(filepath.Join(t.TempDir(), "blobs"))}, opts...)
	s, err := store.Open(context.Background(), dsn, opts...)
	if err != nil {
		t.Fatalf("open PostgreSQL store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Each runs f on a fresh SQLite store and, when WFE_TEST_POSTGRES is set,
// on a fresh PostgreSQL schema, as subtests "sqlite" and "postgres"; both
// stores are opened with opts.
func Each(t *testing.T, f func(t *testing.T, s *store.Store), opts ...store.Option) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { f(t, Open(t, opts...)) })
	t.Run("postgres", func(t *testing.T) { f(t, OpenPostgres(t, opts...)) })
}
