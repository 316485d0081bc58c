package plan

import (
	"fmt"
	"time"
)

// Side names one of the two systems a rule keeps in step.
type Side uint8

// The two sides. The zero Side means "none" where an option is optional
// (no overwrite) and "the default" where one is required (master: CRM).
const (
	CRM Side = iota + 1
	Groupware
)

// String gives the side's name as the command line spells it.
func (s Side) String() string {
	switch s {
	case CRM:
		return "crm"
	case Groupware:
		return "groupware"
	}
	return "none"
}

// Other returns the opposite side.
func (s Side) Other() Side {
	if s == CRM {
		return Groupware
	}
	return CRM
}

// ParseSide reads "crm" or "groupware"; what names the option goes into
// the error.
func ParseSide(what, s string) (Side, error) {
	switch s {
	case "crm":
		return CRM, nil
	case "groupware":
		return Groupware, nil
	}
	return 0, fmt.Errorf("%w: %s %q: want crm or groupware", ErrInvalid, what, s)
}

// Fields is a record's content: canonical field name → value. The caller
// gives every value in one canonical text form per field (times in
// RFC 3339 UTC, lists joined in a fixed order), so that equal content is
// equal text. An empty value and a missing field are the same thing.
type Fields map[string]string

// Record is one record of one side as the caller read it.
type Record struct {
	// ID is the record's id on its own side (CRM id, or groupware item id).
	ID string
	// Fields holds the record's content; only the table's fields count.
	Fields Fields
	// Modified is the side's last modification time (zero: unknown). It
	// only settles conflicts under the "newest" option; it never makes a
	// record count as changed.
	Modified time.Time
	// ETag is the groupware item's version (ETag, changeKey); groupware
	// records only. Writes send it back as If-Match.
	ETag string
	// CRMID is the CRM id wfe stored on a groupware item when it created
	// or linked it (empty if none); groupware records only.
	CRMID string
}

// Link is one row of the sync state: a linked pair and what was last
// synced between them.
type Link struct {
	CRMID       string
	GroupwareID string
	// Synced holds FieldHash of each field's last synced value; a field
	// that is missing was synced empty (or never synced).
	Synced map[string]string
	// ETag is the groupware item's version after the last sync.
	ETag string
}

// Listing is what one side gave for this run.
type Listing struct {
	// Records are the records read: on the CRM side those in the rule's
	// filter, on the groupware side those in the rule's folders.
	Records []Record
	// Complete says Records hold the whole scope (a first run, an expired
	// token): a linked id missing from a complete listing is gone. In a
	// listing of changes only (Complete false) a missing id is unchanged,
	// never deleted.
	Complete bool
	// Deleted lists ids the side reports deleted since the last run.
	Deleted []string
	// OutOfScope lists CRM ids whose records exist but do not pass the
	// rule's filter (CRM side only): at least the linked ones and those
	// carried by listed groupware items. They are left alone on both
	// sides, never deleted, and their groupware copies are not imported.
	OutOfScope []string
	// Total is the number of records in the side's scope before this run,
	// if the caller knows it (the size of the groupware folders); the
	// mass-delete guard uses the larger of Total and what the planner saw.
	Total int
}

// MatchKey is one way of recognising that a CRM record and a groupware
// item are the same when they are not linked yet (a rule's first run).
type MatchKey struct {
	// Name says what the key is in messages ("crm id", "e-mail").
	Name string
	// ByCRMID matches the CRM id stored on the groupware item with the
	// CRM record's id; Fields are then ignored.
	ByCRMID bool
	// Fields are compared together, ignoring case and surrounding or
	// repeated white space; a record with any of them empty has no value
	// for this key.
	Fields []string
}

// Table describes one kind of record a rule syncs (contacts,
// appointments, tasks, mail).
type Table struct {
	// Name names the table in messages ("contacts").
	Name string
	// Fields are the canonical fields the rule's field mapping syncs; the
	// planner compares and writes only these.
	Fields []string
	// MatchKeys are tried in order on records that are not linked yet.
	MatchKeys []MatchKey
	// PartnerField names the field whose value is the name of the
	// business partner a new CRM record is created under (contacts:
	// the company); empty when a new CRM record needs no partner.
	PartnerField string
	// Owned says a groupware item belongs to the account's owner in the
	// CRM as it is (an event of the owner's calendar, a task of the
	// owner's list): one only in the groupware is created in the CRM
	// whatever the master, unless creating in the CRM is off.
	Owned bool
}
