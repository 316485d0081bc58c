package store

import "github.com/wfehq/wfe/store/outbox"

// Outbox is the outbox of outgoing mail (package store/outbox): the
// forwards and automatic answers waiting for a retry, and the activities
// sent.
func (s *Store) Outbox() *outbox.Repo { return outbox.New(s.db) }
