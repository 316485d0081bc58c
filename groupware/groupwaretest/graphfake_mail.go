package groupwaretest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"time"
)

// fakeMail is the mail of one GraphFake mailbox: folders by id and
// messages by id, each with its raw MIME.
type fakeMail struct {
	folders   map[string]string // id → display name
	parents   map[string]string // id → parent folder id ("" at the top level)
	wellKnown map[string]string // well-known name (inbox, sentitems) → id
	messages  map[string]*fakeMessage
}

type fakeMessage struct {
	id, folder string
	seq        int64
	read       bool
	received   time.Time
	raw        []byte
}

// mailOf returns the mail of mb with its Inbox and Sent Items, creating
// it; f.mu is held.
func (f *GraphFake) mailOf(mb *fakeMailbox) *fakeMail {
	if mb.mail == nil {
		mb.mail = &fakeMail{folders: map[string]string{}, parents: map[string]string{}, wellKnown: map[string]string{}, messages: map[string]*fakeMessage{}}
		for _, wk := range [][2]string{{"inbox", "Inbox"}, {"sentitems", "Sent Items"}} {
			id := f.newMailFolder(mb, "", wk[1])
			mb.mail.wellKnown[wk[0]] = id
		}
	}
	return mb.mail
}

func (f *GraphFake) newMailFolder(mb *fakeMailbox, parent, name string) string {
	mb.nextID++
	id := fmt.Sprintf("mailfolder-%d", mb.nextID)
	mb.mail.folders[id] = name
	mb.mail.parents[id] = parent
	return id
}

// AddMailFolder creates a top-level mail folder named name and returns
// its id.
func (f *GraphFake) AddMailFolder(upn, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	mb := f.mailboxFor(upn)
	f.mailOf(mb)
	return f.newMailFolder(mb, "", name)
}

// MailFolderByPath returns the id of the mail folder at path (display
// names separated by "/", case insensitive), "" when there is none.
func (f *GraphFake) MailFolderByPath(upn, path string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.mailOf(f.mailboxFor(upn))
	parent := ""
	for _, name := range strings.Split(path, "/") {
		found := ""
		for id, n := range m.folders {
			if m.parents[id] == parent && strings.EqualFold(n, name) {
				found = id
			}
		}
		if found == "" {
			return ""
		}
		parent = found
	}
	return parent
}

// AddMessage delivers the raw MIME message to the folder (an id or a
// well-known name such as "inbox") and returns the message's id.
func (f *GraphFake) AddMessage(upn, folder string, raw []byte) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	mb := f.mailboxFor(upn)
	return f.putMessage(mb, f.mailOf(mb).folderID(folder), raw)
}

func (f *GraphFake) putMessage(mb *fakeMailbox, folder string, raw []byte) string {
	return f.putMessageRead(mb, folder, raw, false, time.Now().UTC())
}

// putMessageRead stores a message with its read flag and time of arrival.
func (f *GraphFake) putMessageRead(mb *fakeMailbox, folder string, raw []byte, read bool, received time.Time) string {
	mb.nextID++
	f.seq++
	id := fmt.Sprintf("msg-%d", mb.nextID)
	mb.mail.messages[id] = &fakeMessage{id: id, folder: folder, seq: f.seq, read: read, received: received,
		raw: append([]byte(nil), raw...)}
	return id
}

// MarkMessagesRead marks every message of a folder (id or well-known
// name) read or unread.
func (f *GraphFake) MarkMessagesRead(upn, folder string, read bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.mailOf(f.mailboxFor(upn))
	for _, msg := range m.inFolder(m.folderID(folder)) {
		msg.read = read
	}
}

// MessagesIn returns the raw messages of a folder (id or well-known
// name) in the order they arrived there.
func (f *GraphFake) MessagesIn(upn, folder string) [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := f.mailOf(f.mailboxFor(upn))
	var out [][]byte
	for _, msg := range m.inFolder(m.folderID(folder)) {
		out = append(out, msg.raw)
	}
	return out
}

// folderID resolves a well-known folder name to its id.
func (m *fakeMail) folderID(idOrName string) string {
	if id, ok := m.wellKnown[strings.ToLower(idOrName)]; ok {
		return id
	}
	return idOrName
}

func (m *fakeMail) inFolder(folder string) []*fakeMessage {
	var list []*fakeMessage
	for _, msg := range m.messages {
		if msg.folder == folder {
			list = append(list, msg)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].seq < list[j].seq })
	return list
}

// routeMail serves /mailFolders[/{id}/messages], /messages/{id}/$value,
// /messages/{id}/move and /sendMail.
func (f *GraphFake) routeMail(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, parts []string) {
	m := f.mailOf(mb)
	switch {
	case len(parts) == 1 && parts[0] == "mailFolders" && r.Method == http.MethodGet:
		f.listMailFolders(w, m, "")
	case len(parts) == 3 && parts[0] == "mailFolders" && parts[2] == "childFolders" && m.folders[m.folderID(parts[1])] == "":
		graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified folder was not found in the store.")
	case len(parts) == 3 && parts[0] == "mailFolders" && parts[2] == "childFolders" && r.Method == http.MethodGet:
		f.listMailFolders(w, m, m.folderID(parts[1]))
	case len(parts) == 1 && parts[0] == "mailFolders" && r.Method == http.MethodPost:
		f.createMailFolder(w, r, mb, "")
	case len(parts) == 3 && parts[0] == "mailFolders" && parts[2] == "childFolders" && r.Method == http.MethodPost:
		f.createMailFolder(w, r, mb, m.folderID(parts[1]))
	case len(parts) == 3 && parts[0] == "mailFolders" && parts[2] == "messages" && r.Method == http.MethodGet:
		f.listMessages(w, r, m, m.folderID(parts[1]))
	case len(parts) == 1 && parts[0] == "sendMail" && r.Method == http.MethodPost:
		f.sendMail(w, r, mb, m)
	case len(parts) == 3 && parts[0] == "messages" && m.messages[parts[1]] == nil:
		graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
	case len(parts) == 3 && parts[0] == "messages" && parts[2] == "$value" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write(m.messages[parts[1]].raw)
	case len(parts) == 3 && parts[0] == "messages" && parts[2] == "move" && r.Method == http.MethodPost:
		f.moveMessage(w, r, mb, m, parts[1])
	default:
		graphErr(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+strings.Join(parts, "/")+"'.")
	}
}

// listMessages pages through a folder's messages ($skip as the page
// cursor), with the properties the mail source selects.
func (f *GraphFake) listMessages(w http.ResponseWriter, r *http.Request, m *fakeMail, folder string) {
	if _, ok := m.folders[folder]; !ok {
		graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The specified folder was not found in the store.")
		return
	}
	all := m.inFolder(folder)
	if filter := r.URL.Query().Get("$filter"); filter != "" {
		if filter != "isRead eq false" {
			graphErr(w, http.StatusBadRequest, "ErrorInvalidUrlQueryFilter", "the fake filters messages by isRead eq false only.")
			return
		}
		var unread []*fakeMessage
		for _, msg := range all {
			if !msg.read {
				unread = append(unread, msg)
			}
		}
		all = unread
	}
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skip"))
	end := min(skip+f.pageSize, len(all))
	page := []map[string]any{}
	for _, msg := range all[min(skip, end):end] {
		page = append(page, map[string]any{"id": msg.id, "internetMessageId": messageID(msg.raw), "isRead": msg.read,
			"receivedDateTime": msg.received.Format(time.RFC3339)})
	}
	out := map[string]any{"value": page}
	if end < len(all) {
		next := *r.URL
		q := next.Query()
		q.Set("$skip", strconv.Itoa(end))
		next.RawQuery = q.Encode()
		out["@odata.nextLink"] = f.Server.URL + next.RequestURI()
	}
	writeJSON(w, http.StatusOK, out)
}

// messageID is the Message-ID header of raw ("" when it has none or
// does not parse).
func messageID(raw []byte) string {
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		return ""
	}
	return msg.Header.Get("Message-Id")
}

// moveMessage moves a message as Graph does: the moved copy gets a new id.
func (f *GraphFake) moveMessage(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, m *fakeMail, id string) {
	var body struct {
		DestinationID string `json:"destinationId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.DestinationID == "" {
		graphErr(w, http.StatusBadRequest, "ErrorInvalidRequest", "destinationId is required.")
		return
	}
	dest := m.folderID(body.DestinationID)
	if _, ok := m.folders[dest]; !ok {
		graphErr(w, http.StatusNotFound, "ErrorItemNotFound", "The destination folder was not found in the store.")
		return
	}
	moved := m.messages[id]
	delete(m.messages, id)
	newID := f.putMessageRead(mb, dest, moved.raw, moved.read, moved.received)
	writeJSON(w, http.StatusCreated, map[string]any{"id": newID, "parentFolderId": dest})
}

// sendMail takes a MIME message (base64, text/plain) as Graph's
// sendMail does and saves it to Sent Items.
func (f *GraphFake) sendMail(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, m *fakeMail) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		graphErr(w, http.StatusBadRequest, "ErrorInvalidRequest", "the fake takes sendMail as MIME only.")
		return
	}
	data, err := io.ReadAll(r.Body)
	raw, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || derr != nil || len(raw) == 0 {
		graphErr(w, http.StatusBadRequest, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.")
		return
	}
	f.putMessageRead(mb, m.wellKnown["sentitems"], raw, true, time.Now().UTC())
	w.WriteHeader(http.StatusAccepted)
}

// listMailFolders lists the top-level mail folders (parent "") or the
// child folders of parent.
func (f *GraphFake) listMailFolders(w http.ResponseWriter, m *fakeMail, parent string) {
	list := []map[string]string{}
	for id, name := range m.folders {
		if m.parents[id] == parent {
			list = append(list, map[string]string{"id": id, "displayName": name})
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i]["id"] < list[j]["id"] })
	writeJSON(w, http.StatusOK, map[string]any{"value": list})
}

// createMailFolder creates a mail folder under parent ("" = top level);
// a sibling of the same name is a conflict, as in Graph.
func (f *GraphFake) createMailFolder(w http.ResponseWriter, r *http.Request, mb *fakeMailbox, parent string) {
	var body struct {
		DisplayName string `json:"displayName"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.DisplayName == "" {
		graphErr(w, http.StatusBadRequest, "ErrorInvalidRequest", "displayName is required.")
		return
	}
	for id, name := range mb.mail.folders {
		if mb.mail.parents[id] == parent && strings.EqualFold(name, body.DisplayName) {
			graphErr(w, http.StatusConflict, "ErrorFolderExists", "A folder with the specified name already exists.")
			return
		}
	}
	id := f.newMailFolder(mb, parent, body.DisplayName)
	writeJSON(w, http.StatusCreated, map[string]any{"id": id, "displayName": body.DisplayName, "parentFolderId": parent})
}
