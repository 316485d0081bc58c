package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/ledger"
)

// SetBeforeBulkInsert installs f to run in the CommitImport transaction
// between the prefetch and the multi-row inserts; the returned function
// removes it.
func SetBeforeBulkInsert(f func(tx *gorm.DB)) (restore func()) { return ledger.SetBeforeBulkInsert(f) }

// DB gives the store's tests the gorm handle, to set up states the store's
// methods do not make and to look at what they wrote.
func (s *Store) DB(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }
