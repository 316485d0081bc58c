// Package runs keeps the run history: one row per workflow run with its
// status and its run record.
package runs

import "github.com/wfehq/wfe/store/internal/sqldb"

// Repo is the run history of the store.
type Repo struct{ db *sqldb.DB }

// New returns the run history of db.
func New(db *sqldb.DB) *Repo { return &Repo{db: db} }
