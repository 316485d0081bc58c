// Package store keeps wfe's data: CRM entities (employees, business
// partners, contacts, activities, documents, tickets), mail configurations,
// workflow definitions, timer tasks, claims and leases, run history, the
// import ledger, ExtendedSearch definitions and settings. It runs on SQLite
// (a file path, pure-Go driver) and on PostgreSQL (a postgres:// URL).
//
// Every schema change is a plain SQL migration per dialect, embedded and
// applied on Open. Secrets are encrypted at rest with AES-256-GCM; document
// contents live in a content-addressed blob directory.
package store

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotFound: the record (or a record it references) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique key is already taken.
	ErrConflict = errors.New("conflict")
	// ErrGroupwareLocked: the activity is write-protected (GroupwareLock)
	// and a protected field would change.
	ErrGroupwareLocked = errors.New("activity is write-protected (GroupwareLock)")
	// ErrSchemaTooNew: the database was migrated by a newer wfe.
	ErrSchemaTooNew = errors.New("database schema is newer than this wfe")
	// ErrSecretKey: the key for secrets at rest is missing or wrong.
	ErrSecretKey = errors.New("secret key")
	// ErrInvalid: a value was refused (bad setting, bad expression, ...).
	ErrInvalid = errors.New("invalid value")
)

// Dialect names the database kind.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is an open database. It is safe for concurrent use.
type Store struct {
	db      *gorm.DB
	dialect Dialect
	path    string // SQLite file path ("" for PostgreSQL)
	opts    options
	blobs   *blobDir

	keyMu  sync.Mutex
	cipher *secretBox

	searchMu    sync.Mutex
	searchCache map[string]*ContactMatcher

	packLookup packLookup // blob_pack.go
}

type options struct {
	secretKey  string // raw key text (base64 or hex); "" = env / key file
	keyFile    string
	blobDir    string
	getenv     func(string) string
	now        func() time.Time
	maxVersion int // for tests: pretend to know only up to this version
	blobFault  func() error
}

// Option configures Open.
type Option func(*options)

// WithSecretKey sets the key for secrets at rest (base64 or hex of 32
// bytes), instead of WFE_SECRET_KEY or the key file.
func WithSecretKey(key string) Option { return func(o *options) { o.secretKey = key } }

// WithKeyFile sets the key file path (default for SQLite: "<db>.key").
// The file is created with mode 0600 on first use when missing.
func WithKeyFile(path string) Option { return func(o *options) { o.keyFile = path } }

// WithBlobDir sets the directory of document contents (default for SQLite:
// "<db>.blobs"; for PostgreSQL: WFE_BLOB_DIR, else "./wfe-blobs").
func WithBlobDir(dir string) Option { return func(o *options) { o.blobDir = dir } }

// WithBlobWriteFault is for tests that simulate a failing disk: f is
// asked before every write of blob content, and an error it returns fails
// that write as the file system would (syscall.ENOSPC for a full disk).
func WithBlobWriteFault(f func() error) Option { return func(o *options) { o.blobFault = f } }

// WithGetenv replaces os.Getenv for WFE_SECRET_KEY and WFE_BLOB_DIR.
func WithGetenv(f func(string) string) Option { return func(o *options) { o.getenv = f } }

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// Open opens (and migrates) the database named by dsn: a SQLite file path
// or a postgres:// (postgresql://) URL.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := options{getenv: os.Getenv, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if dsn == "" {
		return nil, fmt.Errorf("open store: empty database name")
	}
	s := &Store{opts: o, searchCache: map[string]*ContactMatcher{}}
	cfg := &gorm.Config{
		TranslateError:         true,
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return o.now().UTC() },
	}
	var dial gorm.Dialector
	if isPostgres(dsn) {
		s.dialect = Postgres
		dial = postgres.Open(dsn)
		if s.opts.blobDir == "" {
			s.opts.blobDir = o.getenv("WFE_BLOB_DIR")
		}
		if s.opts.blobDir == "" {
			s.opts.blobDir = "wfe-blobs"
		}
	} else {
		s.dialect = SQLite
		if strings.ContainsAny(dsn, "?#") {
			return nil, fmt.Errorf("open store %s: a SQLite path must not contain '?' or '#'", dsn)
		}
		s.path = dsn
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
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "synchronous(NORMAL)")
		// Writers take the lock when their transaction begins, so a
		// transaction that reads first never fails to upgrade (SQLITE_BUSY
		// without waiting). The driver ignores _txlock when _time_format is
		// given, so times keep the driver's default format; the store
		// writes UTC only, which keeps them comparable as text.
		q.Set("_txlock", "immediate")
		dial = sqlite.Open(dsn + "?" + q.Encode())
		if s.opts.blobDir == "" {
			s.opts.blobDir = dsn + ".blobs"
		}
		if s.opts.keyFile == "" {
			s.opts.keyFile = dsn + ".key"
		}
	}
	db, err := gorm.Open(dial, cfg)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", RedactDSN(dsn), err)
	}
	s.db = db
	if s.dialect == SQLite {
		if err := s.checkSQLitePragmas(ctx); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.blobs = &blobDir{dir: s.opts.blobDir, fault: s.opts.blobFault}
	return s, nil
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// RedactDSN returns dsn fit for messages and help texts: a postgres URL
// without its password (in the user part or as a query parameter).
func RedactDSN(dsn string) string {
	if !isPostgres(dsn) {
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

func (s *Store) checkSQLitePragmas(ctx context.Context) error {
	var fk int
	if err := s.db.WithContext(ctx).Raw("PRAGMA foreign_keys").Scan(&fk).Error; err != nil {
		return fmt.Errorf("open store %s: %w", s.path, err)
	}
	if fk != 1 {
		return fmt.Errorf("open store %s: foreign key enforcement could not be switched on", s.path)
	}
	var mode string
	if err := s.db.WithContext(ctx).Raw("PRAGMA journal_mode").Scan(&mode).Error; err != nil {
		return fmt.Errorf("open store %s: %w", s.path, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("open store %s: journal mode is %q, want wal", s.path, mode)
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	if s == nil || s.db == nil {
		return nil
	}
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	s.packLookup.close()
	return sqlDB.Close()
}

// Dialect tells which database the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Path is the SQLite file path ("" on PostgreSQL).
func (s *Store) Path() string { return s.path }

// DB gives the underlying gorm handle bound to ctx (for packages that need
// a query the store does not offer yet; prefer the store's methods).
func (s *Store) DB(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

func (s *Store) now() time.Time { return s.opts.now().UTC() }

// translate maps gorm errors to store sentinels, keeping what for context.
func translate(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: already exists: %w", what, ErrConflict)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return fmt.Errorf("%s: a referenced record does not exist: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}
