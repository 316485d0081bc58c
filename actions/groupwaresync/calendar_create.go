package groupwaresync

import (
	"context"
	"errors"
	"fmt"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
	"github.com/wfehq/wfe/store"
)

// createInGroupware creates the activity's copy in the folder for new
// items, carrying the CRM id; a copy already there (a crash between the
// create and the commit of its link) is found by the CRM id and linked.
// A meeting sent this way carries the GroupwareLock; of a rule with
// Teams links it asks Graph for a Teams link, whose join URL is stored on
// the activity.
func (c *calRun) createInGroupware(ctx context.Context, op plan.Operation) error {
	s, err := calendar.SeriesFromFields(op.ToGroupware)
	if err != nil {
		return err
	}
	s.Master[calendar.FieldKind] = c.table.kind
	item := &groupware.Event{Series: s, OnlineMeeting: c.wantsTeams(op)}
	res, err := c.write(ctx, c.newItems, groupware.Write[groupware.Event]{Op: groupware.OpCreate, CRMID: op.CRMID, Item: item})
	synced := op.Synced
	if errors.Is(err, groupware.ErrExists) {
		found, ferr := c.src.FindByCRMID(ctx, c.newItems, op.CRMID)
		if ferr != nil {
			return fmt.Errorf("%w; finding it by its CRM id: %w", err, ferr)
		}
		res, err, synced = groupware.WriteResult{ID: found.ID, ETag: found.ETag}, nil, map[string]string{}
	}
	if err != nil {
		return err
	}
	op.GroupwareID = res.ID
	c.mu.Lock()
	c.gw.folderOf[res.ID] = c.newItems.ID
	c.mu.Unlock()
	if err := c.Store.Sync().SaveLink(ctx, c.link(op, res.ETag, synced)); err != nil {
		return err
	}
	if a := c.acts[op.CRMID]; a != nil && a.Type == store.TypeMeeting {
		return c.markSent(ctx, op.CRMID, res.ID, item.OnlineMeeting)
	}
	return nil
}

// wantsTeams: a meeting (with attendees) the CRM creates in a Graph
// calendar asks for a Teams link when the rule says so.
func (c *calRun) wantsTeams(op plan.Operation) bool {
	a := c.acts[op.CRMID]
	return c.rule.TeamsLinks && c.sess.system == SystemGraph && c.table.name == groupware.TableAppointments &&
		a != nil && a.Type == store.TypeMeeting && a.TeamsJoinURL == ""
}

// markSent write-protects a meeting sent to the calendar, as an
// imported one is, and keeps its Teams join URL (read back from Graph
// when the meeting asked for one).
func (c *calRun) markSent(ctx context.Context, crm, gwID string, teams bool) error {
	id, err := crmID(crm)
	if err != nil {
		return err
	}
	var joinURL string
	if teams {
		res, err := c.src.Get(ctx, c.newItems, []string{gwID})
		if err != nil {
			return err
		}
		if len(res) == 1 && res[0].Item != nil {
			joinURL = res[0].Item.JoinURL
		}
	}
	return c.Store.Sync().MarkMeetingSent(ctx, id, joinURL)
}

// createInCRM creates the groupware item's copy in the CRM as an
// activity of the calendar's owner (a task, a BESPRECHUNG when the event
// has attendees, else a TERMIN; an imported meeting carries the
// GroupwareLock), together with its link. The activity keeps the item's
// iCalendar UID, so a crash before the link's commit is linked by it on
// the next run instead of being created twice.
func (c *calRun) createInCRM(ctx context.Context, op plan.Operation) error {
	fields := overlay(map[string]string{calendar.FieldKind: c.table.kind}, op.ToCRM)
	it := c.items[op.GroupwareID]
	if it != nil {
		fields[calendar.FieldUID] = it.Series.Master[calendar.FieldUID]
	}
	a, err := ActivityFromFields(fields)
	if err != nil {
		return fmt.Errorf("groupware item %s: %w", op.GroupwareID, err)
	}
	a.DelegatedTo, a.CreatedBy = &c.emp.ID, &c.emp.ID
	if it != nil {
		a.TeamsJoinURL = it.JoinURL
	}
	return c.Store.Sync().CreateActivityLinked(ctx, a, c.link(op, op.ETag, op.Synced))
}
