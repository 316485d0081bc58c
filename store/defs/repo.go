// Package defs keeps workflow definitions: the WorkFlowMapping XML as
// imported (byte for byte), its lineage and checksum, activation, and the
// installed system workflows. Callers validate a definition before it is
// stored (ValidateFunc); defs knows nothing of the engine.
package defs

import "github.com/wfehq/wfe/store/internal/sqldb"

// Repo is the workflow definition part of the store.
type Repo struct{ db *sqldb.DB }

// New returns the workflow definitions of db.
func New(db *sqldb.DB) *Repo { return &Repo{db: db} }
