package store

import (
	"context"
	"fmt"
	"os"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/blobs"
	"github.com/wfehq/wfe/store/crm"
	"github.com/wfehq/wfe/store/defs"
	"github.com/wfehq/wfe/store/internal/sqldb"
	"github.com/wfehq/wfe/store/ledger"
	"github.com/wfehq/wfe/store/runs"
	"github.com/wfehq/wfe/store/secrets"
	"github.com/wfehq/wfe/store/settings"
	"github.com/wfehq/wfe/store/timers"
)

// Sentinel errors; match them with errors.Is.
var (
	// ErrNotFound: the record (or a record it references) does not exist.
	ErrNotFound = sqldb.ErrNotFound
	// ErrConflict: a unique key is already taken.
	ErrConflict = sqldb.ErrConflict
	// ErrGroupwareLocked: the activity is write-protected (GroupwareLock)
	// and a protected field would change.
	ErrGroupwareLocked = sqldb.ErrGroupwareLocked
	// ErrSchemaTooNew: the database was migrated by a newer wfe.
	ErrSchemaTooNew = sqldb.ErrSchemaTooNew
	// ErrSecretKey: the key for secrets at rest is missing or wrong.
	ErrSecretKey = sqldb.ErrSecretKey
	// ErrInvalid: a value was refused (bad setting, bad expression, ...).
	ErrInvalid = sqldb.ErrInvalid
)

// Dialect names the database kind.
type Dialect = sqldb.Dialect

const (
	SQLite   = sqldb.SQLite
	Postgres = sqldb.Postgres
)

// Settings are the settings of the settings table.
type Settings = settings.Settings

// Setting names (wfe settings set NAME VALUE).
const (
	SettingInternalDomains    = settings.SettingInternalDomains
	SettingFaxActivityType    = settings.SettingFaxActivityType
	SettingFaxAddress         = settings.SettingFaxAddress
	SettingLockMail           = settings.SettingLockMail
	SettingLockMeetingRequest = settings.SettingLockMeetingRequest
	FaxPlaceholder            = settings.FaxPlaceholder
)

// SettingNames lists the setting names.
func SettingNames() []string { return settings.SettingNames() }

// StringList is a list of strings stored as a JSON array in a text column.
type StringList = sqldb.StringList

type (
	settingsRepo = settings.Repo
	crmRepo      = crm.Repo
	ledgerRepo   = ledger.Repo
	defsRepo     = defs.Repo
	runsRepo     = runs.Repo
	timersRepo   = timers.Repo
	blobsRepo    = blobs.Repo
)

// Blob types (store/blobs).
type (
	BlobBatch   = blobs.BlobBatch
	BlobCheck   = blobs.BlobCheck
	BlobProblem = blobs.BlobProblem
)

// Store is an open database: one gorm handle and one migration sequence
// (store/internal/sqldb) shared by the repositories of each concern, whose
// methods it promotes. It is safe for concurrent use.
type Store struct {
	db     *sqldb.DB
	keeper *secrets.Keeper // seals the secrets of CRM rows; not promoted

	*settingsRepo
	*crmRepo
	*ledgerRepo
	*blobsRepo
	*defsRepo
	*runsRepo
	*timersRepo
}

type options struct {
	secretKey string // raw key text (base64 or hex); "" = env / key file
	keyFile   string
	blobDir   string
	getenv    func(string) string
	now       func() time.Time
	blobFault func(data []byte) error
	// beforeBulkInsert runs in each import batch's transaction before its
	// multi-row inserts (nil: nothing)
	beforeBulkInsert func(tx *gorm.DB)
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
// asked before every write of blob content, with the bytes about to be
// written, and an error it returns fails that write as the file system
// would (syscall.ENOSPC for a full disk).
func WithBlobWriteFault(f func(data []byte) error) Option {
	return func(o *options) { o.blobFault = f }
}

// WithBeforeBulkInsert is for tests of the batch commit's fallback: f
// runs in every CommitImport transaction between the prefetch and the
// multi-row inserts, where a test can write as a concurrent writer would.
func WithBeforeBulkInsert(f func(tx *gorm.DB)) Option {
	return func(o *options) { o.beforeBulkInsert = f }
}

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
	db, err := sqldb.Open(ctx, dsn, o.now)
	if err != nil {
		return nil, err
	}
	o.setDefaults(db)
	s := &Store{db: db, keeper: secrets.New(db, secrets.Config{Key: o.secretKey, KeyFile: o.keyFile, Getenv: o.getenv})}
	s.settingsRepo = settings.New(db)
	s.crmRepo = crm.New(db, s.keeper, s.settingsRepo)
	s.blobsRepo = blobs.New(db, blobs.Config{Dir: o.blobDir, Fault: o.blobFault, Refs: []string{crm.BlobRefs, ledger.BlobRefs}})
	s.ledgerRepo = ledger.New(db, s.blobsRepo, o.beforeBulkInsert)
	s.defsRepo, s.runsRepo, s.timersRepo = defs.New(db), runs.New(db), timers.New(db)
	return s, nil
}

// setDefaults fills in the blob directory and the key file the options
// leave open: beside a SQLite file, from WFE_BLOB_DIR or ./wfe-blobs on
// PostgreSQL.
func (o *options) setDefaults(db *sqldb.DB) {
	if o.blobDir == "" && db.Dialect == Postgres {
		o.blobDir = o.getenv("WFE_BLOB_DIR")
		if o.blobDir == "" {
			o.blobDir = "wfe-blobs"
		}
	}
	if o.blobDir == "" {
		o.blobDir = db.Path + ".blobs"
	}
	if o.keyFile == "" && db.Dialect == SQLite {
		o.keyFile = db.Path + ".key"
	}
}

// RedactDSN returns dsn fit for messages and help texts: a postgres URL
// without its password (in the user part or as a query parameter).
func RedactDSN(dsn string) string { return sqldb.RedactDSN(dsn) }

// GenerateSecretKey returns a new random key for secrets at rest,
// base64-encoded.
func GenerateSecretKey() string { return secrets.GenerateSecretKey() }

// SchemaVersion is the highest migration version this wfe knows.
func SchemaVersion() int { return sqldb.SchemaVersion() }

// CurrentSchemaVersion is the version recorded in the database.
func (s *Store) CurrentSchemaVersion(ctx context.Context) (int, error) {
	return s.db.CurrentSchemaVersion(ctx)
}

// Close closes the database.
func (s *Store) Close() error {
	if s == nil || s.db == nil {
		return nil
	}
	s.blobsRepo.Close()
	return s.db.Close()
}

// LimitConns bounds the connections the store keeps open (in use and
// idle) to n.
func (s *Store) LimitConns(n int) error {
	db, err := s.db.SQL()
	if err != nil {
		return fmt.Errorf("database pool: %w", err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	return nil
}

// Dialect tells which database the store runs on.
func (s *Store) Dialect() Dialect { return s.db.Dialect }

// Path is the SQLite file path ("" on PostgreSQL).
func (s *Store) Path() string { return s.db.Path }
