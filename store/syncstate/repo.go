// Package syncstate keeps what the groupware sync needs in the database
// (SPEC K): sync rules, the sync state of each rule and employee (one row
// per linked pair with both ids, the groupware item's version and the
// fingerprint of each field's last synced value), change tokens per
// folder, the reference date of the CRM side, the records held for a
// person (conflicts with both versions, groupware items waiting for a
// manual import), the field mapping, employee groups, the groupware
// account of an employee and the groupware URL of a mail configuration.
//
// It also holds the sync's view of a CRM contact (every column the field
// mapping can reach, with the business partner's name) and writes a
// contact together with its sync state in one transaction, so a crash
// never leaves a contact created in the CRM without its link.
package syncstate

import (
	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Repo is the sync part of the store.
type Repo struct{ db *sqldb.DB }

// New returns the sync repository of db.
func New(db *sqldb.DB) *Repo { return &Repo{db: db} }
