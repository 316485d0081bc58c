package groupwaresync

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/store/syncstate"
)

// applyInFlight is how many records are written at once: a groupware
// server answers one write long after the next could have started.
const applyInFlight = 4

// apply carries out a plan record by record. A groupware that takes
// several writes per request gets them in batches (applyBatched); any
// other gets up to applyInFlight creates and updates at once (never two
// of one record; other operations run alone, in the plan's order). A
// record that fails is counted and reported, and the run goes on; the
// next run retries it. Every write to the groupware is followed by the
// commit of its link; CRM writes commit together with their link.
func (r *run) apply(ctx context.Context, p *plan.Plan) {
	if n := r.batchLimit(); n > 1 {
		r.applyBatched(ctx, p, n)
		return
	}
	runOperations(p.Operations, applyInFlight, func(op plan.Operation) error { return r.applyOne(ctx, op) }, r.applied)
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
	case plan.DeleteInGroupware, plan.Update, plan.LinkPair, plan.CreateInGroupware:
		return r.writeAlone(ctx, op)
	case plan.DeleteInCRM:
		id, err := crmID(op.CRMID)
		if err != nil {
			return err
		}
		return r.Store.Sync().DeleteContactLinked(ctx, r.acct, id)
	case plan.Refresh:
		return r.Store.Sync().SaveLink(ctx, r.link(op, op.ETag, op.Synced))
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

// gwWrite is an operation's write to the groupware, made ready to send.
type gwWrite struct {
	// op is the operation as written (read-only CRM values sent back).
	op     plan.Operation
	folder groupware.Folder
	// write is nil when the operation writes nothing to the groupware
	// (an update of the CRM side only).
	write *groupware.Write[groupware.Contact]
}

// writesGroupware reports whether an operation of kind k may write to
// the groupware.
func writesGroupware(k plan.Kind) bool {
	switch k {
	case plan.CreateInGroupware, plan.Update, plan.LinkPair, plan.DeleteInGroupware:
		return true
	}
	return false
}

// writeAlone sends one operation's groupware write and commits it.
func (r *run) writeAlone(ctx context.Context, op plan.Operation) error {
	w, err := r.groupwareWrite(ctx, op)
	if err != nil {
		return err
	}
	if w.write == nil {
		return r.committed(ctx, w, unwritten(w.op), nil)
	}
	res, err := r.writeOne(ctx, w.folder, *w.write)
	return r.committed(ctx, w, res, err)
}

// unwritten is the result of a groupware write left out: the item stays
// as the plan saw it.
func unwritten(op plan.Operation) groupware.WriteResult {
	return groupware.WriteResult{ID: op.GroupwareID, ETag: op.ETag}
}

// groupwareWrite makes the write of a create, update (the item read
// whole and changed in the mapped fields only, with If-Match on the
// version the plan saw) or delete.
func (r *run) groupwareWrite(ctx context.Context, op plan.Operation) (*gwWrite, error) {
	switch op.Kind {
	case plan.CreateInGroupware:
		item := &groupware.Contact{}
		for name, v := range op.ToGroupware {
			groupwareFields[name].set(item, v)
		}
		return &gwWrite{op: op, folder: r.newItems, write: &groupware.Write[groupware.Contact]{Op: groupware.OpCreate, CRMID: op.CRMID, Item: item}}, nil
	case plan.DeleteInGroupware:
		f, err := r.folderOf(op.GroupwareID)
		return &gwWrite{op: op, folder: f, write: &groupware.Write[groupware.Contact]{Op: groupware.OpDelete, ID: op.GroupwareID, ETag: op.ETag}}, err
	}
	r.readOnlyBack(&op)
	if len(op.ToGroupware) == 0 {
		return &gwWrite{op: op}, nil
	}
	f, err := r.folderOf(op.GroupwareID)
	if err != nil {
		return nil, err
	}
	item, err := r.groupwareItem(ctx, f, op.GroupwareID)
	if err != nil {
		return nil, err
	}
	next := *item
	for name, v := range op.ToGroupware {
		groupwareFields[name].set(&next, v)
	}
	return &gwWrite{op: op, folder: f, write: &groupware.Write[groupware.Contact]{Op: groupware.OpUpdate, ID: op.GroupwareID, ETag: op.ETag, Item: &next}}, nil
}

// groupwareItem is the item as the run listed it, else read afresh.
func (r *run) groupwareItem(ctx context.Context, f groupware.Folder, id string) (*groupware.Contact, error) {
	if item := r.gw.items[id]; item != nil {
		return item, nil
	}
	res, err := r.gw.src.Get(ctx, f, []string{id})
	if err != nil {
		return nil, err
	}
	if len(res) != 1 || res[0].Err != nil || res[0].Item == nil {
		return nil, fmt.Errorf("read groupware item %s before updating it: %w", id, firstErr(res))
	}
	return res[0].Item, nil
}

// committed stores what a groupware write did, right after its result:
// the link of a create, the CRM side and link of an update, the removal
// of a deleted item's link. A failed write commits nothing and is
// retried by the next run; a delete of an item already gone counts as
// done.
func (r *run) committed(ctx context.Context, w *gwWrite, res groupware.WriteResult, err error) error {
	op := w.op
	switch op.Kind {
	case plan.CreateInGroupware:
		return r.created(ctx, op, res, err)
	case plan.DeleteInGroupware:
		if err != nil && !errors.Is(err, groupware.ErrNotFound) {
			return err
		}
		return r.Store.Sync().DeleteLink(ctx, r.acct, op.CRMID)
	}
	if err != nil {
		return err
	}
	id, err := crmID(op.CRMID)
	if err != nil {
		return err
	}
	return r.Store.Sync().UpdateContactLinked(ctx, id, r.crmColumns(op.ToCRM), r.link(op, res.ETag, op.Synced))
}

// created links the CRM contact to its new copy in the folder for new
// items. A copy already there (a crash between the create and the commit
// of its link) is found by the CRM id it carries and linked.
func (r *run) created(ctx context.Context, op plan.Operation, res groupware.WriteResult, err error) error {
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
