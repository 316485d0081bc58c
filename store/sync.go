package store

import "github.com/wfehq/wfe/store/syncstate"

// Sync is the groupware sync's part of the store: rules, sync state,
// held records, field mapping (package store/syncstate).
func (s *Store) Sync() *syncstate.Repo { return syncstate.New(s.db) }
