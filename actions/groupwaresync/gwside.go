package groupwaresync

import (
	"context"
	"errors"
	"strings"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
)

// gwSide is what the groupware gave for one run: the items read, the
// folder of each, the plan's listing, and the folders' next tokens.
type gwSide struct {
	src      groupware.Source[groupware.Contact]
	folders  map[string]groupware.Folder // by folder id
	items    map[string]*groupware.Contact
	folderOf map[string]string // item id → folder id
	listing  plan.Listing
	tokens   map[string]string
}

// listGroupware asks every folder for its changes since its token; a
// token the server no longer knows lists the folder whole (R60), and
// linked items missing from a whole listing were deleted.
func (r *run) listGroupware(ctx context.Context, folders []groupware.Folder) error {
	g := &gwSide{src: r.sess.conn.Contacts(), folders: map[string]groupware.Folder{}, items: map[string]*groupware.Contact{},
		folderOf: map[string]string{}, tokens: map[string]string{}}
	r.gw = g
	for _, f := range folders {
		g.folders[f.ID] = f
		cs, err := g.src.Changes(ctx, f, r.state.Tokens[f.ID])
		if errors.Is(err, groupware.ErrTokenExpired) {
			cs, err = g.src.Changes(ctx, f, "")
		}
		if err != nil {
			return err
		}
		if err := r.takeChanges(ctx, f, cs); err != nil {
			return err
		}
	}
	return r.addHeldItems(ctx)
}

func (r *run) takeChanges(ctx context.Context, f groupware.Folder, cs *groupware.ChangeSet[groupware.Contact]) error {
	g := r.gw
	g.tokens[f.ID] = cs.Token
	var toRead []string
	for _, ch := range cs.Changed {
		g.folderOf[ch.ID] = f.ID
		if ch.Item == nil {
			toRead = append(toRead, ch.ID)
			continue
		}
		g.items[ch.ID] = ch.Item
	}
	if err := r.readItems(ctx, f, toRead); err != nil {
		return err
	}
	deleted := map[string]bool{}
	for _, id := range cs.Deleted {
		if g.items[id] == nil {
			deleted[id] = true
		}
	}
	if cs.Full {
		for _, l := range r.state.Links {
			if l.FolderID == f.ID && g.items[l.GroupwareID] == nil {
				deleted[l.GroupwareID] = true
			}
		}
	}
	for id := range deleted {
		g.listing.Deleted = append(g.listing.Deleted, id)
	}
	return nil
}

// readItems reads items the change listing named without content; an
// item gone meanwhile counts as not listed.
func (r *run) readItems(ctx context.Context, f groupware.Folder, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	res, err := r.gw.src.Get(ctx, f, ids)
	if err != nil {
		return err
	}
	for _, x := range res {
		switch {
		case x.Err == nil && x.Item != nil:
			r.gw.items[x.ID], r.gw.folderOf[x.ID] = x.Item, f.ID
		case errors.Is(x.Err, groupware.ErrNotFound):
		default:
			r.rep.Failed++
			r.rep.fail(x.Err)
			r.incomplete = true
		}
	}
	return nil
}

// addHeldItems lists again what waits for a person (so it is neither
// lost nor created twice): items of queued conflicts are read afresh,
// pending imports come from the store when the listing lacks them.
func (r *run) addHeldItems(ctx context.Context) error {
	byFolder := map[string][]string{}
	for _, c := range r.held.Conflicts {
		for _, id := range splitIDs(c.GroupwareID) {
			if r.gw.items[id] == nil && !r.isDeleted(id) {
				byFolder[r.linkFolder(id)] = append(byFolder[r.linkFolder(id)], id)
			}
		}
	}
	for fid, ids := range byFolder {
		f, ok := r.gw.folders[fid]
		if !ok {
			continue
		}
		if err := r.readItems(ctx, f, ids); err != nil {
			return err
		}
	}
	return nil
}

// pendingRecords are the stored pending imports the listing lacks.
func (r *run) pendingRecords() []plan.Record {
	var out []plan.Record
	for _, p := range r.held.Pending {
		if r.gw.items[p.GroupwareID] != nil || r.isDeleted(p.GroupwareID) {
			continue
		}
		if _, ok := r.gw.folders[p.FolderID]; !ok {
			continue
		}
		r.gw.folderOf[p.GroupwareID] = p.FolderID
		out = append(out, plan.Record{ID: p.GroupwareID, ETag: p.ETag, CRMID: p.CRMCarried, Fields: plan.Fields(p.Fields)})
	}
	return out
}

// groupwareListing is the planner's view of the items read.
func (r *run) groupwareListing() plan.Listing {
	l := r.gw.listing
	l.Records = nil
	for id, it := range r.gw.items {
		l.Records = append(l.Records, plan.Record{ID: id, ETag: it.ETag, CRMID: it.CRMID, Fields: r.mapping.groupwareFields(it)})
	}
	l.Records = append(l.Records, r.pendingRecords()...)
	return l
}

func (r *run) isDeleted(id string) bool {
	for _, d := range r.gw.listing.Deleted {
		if d == id {
			return true
		}
	}
	return false
}

// linkFolder is the folder of a linked or pending item ("" if unknown).
func (r *run) linkFolder(gwID string) string {
	r.mu.Lock()
	f, ok := r.gw.folderOf[gwID]
	r.mu.Unlock()
	if ok {
		return f
	}
	for _, l := range r.state.Links {
		if l.GroupwareID == gwID {
			return l.FolderID
		}
	}
	for _, p := range r.held.Pending {
		if p.GroupwareID == gwID {
			return p.FolderID
		}
	}
	return ""
}

func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
