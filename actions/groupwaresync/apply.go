package groupwaresync

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store/syncstate"
)

// applyInFlight is how many records are written at once: a groupware
// server answers one write long after the next could have started.
const applyInFlight = 4

// apply carries out a plan record by record, up to applyInFlight creates
// and updates at once (never two of one record; other operations run
// alone, in the plan's order). A record that fails is counted and
// reported, and the run goes on; the next run retries it. Every write to
// the groupware is followed by the commit of its link; CRM writes commit
// together with their link.
func (r *run) apply(ctx context.Context, p *plan.Plan) {
	sem := make(chan struct{}, applyInFlight)
	var wg sync.WaitGroup
	busy := map[string]bool{} // CRM ids written since the last wait
	for _, op := range p.Operations {
		parallel := op.Kind == plan.CreateInGroupware || op.Kind == plan.Update
		if !parallel || busy[op.CRMID] {
			wg.Wait()
			clear(busy)
		}
		if !parallel {
			r.applied(op, r.applyOne(ctx, op))
			continue
		}
		busy[op.CRMID] = true
		sem <- struct{}{}
		wg.Add(1)
		go func(op plan.Operation) {
			defer wg.Done()
			r.applied(op, r.applyOne(ctx, op))
			<-sem
		}(op)
	}
	wg.Wait()
}

// applied reports a failed operation.
func (r *run) applied(op plan.Operation, err error) {
	if err == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.Failed++
	r.rep.fail(fmt.Errorf("%s: %w", op.Kind, err))
	r.incomplete = true
}

func (r *run) applyOne(ctx context.Context, op plan.Operation) error {
	switch op.Kind {
	case plan.Forget:
		return r.Store.Sync().DeleteLink(ctx, r.acct, op.CRMID)
	case plan.DeleteInGroupware:
		return r.deleteInGroupware(ctx, op)
	case plan.DeleteInCRM:
		id, err := crmID(op.CRMID)
		if err != nil {
			return err
		}
		return r.Store.Sync().DeleteContactLinked(ctx, r.acct, id)
	case plan.Refresh:
		return r.Store.Sync().SaveLink(ctx, r.link(op, op.ETag, op.Synced))
	case plan.Update, plan.LinkPair:
		return r.update(ctx, op)
	case plan.CreateInGroupware:
		return r.createInGroupware(ctx, op)
	case plan.CreateInCRM:
		return r.createInCRM(ctx, op)
	case plan.Conflict:
		if op.NewLink {
			return r.Store.Sync().SaveLink(ctx, r.link(op, op.ETag, op.Synced))
		}
	}
	return nil
}

// link is the sync state row of an operation's pair.
func (r *run) link(op plan.Operation, etag string, synced map[string]string) *syncstate.Link {
	return &syncstate.Link{RuleID: r.acct.RuleID, EmployeeID: r.acct.EmployeeID, CRMID: op.CRMID,
		GroupwareID: op.GroupwareID, FolderID: r.linkFolder(op.GroupwareID), ETag: etag, Synced: synced}
}

func crmID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("CRM id %q is not a contact id", s)
	}
	return id, nil
}

// writeOne sends one write and returns its result.
func (r *run) writeOne(ctx context.Context, folder groupware.Folder, w groupware.Write[groupware.Contact]) (groupware.WriteResult, error) {
	res, err := r.gw.src.Write(ctx, folder, []groupware.Write[groupware.Contact]{w})
	if err != nil {
		return groupware.WriteResult{}, err
	}
	if len(res) != 1 {
		return groupware.WriteResult{}, fmt.Errorf("groupware answered %d results for one write", len(res))
	}
	return res[0], res[0].Err
}

func (r *run) folderOf(gwID string) (groupware.Folder, error) {
	f, ok := r.gw.folders[r.linkFolder(gwID)]
	if !ok {
		return groupware.Folder{}, fmt.Errorf("groupware item %s: its folder is not among the rule's folders: %w", gwID, groupware.ErrFolderNotFound)
	}
	return f, nil
}

func (r *run) deleteInGroupware(ctx context.Context, op plan.Operation) error {
	f, err := r.folderOf(op.GroupwareID)
	if err != nil {
		return err
	}
	_, err = r.writeOne(ctx, f, groupware.Write[groupware.Contact]{Op: groupware.OpDelete, ID: op.GroupwareID, ETag: op.ETag})
	if err != nil && !errors.Is(err, groupware.ErrNotFound) {
		return err
	}
	return r.Store.Sync().DeleteLink(ctx, r.acct, op.CRMID)
}

// readOnlyBack turns values the CRM cannot take (display name, company)
// into writes of the CRM's value to the groupware, so the pair settles
// on the CRM's value instead of changing back and forth. The value is
// the one the CRM derives once this operation's own columns are written;
// a derived value this operation changes (a new last name changes the
// display name) goes to the groupware in the same write, so the next run
// does not find it changed.
func (r *run) readOnlyBack(op *plan.Operation) {
	before, after := r.crm[op.CRMID], r.afterUpdate(op)
	if after == nil {
		return
	}
	for _, p := range r.mapping.Pairs {
		if !readOnlyCRM[p.CRM] {
			continue
		}
		_, asked := op.ToCRM[p.Groupware]
		v := strings.TrimSpace(after.Column(p.CRM))
		if !asked && v == strings.TrimSpace(before.Column(p.CRM)) {
			continue
		}
		delete(op.ToCRM, p.Groupware)
		r.sendBack(op, p.Groupware, v)
	}
}

// sendBack adds a write of v to the groupware field f and records it as
// synced.
func (r *run) sendBack(op *plan.Operation, f, v string) {
	if op.ToGroupware == nil {
		op.ToGroupware = plan.Fields{}
	}
	op.ToGroupware[f] = v
	if op.Synced != nil {
		op.Synced[f] = plan.FieldHash(v)
		if v == "" {
			delete(op.Synced, f)
		}
	}
}

// afterUpdate is the CRM contact of op as it will be once op's writable
// columns are written (nil if the run did not read it).
func (r *run) afterUpdate(op *plan.Operation) *syncstate.Contact {
	c := r.crm[op.CRMID]
	if c == nil {
		return nil
	}
	next := *c
	for col, v := range r.crmColumns(op.ToCRM) {
		next.SetColumn(col, v)
	}
	return &next
}

// update writes a linked pair's changes: the groupware item first (read
// whole and changed in the mapped fields only), then the CRM contact
// together with the link's new state.
func (r *run) update(ctx context.Context, op plan.Operation) error {
	r.readOnlyBack(&op)
	etag := op.ETag
	if len(op.ToGroupware) > 0 {
		var err error
		if etag, err = r.writeGroupware(ctx, op); err != nil {
			return err
		}
	}
	id, err := crmID(op.CRMID)
	if err != nil {
		return err
	}
	cols := r.crmColumns(op.ToCRM)
	return r.Store.Sync().UpdateContactLinked(ctx, id, cols, r.link(op, etag, op.Synced))
}

// writeGroupware updates the item with the fields of op.ToGroupware,
// with If-Match on the version the plan saw.
func (r *run) writeGroupware(ctx context.Context, op plan.Operation) (string, error) {
	f, err := r.folderOf(op.GroupwareID)
	if err != nil {
		return "", err
	}
	item := r.gw.items[op.GroupwareID]
	if item == nil {
		res, err := r.gw.src.Get(ctx, f, []string{op.GroupwareID})
		if err != nil {
			return "", err
		}
		if len(res) != 1 || res[0].Err != nil || res[0].Item == nil {
			return "", fmt.Errorf("read groupware item %s before updating it: %w", op.GroupwareID, firstErr(res))
		}
		item = res[0].Item
	}
	next := *item
	for name, v := range op.ToGroupware {
		groupwareFields[name].set(&next, v)
	}
	res, err := r.writeOne(ctx, f, groupware.Write[groupware.Contact]{Op: groupware.OpUpdate, ID: op.GroupwareID, ETag: op.ETag, Item: &next})
	if err != nil {
		return "", err
	}
	return res.ETag, nil
}

func firstErr(res []groupware.Result[groupware.Contact]) error {
	for _, x := range res {
		if x.Err != nil {
			return x.Err
		}
	}
	return groupware.ErrNotFound
}

// crmColumns maps planner fields to the CRM columns to write.
func (r *run) crmColumns(f plan.Fields) map[string]string {
	cols := make(map[string]string, len(f))
	for name, v := range f {
		if col := r.mapping.crmColumn(name); col != "" && !readOnlyCRM[col] {
			cols[col] = v
		}
	}
	return cols
}

// createInGroupware creates the CRM contact's copy in the folder for new
// items, carrying the CRM id. A copy already there (a crash between the
// create and the commit of its link) is found by the CRM id and linked.
func (r *run) createInGroupware(ctx context.Context, op plan.Operation) error {
	item := &groupware.Contact{}
	for name, v := range op.ToGroupware {
		groupwareFields[name].set(item, v)
	}
	res, err := r.writeOne(ctx, r.newItems, groupware.Write[groupware.Contact]{Op: groupware.OpCreate, CRMID: op.CRMID, Item: item})
	synced := op.Synced
	if errors.Is(err, groupware.ErrExists) {
		found, ferr := r.gw.src.FindByCRMID(ctx, r.newItems, op.CRMID)
		if ferr != nil {
			return fmt.Errorf("%w; finding it by its CRM id: %w", err, ferr)
		}
		res, err, synced = groupware.WriteResult{ID: found.ID, ETag: found.ETag}, nil, map[string]string{}
	}
	if err != nil {
		return err
	}
	op.GroupwareID = res.ID
	r.mu.Lock()
	r.gw.folderOf[res.ID] = r.newItems.ID
	r.mu.Unlock()
	return r.Store.Sync().SaveLink(ctx, r.link(op, res.ETag, synced))
}

// createInCRM creates the groupware item's copy in the CRM under the
// partner the plan chose, together with its link.
func (r *run) createInCRM(ctx context.Context, op plan.Operation) error {
	partner, err := crmID(op.PartnerID)
	if err != nil {
		return fmt.Errorf("business partner: %w", err)
	}
	c := &syncstate.Contact{PartnerID: partner}
	for col, v := range r.crmColumns(op.ToCRM) {
		c.SetColumn(col, v)
	}
	return r.Store.Sync().CreateContactLinked(ctx, c, r.link(op, op.ETag, op.Synced))
}
