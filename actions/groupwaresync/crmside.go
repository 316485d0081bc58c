package groupwaresync

import (
	"fmt"
	"strconv"
	"time"

	"github.com/expr-lang/expr/vm"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/store/syncstate"
)

// Filter is a rule's CRM filter (R57), compiled once: an expr-lang
// expression over the contact, seen as `contact` with its fields
// (first_name, last_name, email, phone, …, partner), or for calendar
// rules over the activity (CompileActivityFilter), returning a bool.
type Filter struct{ prog *vm.Program }

// CompileFilter compiles src; an empty filter passes every record.
func CompileFilter(src string) (*Filter, error) {
	return compileFilter(src, filterEnv(&syncstate.Contact{}))
}

func filterEnv(c *syncstate.Contact) map[string]any {
	m := map[string]any{"id": c.ID, "partner": c.Partner, "display_name": c.Column("display_name")}
	for _, col := range syncstate.ContactColumns {
		m[col] = c.Column(col)
	}
	return map[string]any{"contact": m}
}

// Match reports whether the contact passes the filter.
func (f *Filter) Match(c *syncstate.Contact) (bool, error) {
	return f.matches(filterEnv(c), fmt.Sprintf("contact %d", c.ID))
}

// refMargin widens the reference-date window for clocks of several
// nodes that differ a little; re-reading a record costs nothing, as an
// unchanged one plans nothing.
const refMargin = 2 * time.Minute

// crmListing selects the CRM side (R52, R60): contacts in the filter that
// changed since the reference date, are not linked yet, or belong to a
// pair the groupware listed or a person holds; linked contacts that are
// gone are deleted, those outside the filter are out of scope.
func (r *run) crmListing(contacts []syncstate.Contact) (plan.Listing, error) {
	var l plan.Listing
	want := r.crmWanted()
	exists := map[string]bool{}
	for i := range contacts {
		c := &contacts[i]
		id := strconv.FormatInt(c.ID, 10)
		exists[id] = true
		r.crm[id] = c
		in, err := r.filter.Match(c)
		if err != nil {
			return l, err
		}
		_, linked := r.linkByCRM[id]
		switch {
		case !in && (linked || want[id]):
			l.OutOfScope = append(l.OutOfScope, id)
		case !in:
		case !linked || want[id] || r.state.RefDate.IsZero() || c.UpdatedAt.After(r.state.RefDate.Add(-refMargin)):
			l.Records = append(l.Records, plan.Record{ID: id, Fields: r.mapping.crmFields(c), Modified: c.UpdatedAt})
		}
	}
	for id := range r.linkByCRM {
		if !exists[id] {
			l.Deleted = append(l.Deleted, id)
		}
	}
	return l, nil
}

// crmWanted are CRM ids the groupware listing or the held records name.
func (r *run) crmWanted() map[string]bool {
	carried := make(map[string]string, len(r.gw.items))
	for id, it := range r.gw.items {
		carried[id] = it.CRMID
	}
	return r.wantedCRMIDs(carried)
}

// wantedCRMIDs are the CRM ids of the pairs whose groupware item was
// listed (carried: item id → the CRM id it carries) or deleted, the CRM
// ids listed items carry, and those of held conflicts.
func (r *run) wantedCRMIDs(carried map[string]string) map[string]bool {
	want := map[string]bool{}
	for id, crm := range carried {
		if l, ok := r.linkByGW[id]; ok {
			want[l.CRMID] = true
		}
		if crm != "" {
			want[crm] = true
		}
	}
	for _, id := range r.gw.listing.Deleted {
		if l, ok := r.linkByGW[id]; ok {
			want[l.CRMID] = true
		}
	}
	for _, c := range r.held.Conflicts {
		for _, id := range splitIDs(c.CRMID) {
			want[id] = true
		}
	}
	return want
}
