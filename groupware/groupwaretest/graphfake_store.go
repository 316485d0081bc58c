package groupwaretest

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// fakeMailbox is one mailbox of the GraphFake.
type fakeMailbox struct {
	folders    map[string]*fakeFolder // by id; "" is the default folder
	contacts   map[string]*fakeContact
	tombstones []fakeTombstone
	nextID     int
	cal        *fakeCalendars
	mail       *fakeMail // created at first use
}

type fakeFolder struct{ id, name, parent string }

type fakeContact struct {
	id, folder string
	seq        int64
	props      map[string]json.RawMessage
	extended   map[string]string // single-value extended properties by id
	modified   time.Time         // lastModifiedDateTime
}

type fakeTombstone struct {
	id, folder string
	seq        int64
}

// mailboxFor returns the mailbox of upn, creating it; f.mu is held.
func (f *GraphFake) mailboxFor(upn string) *fakeMailbox {
	mb := f.mailboxes[upn]
	if mb == nil {
		mb = &fakeMailbox{folders: map[string]*fakeFolder{"": {id: "", name: "Contacts"}}, contacts: map[string]*fakeContact{}, cal: newFakeCalendars()}
		f.mailboxes[upn] = mb
	}
	return mb
}

// AddFolder creates a contact folder named name below the folder with id
// parent ("" for the default folder) and returns its id.
func (f *GraphFake) AddFolder(upn, parent, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	mb := f.mailboxFor(upn)
	mb.nextID++
	id := fmt.Sprintf("folder-%d", mb.nextID)
	mb.folders[id] = &fakeFolder{id: id, name: name, parent: parent}
	return id
}

// RemoveFolder deletes a folder with its contacts, as a user would in
// Outlook.
func (f *GraphFake) RemoveFolder(upn, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	mb := f.mailboxFor(upn)
	delete(mb.folders, id)
	for cid, c := range mb.contacts {
		if c.folder == id {
			delete(mb.contacts, cid)
		}
	}
}

// EditContact changes a contact's property as another client would
// (a new change key, listed by the next delta).
func (f *GraphFake) EditContact(upn, id, property string, value any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.mailboxFor(upn).contacts[id]
	if c == nil {
		return fmt.Errorf("no contact %s", id)
	}
	raw, err := json.Marshal(value)
	if err != nil {
		return err
	}
	c.props[property] = raw
	f.seq++
	c.seq, c.modified = f.seq, time.Now().UTC()
	return nil
}

// SetContactModified sets a contact's lastModifiedDateTime, as a client
// that changed it at t would have, without a new change key: Exchange
// also moves the time when an item is merely opened.
func (f *GraphFake) SetContactModified(upn, id string, t time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.mailboxFor(upn).contacts[id]
	if c == nil {
		return fmt.Errorf("no contact %s", id)
	}
	c.modified = t.UTC()
	return nil
}

// ContactCount is the number of contacts in a mailbox.
func (f *GraphFake) ContactCount(upn string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.mailboxFor(upn).contacts)
}

func (c *fakeContact) changeKey() string { return fmt.Sprintf("ck%d", c.seq) }
func (c *fakeContact) etag() string      { return `W/"` + c.changeKey() + `"` }

// render is the contact as Graph returns it, with the extended property
// expandID only when it was asked for through $expand.
func (c *fakeContact) render(expandID string) map[string]any {
	out := map[string]any{"id": c.id, "@odata.etag": c.etag(), "changeKey": c.changeKey(), "parentFolderId": c.folder}
	if !c.modified.IsZero() {
		out["lastModifiedDateTime"] = c.modified.Format(time.RFC3339)
	}
	for k, v := range c.props {
		out[k] = v
	}
	if expandID != "" {
		props := []map[string]string{}
		if v, ok := c.extended[expandID]; ok {
			props = append(props, map[string]string{"id": expandID, "value": v})
		}
		out["singleValueExtendedProperties"] = props
	}
	return out
}

// deltaItems are the folder's changes after since (everything present
// when since is 0) up to upTo, in change order, rendered from offset for
// at most limit items; total is the number of changes in all.
func (mb *fakeMailbox) deltaItems(folder string, since, upTo int64, offset, limit int) (page []map[string]any, total int) {
	type entry struct {
		seq     int64
		contact *fakeContact
		gone    string
	}
	var entries []entry
	for _, c := range mb.contacts {
		if c.folder == folder && c.seq > since && c.seq <= upTo {
			entries = append(entries, entry{seq: c.seq, contact: c})
		}
	}
	if since > 0 {
		for _, t := range mb.tombstones {
			if t.folder == folder && t.seq > since && t.seq <= upTo {
				entries = append(entries, entry{seq: t.seq, gone: t.id})
			}
		}
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].seq < entries[j].seq })
	end := min(offset+limit, len(entries))
	page = []map[string]any{}
	for _, e := range entries[min(offset, end):end] {
		if e.contact != nil {
			page = append(page, e.contact.render(""))
		} else {
			page = append(page, map[string]any{"id": e.gone, "@removed": map[string]string{"reason": "deleted"}})
		}
	}
	return page, len(entries)
}
