package groupwaresync

import (
	"context"
	"errors"
	"fmt"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
)

// batchLimit is how many writes the groupware takes in one request; 1
// for a groupware that takes one write per request.
func (r *run) batchLimit() int {
	if b, ok := r.gw.src.(groupware.Batcher); ok {
		return b.BatchLimit()
	}
	return 1
}

// applyBatched carries out a plan on a groupware that takes up to limit
// writes per request. The groupware writes of consecutive creates,
// updates, links and deletes are gathered per folder and sent limit at a
// time; two operations of one record never share a request (the first
// is sent, and committed, before the second is made). Right after a
// request, each record's result is committed on its own, as for a write
// sent alone: a record that fails is counted and reported, the others of
// the request are linked, and the next run retries it. Every other
// operation runs alone, in the plan's order, once the gathered writes
// are sent. A refused sign-in stops the run where it is and locks the
// account, as when listing: no further request goes out with the same
// credentials.
func (r *run) applyBatched(ctx context.Context, p *plan.Plan, limit int) {
	b := &writeBatches{r: r, limit: limit, open: map[string][]*gwWrite{}, records: map[string]bool{}}
	for _, op := range p.Operations {
		if b.refused != nil {
			break
		}
		if !writesGroupware(op.Kind) {
			b.flush(ctx)
			r.applied(op, r.applyOne(ctx, op))
			continue
		}
		if b.holds(op) {
			b.flush(ctx)
		}
		w, err := r.groupwareWrite(ctx, op)
		switch {
		case err != nil:
			r.applied(op, err)
		case w.write == nil:
			r.applied(op, r.committed(ctx, w, unwritten(w.op), nil))
		default:
			b.add(ctx, w)
		}
	}
	b.flush(ctx)
	if b.refused != nil {
		r.mu.Lock()
		r.incomplete = true
		r.mu.Unlock()
		r.signInFailed(ctx, fmt.Errorf("writing to the groupware stopped: %w", b.refused))
	}
}

// writeBatches holds the groupware writes gathered and not yet sent.
type writeBatches struct {
	r     *run
	limit int
	// open holds the writes per folder id; folders lists the folder ids
	// in the order their first write came.
	open    map[string][]*gwWrite
	folders []string
	// records holds the CRM and groupware ids of the gathered writes.
	records map[string]bool
	// refused is set once the groupware refused the sign-in: nothing
	// more is sent.
	refused error
}

// recordKeys names an operation's records: its CRM id and groupware id.
func recordKeys(op plan.Operation) []string {
	var keys []string
	if op.CRMID != "" {
		keys = append(keys, "crm:"+op.CRMID)
	}
	if op.GroupwareID != "" {
		keys = append(keys, "gw:"+op.GroupwareID)
	}
	return keys
}

// holds reports whether a gathered write is about one of op's records.
func (b *writeBatches) holds(op plan.Operation) bool {
	for _, k := range recordKeys(op) {
		if b.records[k] {
			return true
		}
	}
	return false
}

// add gathers a write; a folder's writes are sent once there are limit.
func (b *writeBatches) add(ctx context.Context, w *gwWrite) {
	id := w.folder.ID
	if len(b.open[id]) == 0 {
		b.folders = append(b.folders, id)
	}
	b.open[id] = append(b.open[id], w)
	for _, k := range recordKeys(w.op) {
		b.records[k] = true
	}
	if len(b.open[id]) >= b.limit {
		b.send(ctx, id)
	}
}

// flush sends every folder's gathered writes.
func (b *writeBatches) flush(ctx context.Context) {
	for _, id := range b.folders {
		b.send(ctx, id)
	}
	b.folders = b.folders[:0]
}

// send writes one folder's gathered writes in one request and commits
// each record's result. A request that fails as a whole fails each of
// its records.
func (b *writeBatches) send(ctx context.Context, folderID string) {
	ws := b.open[folderID]
	delete(b.open, folderID)
	if len(ws) == 0 || b.refused != nil {
		return
	}
	writes := make([]groupware.Write[groupware.Contact], len(ws))
	for i, w := range ws {
		writes[i] = *w.write
		for _, k := range recordKeys(w.op) {
			delete(b.records, k)
		}
	}
	res, err := b.r.gw.src.Write(ctx, ws[0].folder, writes)
	if errors.Is(err, groupware.ErrAuth) {
		b.refused = err
	}
	if err == nil && len(res) != len(ws) {
		err = fmt.Errorf("groupware answered %d results for %d writes", len(res), len(ws))
	}
	for i, w := range ws {
		var one groupware.WriteResult
		oneErr := err
		if err == nil {
			one, oneErr = res[i], res[i].Err
		} else {
			oneErr = fmt.Errorf("%s, written in one request with %d others: %w", recordName(w.op), len(ws)-1, err)
		}
		b.r.applied(w.op, b.r.committed(ctx, w, one, oneErr))
	}
}

// recordName names an operation's record in an error.
func recordName(op plan.Operation) string {
	if op.CRMID != "" {
		return "CRM contact " + op.CRMID
	}
	return "groupware item " + op.GroupwareID
}
