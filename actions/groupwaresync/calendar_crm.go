package groupwaresync

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/store"
)

// CompileActivityFilter compiles a calendar rule's CRM filter (R57): an
// expr-lang expression over the appointment or task, seen as `activity`
// with id, type, subject, text, location, all_day, recurrence, attendees
// (their e-mail addresses) and priority, returning a bool. An empty
// filter passes every record.
func CompileActivityFilter(src string) (*Filter, error) {
	return compileFilter(src, activityEnv(&store.Activity{}))
}

// CompileRuleFilter checks a rule's filter against the records of its
// table.
func CompileRuleFilter(table, src string) error {
	if IsCalendarTable(table) {
		_, err := CompileActivityFilter(src)
		return err
	}
	_, err := CompileFilter(src)
	return err
}

func activityEnv(a *store.Activity) map[string]any {
	attendees := make([]string, len(a.Attendees))
	for i, at := range a.Attendees {
		attendees[i] = at.Email
	}
	return map[string]any{"activity": map[string]any{"id": a.ID, "type": a.Type, "subject": a.Subject, "text": a.Text,
		"location": a.Location, "all_day": a.AllDay, "recurrence": a.Recurrence, "attendees": attendees, "priority": a.Priority}}
}

// matchActivity reports whether the activity passes the filter.
func matchActivity(f *Filter, a *store.Activity) (bool, error) {
	return f.matches(activityEnv(a), fmt.Sprintf("activity %d", a.ID))
}

// crmListing selects the CRM side: the employee's appointments in the
// window (or tasks) in the filter that changed since the reference date,
// are not linked yet, or belong to a pair the groupware listed or a
// person holds. A linked activity the listing lacks is deleted only when
// it no longer exists; one outside the window is left alone.
func (c *calRun) crmListing(ctx context.Context) (plan.Listing, error) {
	var l plan.Listing
	acts, err := c.Store.ListAppointments(ctx, store.AppointmentFilter{Types: c.table.types, From: c.window.From,
		To: c.window.To, DelegatedTo: c.emp.ID})
	if err != nil {
		return l, err
	}
	want := c.crmWanted()
	for i := range acts {
		a := &acts[i]
		id := strconv.FormatInt(a.ID, 10)
		c.acts[id] = a
		rec, in, err := c.crmRecord(a, want[id])
		if err != nil {
			return l, err
		}
		switch {
		case !in && (c.isLinkedCRM(id) || want[id]):
			l.OutOfScope = append(l.OutOfScope, id)
		case rec != nil:
			l.Records = append(l.Records, *rec)
		}
	}
	l.Deleted, err = c.goneActivities(ctx)
	return l, err
}

// crmRecord is an activity's planner record when the run needs it (nil
// when unchanged since the reference date), and whether it passes the
// filter.
func (c *calRun) crmRecord(a *store.Activity, wanted bool) (*plan.Record, bool, error) {
	in, err := matchActivity(c.filter, a)
	if err != nil || !in {
		return nil, false, err
	}
	id := strconv.FormatInt(a.ID, 10)
	if c.isLinkedCRM(id) && !wanted && !c.state.RefDate.IsZero() && !a.UpdatedAt.After(c.state.RefDate.Add(-refMargin)) {
		return nil, true, nil
	}
	f, err := AppointmentFields(a)
	if err != nil {
		return nil, true, err
	}
	return &plan.Record{ID: id, Fields: canonicalFields(f), Modified: a.UpdatedAt}, true, nil
}

func (c *calRun) isLinkedCRM(id string) bool {
	_, ok := c.linkByCRM[id]
	return ok
}

// goneActivities are the linked CRM ids whose activity no longer exists.
func (c *calRun) goneActivities(ctx context.Context) ([]string, error) {
	var ids []int64
	for id := range c.linkByCRM {
		if c.acts[id] == nil {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil {
				ids = append(ids, n)
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	exists, err := c.Store.Sync().ExistingActivities(ctx, ids)
	if err != nil {
		return nil, err
	}
	var gone []string
	for _, id := range ids {
		if !exists[id] {
			gone = append(gone, strconv.FormatInt(id, 10))
		}
	}
	return gone, nil
}

// crmWanted are CRM ids the groupware listing or the held records name.
func (c *calRun) crmWanted() map[string]bool {
	carried := make(map[string]string, len(c.items))
	for id, it := range c.items {
		carried[id] = it.CRMID
	}
	return c.wantedCRMIDs(carried)
}

// addNeeds adds the records the plan asked for: activities the window
// left out are read by id, groupware items by folder.
func (c *calRun) addNeeds(ctx context.Context, in *plan.Input, needs []plan.Need) error {
	byFolder := map[string][]string{}
	for _, n := range needs {
		if n.Side == plan.Groupware {
			fid := c.linkFolder(n.ID)
			byFolder[fid] = append(byFolder[fid], n.ID)
			continue
		}
		if err := c.addNeededActivity(ctx, in, n.ID); err != nil {
			return err
		}
	}
	for fid, ids := range byFolder {
		if f, ok := c.gw.folders[fid]; ok {
			if err := c.read(ctx, f, ids); err != nil {
				return err
			}
		}
	}
	in.Groupware = c.groupwareListing()
	return nil
}

// addNeededActivity adds one activity to the CRM listing, reading it
// when the window left it out; one that is not the employee's
// appointment or task of this table, or fails the filter, is out of
// scope; an id no activity has counts as deleted.
func (c *calRun) addNeededActivity(ctx context.Context, in *plan.Input, id string) error {
	if listed(in.CRM, id) {
		return nil
	}
	a := c.acts[id]
	if a == nil {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			in.CRM.Deleted = append(in.CRM.Deleted, id) // no activity id: nothing in the CRM has it
			return nil
		}
		d, err := c.Store.GetActivity(ctx, n)
		if errors.Is(err, store.ErrNotFound) {
			in.CRM.Deleted = append(in.CRM.Deleted, id)
			return nil
		}
		if err != nil {
			return err
		}
		a = &d.Activity
	}
	rec, in2, err := c.crmRecord(a, true)
	if err != nil {
		return err
	}
	if !in2 || !c.ownActivity(a) {
		in.CRM.OutOfScope = append(in.CRM.OutOfScope, id)
		return nil
	}
	c.acts[id] = a
	in.CRM.Records = append(in.CRM.Records, *rec)
	return nil
}

// ownActivity reports whether a is an activity of this table delegated
// to the run's employee.
func (c *calRun) ownActivity(a *store.Activity) bool {
	if a.DelegatedTo == nil || *a.DelegatedTo != c.emp.ID {
		return false
	}
	for _, t := range c.table.types {
		if a.Type == t {
			return true
		}
	}
	return false
}
