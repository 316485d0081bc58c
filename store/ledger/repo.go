// Package ledger keeps the import ledger (one row per mail an import saw:
// imported, quarantined with its raw message, or duplicate) and commits an
// import batch in one transaction with its activities; it also records
// the auto-replies sent, so a sender gets one per period.
package ledger

import (
	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/blobs"
	"github.com/wfehq/wfe/store/internal/sqldb"
)

// BlobRefs selects the raw message blob of every quarantined mail (for
// blob checks and garbage collection).
const BlobRefs = "SELECT raw_blob FROM import_ledger WHERE raw_blob <> ''"

// Repo is the mail ledger part of the store.
type Repo struct {
	db    *sqldb.DB
	blobs *blobs.Repo // the batch's blobs must still be stored when it commits
	// beforeBulkInsert, when not nil, runs in a batch's transaction right
	// before its multi-row inserts (a test records a key there as another
	// writer would).
	beforeBulkInsert func(tx *gorm.DB)
}

// New returns the ledger of db, whose blobs bs keeps; beforeBulkInsert
// may be nil (see Repo).
func New(db *sqldb.DB, bs *blobs.Repo, beforeBulkInsert func(tx *gorm.DB)) *Repo {
	return &Repo{db: db, blobs: bs, beforeBulkInsert: beforeBulkInsert}
}
