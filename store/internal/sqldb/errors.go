package sqldb

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Sentinel errors of the store; package store re-exports them, and callers
// match them with errors.Is.
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

// Translate maps gorm errors to the sentinels, keeping what for context.
func Translate(err error, what string) error {
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

// RowsOrNotFound is Translate for an update or delete of one record: no
// row affected means the record does not exist.
func RowsOrNotFound(err error, n int64, what string) error {
	if err != nil {
		return Translate(err, what)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}
