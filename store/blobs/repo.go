// Package blobs keeps document contents: a content-addressed blob
// directory whose blobs lie in pack files (packs/YYYY-MM/NAME.pack, by the
// store's clock) recorded in blob_pack_entry, written a batch at a time
// (BlobBatch), read back by SHA-256, checked (CheckBlobs) and collected
// when nothing refers to them (CollectGarbage).
//
// Rows of other concerns refer to blobs by SHA-256; each such concern
// hands its reference query to Config.Refs, so that check and garbage
// collection see every reference without knowing those tables.
package blobs

import (
	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Config is where blobs live and who refers to them.
type Config struct {
	// Dir is the blob directory.
	Dir string
	// Fault, when set (tests), is asked before every write of blob
	// content; an error it returns fails that write as the file system
	// would.
	Fault func(data []byte) error
	// Refs are SELECT statements of one column each: the SHA-256 of every
	// blob a row refers to (empty values are ignored).
	Refs []string
}

// Repo is the blob store of one database.
type Repo struct {
	db         *sqldb.DB
	blobs      *blobDir
	refs       []string
	packLookup packLookup // blob_pack.go
}

// New returns the blob store of db.
func New(db *sqldb.DB, cfg Config) *Repo {
	return &Repo{db: db, blobs: &blobDir{dir: cfg.Dir, fault: cfg.Fault}, refs: cfg.Refs}
}

// Close releases the prepared lookup statement.
func (s *Repo) Close() { s.packLookup.close() }
