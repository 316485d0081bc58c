package plan

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is what an operation does.
type Kind uint8

// The operation kinds, in the order a plan lists (and an applier runs)
// them: links are dropped before anything is deleted, deletions come
// before writes, and held records come last.
const (
	// Forget drops a link whose pair no longer belongs together; neither
	// side is written.
	Forget Kind = iota + 1
	// DeleteInGroupware deletes the groupware item of a pair whose CRM
	// record is gone (only where the rule allows it).
	DeleteInGroupware
	// DeleteInCRM deletes the CRM record of a pair whose groupware item
	// is gone (only where the rule allows it).
	DeleteInCRM
	// Refresh stores a new sync state for a pair without writing either
	// side (both sides changed a field alike, or the item's ETag moved).
	Refresh
	// Update writes ToGroupware to the groupware item and ToCRM to the
	// CRM record of a linked pair.
	Update
	// LinkPair links a CRM record and a groupware item found to be the
	// same on a first run, writing what the merge says to each.
	LinkPair
	// CreateInGroupware creates the CRM record's copy in the rule's
	// folder for new items.
	CreateInGroupware
	// CreateInCRM creates the groupware item's copy in the CRM under
	// PartnerID.
	CreateInCRM
	// Conflict holds a record for a person: a field changed differently
	// on both sides under the "ask" option, or a match that is not
	// unique. Nothing of it is written.
	Conflict
	// OnlyInGroupware holds a groupware item that waits for a manual
	// import into the CRM.
	OnlyInGroupware
	// Skip holds a record the rule does not let through this run; the
	// reason says why.
	Skip
)

var kindNames = [...]string{
	Forget: "forget link", DeleteInGroupware: "delete in groupware", DeleteInCRM: "delete in crm",
	Refresh: "refresh state", Update: "update", LinkPair: "link",
	CreateInGroupware: "create in groupware", CreateInCRM: "create in crm",
	Conflict: "conflict", OnlyInGroupware: "only in groupware", Skip: "skip",
}

// String names the kind in plain words.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Operation is what the plan does with one record or pair.
type Operation struct {
	Kind Kind
	// CRMID and GroupwareID name the records (empty for one not created
	// yet, or for a conflict between several candidates).
	CRMID, GroupwareID string
	// ETag is the groupware item's version the operation was planned
	// against; a write or delete sends it as If-Match.
	ETag string
	// ToGroupware and ToCRM are exactly the fields to write on each side
	// (the whole record for a create); an empty value clears the field.
	ToGroupware, ToCRM Fields
	// PartnerID is the business partner a CreateInCRM goes under.
	PartnerID string
	// Synced, when not nil, is the link's state after the operation:
	// FieldHash per field (the applier stores it with the new ETag).
	Synced map[string]string
	// NewLink says the operation links the pair (a first-run match).
	NewLink bool
	// Conflict describes a conflict, settled (Winner set) or held.
	Conflict *ConflictInfo
	// Reason says in plain words why the operation is what it is.
	Reason string
}

// ConflictInfo describes fields changed differently on both sides, or a
// match that is not unique.
type ConflictInfo struct {
	// Fields are the fields changed on both sides to different values,
	// with each side's version.
	Fields         []string
	CRM, Groupware Fields
	// Winner is the side whose values were taken (zero: held for a person).
	Winner Side
	// Candidates is set for a match that is not unique.
	Candidates *Candidates
}

// Candidates are the records sharing one match key value.
type Candidates struct {
	Key, Value   string
	CRMIDs       []string
	GroupwareIDs []string
}

// Changes reports whether the operation writes anything: either side or
// the sync state. Held records (conflicts, manual imports, skips) do not.
func (op Operation) Changes() bool {
	return op.Kind < Conflict || op.NewLink
}

// String describes the operation in one line for the preview.
func (op Operation) String() string {
	var b strings.Builder
	b.WriteString(op.Kind.String())
	if op.CRMID != "" {
		fmt.Fprintf(&b, " crm %s", op.CRMID)
	}
	if op.GroupwareID != "" {
		fmt.Fprintf(&b, " groupware %s", op.GroupwareID)
	}
	writeFieldNames(&b, "to groupware", op.ToGroupware)
	writeFieldNames(&b, "to crm", op.ToCRM)
	if op.Reason != "" {
		fmt.Fprintf(&b, ": %s", op.Reason)
	}
	return b.String()
}

func writeFieldNames(b *strings.Builder, label string, f Fields) {
	if len(f) == 0 {
		return
	}
	fmt.Fprintf(b, " [%s: %s]", label, strings.Join(sortedKeys(f), ", "))
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
