package store

import "github.com/wfehq/wfe/store/console"

// Console is the admin console's part of the store (package
// store/console): console users, API tokens, sessions, the audit log and
// the aggregates of its pages and metrics.
func (s *Store) Console() *console.Repo { return console.New(s.db) }
