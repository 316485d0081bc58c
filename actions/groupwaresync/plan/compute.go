package plan

import "sort"

// PartnerLookup returns the CRM ids of the business partners whose name
// equals name (the caller decides how names compare).
type PartnerLookup func(name string) []string

// Input is everything one plan is computed from: one rule's table and
// options, both sides' listings for one employee, and the rule's sync
// state for that employee.
type Input struct {
	Table   Table
	Options Options
	// CRM lists the CRM records in the rule's filter (the caller applies
	// the filter). It must hold the CRM record of every linked pair whose
	// groupware item is listed or deleted; a record it lacks that the plan
	// needs is reported in Plan.Needs.
	CRM Listing
	// Groupware lists the items of the rule's folders: all of them, or
	// the changes since the last token. A listing of changes must also
	// hold the items still waiting for a manual import, so that a new CRM
	// record matches them instead of being created twice.
	Groupware Listing
	// State holds the rule's links for this employee.
	State []Link
	// Partners finds business partners by name, for records created in
	// the CRM when the groupware is master (nil: none are found).
	Partners PartnerLookup
	// Decisions holds a person's choice for queued conflicts, by CRM id:
	// the side whose values win this time.
	Decisions map[string]Side
	// Imports holds manual imports, by groupware item id: the CRM id of
	// the business partner the person picked.
	Imports map[string]string
}

// Compute plans one run. It reads only its input and writes nothing; the
// same input always gives the same plan.
func Compute(in Input) (*Plan, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	p := newPlanner(in)
	p.planLinks()
	p.planUnlinked()
	p.guardDeletes()
	p.plan.sortOperations()
	return p.plan, nil
}

// planner holds one computation's indexes and the plan it builds.
type planner struct {
	in        Input
	opt       Options
	plan      *Plan
	crm, gw   sideIndex
	linkByCRM map[string]Link
	linkByGW  map[string]Link
	// survivors are records whose link was dropped this run; they are
	// matched again like records never linked.
	survivorsCRM, survivorsGW []Record
}

func newPlanner(in Input) *planner {
	p := &planner{
		in: in, opt: in.Options, plan: &Plan{Table: in.Table.Name},
		crm: newSideIndex(in.CRM), gw: newSideIndex(in.Groupware),
		linkByCRM: make(map[string]Link, len(in.State)),
		linkByGW:  make(map[string]Link, len(in.State)),
	}
	for _, l := range in.State {
		p.linkByCRM[l.CRMID] = l
		p.linkByGW[l.GroupwareID] = l
	}
	return p
}

// presence is what a listing says about one id.
type presence uint8

const (
	absent     presence = iota // not listed in a listing of changes: unchanged
	present                    // listed
	gone                       // reported deleted, or missing from a complete listing
	outOfScope                 // exists but no longer passes the rule's filter
)

type sideIndex struct {
	records    map[string]Record
	deleted    map[string]bool
	outOfScope map[string]bool
	complete   bool
}

func newSideIndex(l Listing) sideIndex {
	s := sideIndex{
		records:    make(map[string]Record, len(l.Records)),
		deleted:    make(map[string]bool, len(l.Deleted)),
		outOfScope: make(map[string]bool, len(l.OutOfScope)),
		complete:   l.Complete,
	}
	for _, r := range l.Records {
		s.records[r.ID] = r
	}
	for _, id := range l.Deleted {
		s.deleted[id] = true
	}
	for _, id := range l.OutOfScope {
		s.outOfScope[id] = true
	}
	return s
}

func (s sideIndex) status(id string) presence {
	switch {
	case s.outOfScope[id]:
		return outOfScope
	case s.deleted[id]:
		return gone
	}
	if _, ok := s.records[id]; ok {
		return present
	}
	if s.complete {
		return gone
	}
	return absent
}

// record returns the listed record with id, or nil.
func (s sideIndex) record(id string) *Record {
	if r, ok := s.records[id]; ok {
		return &r
	}
	return nil
}

// sortedRecords returns the listed records in id order.
func (s sideIndex) sortedRecords() []Record {
	out := make([]Record, 0, len(s.records))
	for _, id := range sortedKeys(s.records) {
		out = append(out, s.records[id])
	}
	return out
}

func sortRecords(rs []Record) {
	sort.Slice(rs, func(i, j int) bool { return rs[i].ID < rs[j].ID })
}
