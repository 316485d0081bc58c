package groupwaresync

import (
	"context"
	"errors"
	"time"

	"github.com/wfehq/wfe/actions/groupwaresync/plan"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/calendar"
)

// listGroupware asks every calendar or task list for its changes since
// its token; a token the server no longer knows, or one made for the
// window of another day, lists the folder whole (R60). Folders taken
// from the folder cache that are no longer found are found again once.
func (c *calRun) listGroupware(ctx context.Context, folders []groupware.Folder) error {
	err := c.listFolders(ctx, folders)
	if errors.Is(err, groupware.ErrFolderNotFound) && c.gw.fromCache {
		cache := c.gw.tokens[folderCacheKey]
		c.gw = newGwSide(nil)
		c.gw.tokens[folderCacheKey] = cache
		clear(c.items)
		if folders, c.newItems, err = c.findFolders(ctx); err == nil {
			err = c.listFolders(ctx, folders)
		}
	}
	if err != nil {
		return err
	}
	return c.readHeld(ctx)
}

func (c *calRun) listFolders(ctx context.Context, folders []groupware.Folder) error {
	for _, f := range folders {
		c.gw.folders[f.ID] = f
		cs, err := c.src.Changes(ctx, f, c.state.Tokens[f.ID])
		if errors.Is(err, groupware.ErrTokenExpired) {
			cs, err = c.src.Changes(ctx, f, "")
		}
		if err != nil {
			return err
		}
		if err := c.takeChanges(ctx, f, cs); err != nil {
			return err
		}
	}
	return nil
}

// takeChanges keeps a folder's changes: items delivered or read, the
// deleted ones, and the folder's next token. Unlinked items outside the
// window (an incremental listing names every change) are left out. An
// item listed without content whose ETag is its link's is as it was
// after the last sync (wfe's own writes listed back): it is not read.
func (c *calRun) takeChanges(ctx context.Context, f groupware.Folder, cs *groupware.ChangeSet[groupware.Event]) error {
	c.gw.tokens[f.ID] = cs.Token
	var toRead []string
	for _, ch := range cs.Changed {
		if l, ok := c.linkByGW[ch.ID]; ok && ch.Item == nil && ch.ETag != "" && ch.ETag == l.ETag {
			c.gw.listed[ch.ID] = true
			continue
		}
		if ch.Item == nil {
			toRead = append(toRead, ch.ID)
			continue
		}
		c.keep(f, ch.Item)
	}
	if err := c.read(ctx, f, toRead); err != nil {
		return err
	}
	for _, id := range cs.Deleted {
		if c.items[id] == nil {
			c.gw.listing.Deleted = append(c.gw.listing.Deleted, id)
		}
	}
	if cs.Full {
		return c.missingFromFull(ctx, f)
	}
	return nil
}

// keep takes one item read from folder f. A cancelled event or task (a
// cancelled series as a whole) is left alone: it is not imported, and a
// linked one is neither written nor taken as deleted (which would create
// its CRM copy again).
func (c *calRun) keep(f groupware.Folder, it *groupware.Event) {
	_, linked := c.linkByGW[it.ID]
	switch {
	case it.Series.Master[calendar.FieldStatus] == "cancelled":
		c.gw.listed[it.ID] = true
		return
	case !linked && !c.inWindow(it.Series.Master):
		return
	}
	c.items[it.ID], c.gw.folderOf[it.ID] = it, f.ID
}

// missingFromFull handles linked items a whole listing lacks: without a
// window they were deleted; with one, an item is deleted only when
// reading it says so (it may merely lie outside the window now).
func (c *calRun) missingFromFull(ctx context.Context, f groupware.Folder) error {
	var missing []string
	for _, l := range c.state.Links {
		if l.FolderID == f.ID && c.items[l.GroupwareID] == nil && !c.gw.listed[l.GroupwareID] {
			missing = append(missing, l.GroupwareID)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	if !c.table.windowed {
		c.gw.listing.Deleted = append(c.gw.listing.Deleted, missing...)
		return nil
	}
	res, err := c.src.Get(ctx, f, missing)
	if err != nil {
		return err
	}
	for _, x := range res {
		if errors.Is(x.Err, groupware.ErrNotFound) {
			c.gw.listing.Deleted = append(c.gw.listing.Deleted, x.ID)
		}
	}
	return nil
}

// read reads items a listing named without content; one gone meanwhile
// counts as not listed, one that cannot be read leaves the run
// incomplete (retried next run).
func (c *calRun) read(ctx context.Context, f groupware.Folder, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	res, err := c.src.Get(ctx, f, ids)
	if err != nil {
		return err
	}
	for _, x := range res {
		switch {
		case x.Err == nil && x.Item != nil:
			x.Item.ID = x.ID
			c.keep(f, x.Item)
		case errors.Is(x.Err, groupware.ErrNotFound):
		default:
			c.rep.Failed++
			c.rep.fail(x.Err)
			c.incomplete = true
		}
	}
	return nil
}

// readHeld reads afresh the items of queued conflicts, so a decision can
// be applied to what the groupware holds now.
func (c *calRun) readHeld(ctx context.Context) error {
	byFolder := map[string][]string{}
	for _, h := range c.held.Conflicts {
		for _, id := range splitIDs(h.GroupwareID) {
			if c.items[id] == nil && !c.isDeleted(id) {
				byFolder[c.linkFolder(id)] = append(byFolder[c.linkFolder(id)], id)
			}
		}
	}
	for fid, ids := range byFolder {
		if f, ok := c.gw.folders[fid]; ok {
			if err := c.read(ctx, f, ids); err != nil {
				return err
			}
		}
	}
	return nil
}

// groupwareListing is the planner's view of the items read, with the
// items still waiting for a manual import.
func (c *calRun) groupwareListing() plan.Listing {
	l := c.gw.listing
	l.Records = nil
	for id, it := range c.items {
		l.Records = append(l.Records, plan.Record{ID: id, ETag: it.ETag, CRMID: it.CRMID, Fields: canonicalFields(it.Fields())})
	}
	l.Records = append(l.Records, c.pendingRecords()...)
	return l
}

// inWindow reports whether an event overlaps the rule's window (a series
// counts from its first start on); tasks and rules without a window
// always pass.
func (c *calRun) inWindow(master calendar.Item) bool {
	if c.window.From.IsZero() || master[calendar.FieldKind] == calendar.KindTask {
		return true
	}
	start, err := calendar.ParseWhen(master[calendar.FieldStart])
	if err != nil || start.IsZero() {
		return true
	}
	end := start
	if e, err := calendar.ParseWhen(master[calendar.FieldEnd]); err == nil && !e.IsZero() {
		end = e
	}
	if !start.In(time.UTC).Before(c.window.To) {
		return false
	}
	return master[calendar.FieldRecurrence] != "" || !end.In(time.UTC).Before(c.window.From)
}

// canonicalFields gives a record's fields as the planner compares them:
// the moved or changed instances without what each repeats of the
// series (its UID) or notes about reading it (problems), so a series
// reads the same from the CRM and from any server.
func canonicalFields(f map[string]string) map[string]string {
	raw := f[calendar.FieldOverrides]
	if raw == "" {
		return f
	}
	s, err := calendar.SeriesFromFields(map[string]string{calendar.FieldOverrides: raw})
	if err != nil {
		return f // compared as written; the problem shows when it is written
	}
	for _, o := range s.Overrides {
		delete(o, calendar.FieldUID)
		delete(o, calendar.FieldProblems)
	}
	out := make(map[string]string, len(f))
	for k, v := range f {
		out[k] = v
	}
	out[calendar.FieldOverrides] = calendar.Series{Master: calendar.Item{}, Overrides: s.Overrides}.Fields()[calendar.FieldOverrides]
	return out
}
