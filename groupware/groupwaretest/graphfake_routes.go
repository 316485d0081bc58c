package groupwaretest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// route serves one Graph request (top-level or a $batch part) for the
// signed-in mailbox me ("" for an app token, which must name /users/{upn}).
func (f *GraphFake) route(w http.ResponseWriter, r *http.Request, me, path string) {
	if f.throttled(w) {
		return
	}
	upn, rest, ok := splitUser(path, me)
	if !ok {
		graphErr(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+path+"'.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	mb, known := f.mailboxes[upn]
	if !known {
		graphErr(w, http.StatusNotFound, "ErrorInvalidUser", "The requested user '"+upn+"' is invalid.")
		return
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	switch {
	case len(parts) == 1 && parts[0] == "contactFolders":
		f.listFolders(w, r, mb, "")
	case len(parts) == 3 && parts[0] == "contactFolders" && parts[2] == "childFolders":
		f.listFolders(w, r, mb, parts[1])
	case len(parts) >= 3 && parts[0] == "contactFolders" && parts[2] == "contacts":
		f.routeFolderContacts(w, r, mb, parts[1], parts[3:])
	case parts[0] == "contacts":
		f.routeFolderContacts(w, r, mb, "", parts[1:])
	case parts[0] == "calendars" || parts[0] == "events":
		f.routeEvents(w, r, mb, parts)
	case parts[0] == "mailFolders" || parts[0] == "messages" || parts[0] == "sendMail":
		f.routeMail(w, r, mb, parts)
	case parts[0] == "todo":
		f.routeTodo(w, r, mb, parts[1:])
	default:
		graphErr(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+rest+"'.")
	}
}

// splitUser takes /me/… or /users/{upn}/… apart.
func splitUser(path, me string) (upn, rest string, ok bool) {
	if strings.HasPrefix(path, "/me/") && me != "" {
		return me, path[3:], true
	}
	if strings.HasPrefix(path, "/users/") {
		upn, rest, _ := strings.Cut(path[len("/users/"):], "/")
		return upn, "/" + rest, upn != "" && (me == "" || me == upn)
	}
	return "", "", false
}

// routeFolderContacts serves …/contacts[/delta|/{id}] of a folder; an
// item path is served whatever folder it names, as Graph does.
func (f *GraphFake) routeFolderContacts(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, folder string, tail []string) {
	if len(tail) == 1 && tail[0] != "delta" {
		f.serveContact(w, r, mb, tail[0])
		return
	}
	if _, ok := mb.folders[folder]; !ok {
		graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	switch {
	case len(tail) == 1 && tail[0] == "delta" && r.Method == http.MethodGet:
		f.serveDelta(w, r, mb, folder)
	case len(tail) == 0 && r.Method == http.MethodGet:
		f.serveFilter(w, r, mb, folder)
	case len(tail) == 0 && r.Method == http.MethodPost:
		f.createContact(w, r, mb, folder)
	default:
		graphErr(w, http.StatusMethodNotAllowed, "BadRequest", "Unsupported method.")
	}
}

func (f *GraphFake) listFolders(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, parent string) {
	if _, ok := mb.folders[parent]; !ok {
		graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
		return
	}
	list := []map[string]string{}
	for _, fo := range mb.folders {
		if fo.id != "" && fo.parent == parent {
			list = append(list, map[string]string{"id": fo.id, "displayName": fo.name, "parentFolderId": parent})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": list})
}

// serveDelta pages through a folder's changes: $deltatoken=N lists
// changes after N, $skiptoken=since.upTo.offset continues a listing.
func (f *GraphFake) serveDelta(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, folder string) {
	since, upTo, offset, ok := f.deltaPosition(w, r)
	if !ok {
		return
	}
	items, total := mb.deltaItems(folder, since, upTo, offset, f.pageSize)
	f.writeDeltaPage(w, r, items, since, upTo, offset, total)
}

// deltaPosition reads a delta request's position: $deltatoken=N lists
// changes after N, $skiptoken=since.upTo.offset continues a listing. A
// token older than the last ExpireDeltaTokens answers 410.
func (f *GraphFake) deltaPosition(w http.ResponseWriter, r *http.Request) (since, upTo int64, offset int, ok bool) {
	q := r.URL.Query()
	upTo = f.seq
	gone := func() (int64, int64, int, bool) {
		graphErr(w, http.StatusGone, "syncStateNotFound", "The sync state generation is not found.")
		return 0, 0, 0, false
	}
	if tok := q.Get("$deltatoken"); tok != "" {
		n, err := strconv.ParseInt(tok, 10, 64)
		if err != nil || n < f.minToken {
			return gone()
		}
		since = n
	}
	if tok := q.Get("$skiptoken"); tok != "" {
		if _, err := fmt.Sscanf(tok, "%d.%d.%d", &since, &upTo, &offset); err != nil || (since > 0 && since < f.minToken) {
			return gone()
		}
	}
	return since, upTo, offset, true
}

// writeDeltaPage answers with one page of delta entries and the next or
// delta link; other query parameters of the request (a calendar view's
// window) are kept in both links.
func (f *GraphFake) writeDeltaPage(w http.ResponseWriter, r *http.Request, items []map[string]any, since, upTo int64, offset, total int) {
	end := offset + len(items)
	page := map[string]any{"value": items}
	q := r.URL.Query()
	q.Del("$deltatoken")
	q.Del("$skiptoken")
	if end < total {
		q.Set("$skiptoken", fmt.Sprintf("%d.%d.%d", since, upTo, end))
		page["@odata.nextLink"] = f.BaseURL + strings.TrimPrefix(r.URL.Path, "/v1.0") + "?" + q.Encode()
	} else {
		q.Set("$deltatoken", strconv.FormatInt(upTo, 10))
		page["@odata.deltaLink"] = f.BaseURL + strings.TrimPrefix(r.URL.Path, "/v1.0") + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, page)
}

var filterValue = regexp.MustCompile(`^singleValueExtendedProperties/Any\(ep: ep/id eq '((?:[^']|'')*)' and ep/value eq '((?:[^']|'')*)'\)$`)
var expandID = regexp.MustCompile(`^singleValueExtendedProperties\(\$filter=id eq '((?:[^']|'')*)'\)$`)

// serveFilter lists a folder's contacts that carry an extended property
// value (the only $filter the fake knows).
func (f *GraphFake) serveFilter(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, folder string) {
	m := filterValue.FindStringSubmatch(r.URL.Query().Get("$filter"))
	if m == nil {
		graphErr(w, http.StatusBadRequest, "BadRequest", "The fake only filters on one extended property value.")
		return
	}
	id, value := unquote(m[1]), unquote(m[2])
	list := []map[string]any{}
	for _, c := range mb.contacts {
		if c.folder == folder && c.extended[id] == value {
			list = append(list, c.render(expandedID(r)))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": list})
}

func unquote(s string) string { return strings.ReplaceAll(s, "''", "'") }

func expandedID(r *http.Request) string {
	if m := expandID.FindStringSubmatch(r.URL.Query().Get("$expand")); m != nil {
		return unquote(m[1])
	}
	return ""
}

// batchPart builds the request of one $batch part.
func batchPart(method, rel string, headers map[string]string, body json.RawMessage) (*http.Request, error) {
	u, err := url.Parse("/v1.0" + rel)
	if err != nil {
		return nil, err
	}
	r, err := http.NewRequest(method, u.String(), strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r, nil
}

// seqEntry is one delta entry with the change sequence it belongs to.
type seqEntry struct {
	seq  int64
	item map[string]any
}

// removedEntry is a delta entry for a deleted item.
func removedEntry(seq int64, id string) seqEntry {
	return seqEntry{seq, map[string]any{"id": id, "@removed": map[string]string{"reason": "deleted"}}}
}

// tombEntries are the tombstones of folder deleted after since (none for
// an initial listing) up to upTo.
func tombEntries(tombs []fakeTombstone, folder string, since, upTo int64) []seqEntry {
	var out []seqEntry
	for _, t := range tombs {
		if since > 0 && t.folder == folder && t.seq > since && t.seq <= upTo {
			out = append(out, removedEntry(t.seq, t.id))
		}
	}
	return out
}

// writeSeqPage sorts entries by sequence and answers with the page from
// offset.
func (f *GraphFake) writeSeqPage(w http.ResponseWriter, r *http.Request, entries []seqEntry, since, upTo int64, offset int) {
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].seq < entries[j].seq })
	end := min(offset+f.pageSize, len(entries))
	page := []map[string]any{}
	for _, e := range entries[min(offset, end):end] {
		page = append(page, e.item)
	}
	f.writeDeltaPage(w, r, page, since, upTo, offset, len(entries))
}

// staleIfMatch answers 412 when a write names a change key that is no
// longer the item's.
func staleIfMatch(w http.ResponseWriter, r *http.Request, etag string) bool {
	if m := r.Header.Get("If-Match"); m != "" && m != etag && r.Method != http.MethodGet {
		graphErr(w, http.StatusPreconditionFailed, "ErrorIrresolvableConflict", "The change key passed in the request does not match the current change key for the item.")
		return true
	}
	return false
}
