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
	// fromCache says the folders are the stored ones (see resolveFolders):
	// a folder that is not found makes the run find them again.
	fromCache bool
	// listed holds the ids a whole listing named (present, read or not).
	listed map[string]bool
}

func newGwSide(src groupware.Source[groupware.Contact]) *gwSide {
	return &gwSide{src: src, folders: map[string]groupware.Folder{}, items: map[string]*groupware.Contact{},
		folderOf: map[string]string{}, tokens: map[string]string{}, listed: map[string]bool{}}
}

// listGroupware asks every folder for its changes since its token; a
// token the server no longer knows lists the folder whole (R60), and
// linked items missing from a whole listing were deleted. Folders taken
// from the folder cache that are no longer found are found again once.
func (r *run) listGroupware(ctx context.Context, folders []groupware.Folder) error {
	if r.gw == nil {
		r.gw = newGwSide(r.sess.conn.Contacts())
	}
	err := r.listFolders(ctx, folders)
	if errors.Is(err, groupware.ErrFolderNotFound) && r.gw.fromCache {
		cache := r.gw.tokens[folderCacheKey]
		r.gw = newGwSide(r.gw.src)
		r.gw.tokens[folderCacheKey] = cache
		if folders, r.newItems, err = r.findFolders(ctx); err == nil {
			err = r.listFolders(ctx, folders)
		}
	}
	if err != nil {
		return err
	}
	return r.addHeldItems(ctx)
}

func (r *run) listFolders(ctx context.Context, folders []groupware.Folder) error {
	g := r.gw
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
	return nil
}

// takeChanges takes one folder's change set. An item listed without its
// content is read unless its ETag is the one wfe stored for it (its
// link's, or its pending import's): that item is as it was after the last
// sync, so it counts as unchanged and costs no request.
func (r *run) takeChanges(ctx context.Context, f groupware.Folder, cs *groupware.ChangeSet[groupware.Contact]) error {
	g := r.gw
	g.tokens[f.ID] = cs.Token
	var toRead []string
	for _, ch := range cs.Changed {
		g.folderOf[ch.ID] = f.ID
		if cs.Full {
			g.listed[ch.ID] = true
		}
		switch {
		case ch.Item != nil:
			g.items[ch.ID] = ch.Item
		case !r.knownVersion(ch.ID, ch.ETag):
			toRead = append(toRead, ch.ID)
		}
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
			if l.FolderID == f.ID && g.items[l.GroupwareID] == nil && !g.listed[l.GroupwareID] {
				deleted[l.GroupwareID] = true
			}
		}
	}
	for id := range deleted {
		g.listing.Deleted = append(g.listing.Deleted, id)
	}
	return nil
}

// knownVersion tells whether etag is the version of item id that wfe
// stored after the last sync (of a linked item or a pending import). An
// item waiting in a conflict is never known: it is read afresh.
func (r *run) knownVersion(id, etag string) bool {
	if etag == "" {
		return false
	}
	if l, ok := r.linkByGW[id]; ok {
		return l.ETag == etag && !r.inConflict(l.CRMID)
	}
	for _, p := range r.held.Pending {
		if p.GroupwareID == id {
			return p.ETag == etag
		}
	}
	return false
}

// inConflict tells whether a CRM id waits in the conflict queue.
func (r *run) inConflict(crmID string) bool {
	for _, c := range r.held.Conflicts {
		if c.CRMID == crmID {
			return true
		}
	}
	return false
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
			delete(r.gw.listed, x.ID)
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
		l.Records = append(l.Records, plan.Record{ID: id, ETag: it.ETag, CRMID: it.CRMID, Fields: r.mapping.groupwareFields(it), Modified: it.Modified})
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
