package store

import "gorm.io/gorm"

// SetBeforeBulkInsert installs f to run in the CommitImport transaction
// between the prefetch and the multi-row inserts; the returned function
// removes it.
func SetBeforeBulkInsert(f func(tx *gorm.DB)) (restore func()) {
	beforeBulkInsert = f
	return func() { beforeBulkInsert = nil }
}
