package groupwaresync

import (
	"context"
	"errors"
	"fmt"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/syncstate"
)

// apply carries out a calendar plan as the contacts applier does: up to
// applyInFlight creates and updates at once, a failed record counted and
// retried next run, every groupware write followed by the commit of its
// link, CRM writes committed together with their link.
func (c *calRun) apply(ctx context.Context, p *plan.Plan) {
	runOperations(p.Operations, applyInFlight, func(op plan.Operation) error { return c.applyOne(ctx, op) }, c.applied)
}

func (c *calRun) applyOne(ctx context.Context, op plan.Operation) error {
	sy := c.Store.Sync()
	switch op.Kind {
	case plan.Forget:
		return sy.DeleteLink(ctx, c.acct, op.CRMID)
	case plan.DeleteInGroupware:
		return c.deleteInGroupware(ctx, op)
	case plan.DeleteInCRM:
		id, err := crmID(op.CRMID)
		if err != nil {
			return err
		}
		return sy.DeleteActivityLinked(ctx, c.acct, id)
	case plan.Refresh:
		return sy.SaveLink(ctx, c.link(op, op.ETag, op.Synced))
	case plan.Update, plan.LinkPair:
		return c.update(ctx, op)
	case plan.CreateInGroupware:
		return c.createInGroupware(ctx, op)
	case plan.CreateInCRM:
		return c.createInCRM(ctx, op)
	case plan.Conflict:
		if op.NewLink {
			return sy.SaveLink(ctx, c.link(op, op.ETag, op.Synced))
		}
	}
	return nil
}

// write sends one write and returns its result.
func (c *calRun) write(ctx context.Context, f groupware.Folder, w groupware.Write[groupware.Event]) (groupware.WriteResult, error) {
	res, err := c.src.Write(ctx, f, []groupware.Write[groupware.Event]{w})
	if err != nil {
		return groupware.WriteResult{}, err
	}
	if len(res) != 1 {
		return groupware.WriteResult{}, fmt.Errorf("groupware answered %d results for one write", len(res))
	}
	return res[0], res[0].Err
}

func (c *calRun) deleteInGroupware(ctx context.Context, op plan.Operation) error {
	f, err := c.folderOf(op.GroupwareID)
	if err != nil {
		return err
	}
	_, err = c.write(ctx, f, groupware.Write[groupware.Event]{Op: groupware.OpDelete, ID: op.GroupwareID, ETag: op.ETag})
	if err != nil && !errors.Is(err, groupware.ErrNotFound) {
		return err
	}
	return c.Store.Sync().DeleteLink(ctx, c.acct, op.CRMID)
}

// update writes a linked pair's changes: the groupware item first (its
// fields with the planned ones written over them; what wfe does not map
// is kept), carrying the CRM id, then the activity with the link's new
// state.
func (c *calRun) update(ctx context.Context, op plan.Operation) error {
	etag := op.ETag
	if len(op.ToGroupware) > 0 {
		var err error
		if etag, err = c.writeGroupware(ctx, op); err != nil {
			return err
		}
	}
	l := c.link(op, etag, op.Synced)
	if len(op.ToCRM) == 0 {
		return c.Store.Sync().SaveLink(ctx, l)
	}
	a, err := c.activityAfter(ctx, op)
	if err != nil {
		return err
	}
	return c.Store.Sync().UpdateActivityLinked(ctx, a, l)
}

// writeGroupware updates the item with op.ToGroupware, with If-Match on
// the version the plan saw.
func (c *calRun) writeGroupware(ctx context.Context, op plan.Operation) (string, error) {
	f, err := c.folderOf(op.GroupwareID)
	if err != nil {
		return "", err
	}
	item := c.items[op.GroupwareID]
	if item == nil {
		res, err := c.src.Get(ctx, f, []string{op.GroupwareID})
		if err != nil {
			return "", err
		}
		if len(res) != 1 || res[0].Err != nil || res[0].Item == nil {
			return "", fmt.Errorf("read groupware item %s before updating it: %w", op.GroupwareID, firstErrOf(res))
		}
		item = res[0].Item
	}
	s, err := calendar.SeriesFromFields(overlay(item.Fields(), op.ToGroupware))
	if err != nil {
		return "", err
	}
	next := &groupware.Event{ID: op.GroupwareID, ETag: op.ETag, CRMID: op.CRMID, Series: s}
	res, err := c.write(ctx, f, groupware.Write[groupware.Event]{Op: groupware.OpUpdate, ID: op.GroupwareID, ETag: op.ETag, CRMID: op.CRMID, Item: next})
	if err != nil {
		return "", err
	}
	return res.ETag, nil
}

// activityAfter is the pair's activity with op.ToCRM written over its
// calendar fields; its type, owner and other columns stay.
func (c *calRun) activityAfter(ctx context.Context, op plan.Operation) (*store.Activity, error) {
	id, err := crmID(op.CRMID)
	if err != nil {
		return nil, err
	}
	cur := c.acts[op.CRMID]
	if cur == nil {
		d, err := c.Store.GetActivity(ctx, id)
		if err != nil {
			return nil, err
		}
		cur = &d.Activity
	}
	f, err := AppointmentFields(cur)
	if err != nil {
		return nil, err
	}
	from, err := ActivityFromFields(overlay(f, op.ToCRM))
	if err != nil {
		return nil, fmt.Errorf("activity %d: %w", id, err)
	}
	next := *cur
	next.CalendarFields, next.Subject, next.Text, next.Location = from.CalendarFields, from.Subject, from.Text, from.Location
	next.StartDate, next.EndDate, next.Priority = from.StartDate, from.EndDate, from.Priority
	next.CalendarFields.TeamsJoinURL = cur.TeamsJoinURL
	if cur.Type == store.TypeTask {
		next.Status = from.Status
	}
	return &next, nil
}

// overlay returns base with the fields of top written over it (an empty
// value clears the field).
func overlay(base map[string]string, top plan.Fields) map[string]string {
	out := make(map[string]string, len(base)+len(top))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range top {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func firstErrOf(res []groupware.Result[groupware.Event]) error {
	for _, x := range res {
		if x.Err != nil {
			return x.Err
		}
	}
	return groupware.ErrNotFound
}

// finish ends the run as a contacts run does (held records, tokens,
// reference date). Events and tasks waiting for a manual import are
// handed over as held rows with their subject and fields, so that they
// are listed by name and can be imported whole in a later run that does
// not list them again.
func (c *calRun) finish(ctx context.Context, p *plan.Plan) error {
	for _, op := range p.Operations {
		it := c.items[op.GroupwareID]
		if op.Kind != plan.OnlyInGroupware || it == nil {
			continue
		}
		c.held.Pending = append(c.held.Pending, syncstate.Pending{GroupwareID: op.GroupwareID, CRMCarried: it.CRMID,
			Name: it.Series.Master[calendar.FieldSubject], Fields: canonicalFields(it.Fields())})
	}
	return c.run.finish(ctx, p)
}
