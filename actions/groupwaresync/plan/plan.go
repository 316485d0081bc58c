package plan

import (
	"fmt"
	"sort"
)

// Plan is what one run of one rule for one employee does, computed
// before anything is written: the preview prints it, the applier runs it
// in order.
type Plan struct {
	// Table names the table the plan is for.
	Table string
	// Operations are sorted by kind, then CRM id, then groupware id.
	Operations []Operation
	// Needs lists records the planner had to leave undecided because the
	// incremental listings lacked them; plan again with them added.
	Needs []Need
	// Refusals are set when the plan would delete too much; a refused
	// plan must not be applied at all (nothing of it is written).
	Refusals []Refusal
}

// Need names a record the caller should add to its side's listing.
type Need struct {
	Side   Side
	ID     string
	Reason string
}

// Refusal is the mass-delete guard's stop: more than MassDeleteCount
// deletions that are also more than MassDeletePercent of the side.
type Refusal struct {
	Side    Side // the side records would be deleted on
	Deletes int
	Total   int
}

// The mass-delete guard's limits: a run stops when it would delete more
// than MassDeleteCount records AND more than MassDeletePercent of a side.
const (
	MassDeleteCount   = 10
	MassDeletePercent = 20
)

func (r Refusal) Error() string {
	return fmt.Sprintf("stopped before deleting: the run would delete %d of %d records in the %s "+
		"(more than %d and more than %d %%); check the rule's filter and folders, "+
		"or override the guard for this run", r.Deletes, r.Total, r.Side, MassDeleteCount, MassDeletePercent)
}

// Refused reports whether the mass-delete guard stopped the plan.
func (p *Plan) Refused() bool { return len(p.Refusals) > 0 }

// Changes counts the operations that write anything (either side or the
// sync state). A plan computed against the result of applying a plan has
// none.
func (p *Plan) Changes() int {
	n := 0
	for _, op := range p.Operations {
		if op.Changes() {
			n++
		}
	}
	return n
}

func (p *Plan) add(op Operation) { p.Operations = append(p.Operations, op) }

func (p *Plan) need(s Side, id, reason string) {
	p.Needs = append(p.Needs, Need{Side: s, ID: id, Reason: reason})
}

// sortOperations orders the plan as Operations documents.
func (p *Plan) sortOperations() {
	sort.SliceStable(p.Operations, func(i, j int) bool {
		a, b := p.Operations[i], p.Operations[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.CRMID != b.CRMID {
			return a.CRMID < b.CRMID
		}
		return a.GroupwareID < b.GroupwareID
	})
	sort.SliceStable(p.Needs, func(i, j int) bool {
		if p.Needs[i].Side != p.Needs[j].Side {
			return p.Needs[i].Side < p.Needs[j].Side
		}
		return p.Needs[i].ID < p.Needs[j].ID
	})
}
