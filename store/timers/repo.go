// Package timers keeps timer tasks, the claims that let one node fire
// each tick, the leases that keep one holder on a resource (a mailbox
// import) at a time, and the probe that tells a scheduler whether the
// tasks changed.
package timers

import "github.com/wfehq/wfe/store/internal/sqldb"

// Repo is the timer part of the store.
type Repo struct{ db *sqldb.DB }

// New returns the timer repository of db.
func New(db *sqldb.DB) *Repo { return &Repo{db: db} }
