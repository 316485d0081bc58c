package mailserver

import (
	"bytes"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

// The in-memory backend answers BODY[] by parsing the stored message and
// writing its header again: a message whose header go-message cannot read
// (an mbox "From " first line, a leading space, bare CR line ends) comes
// back empty, and others may come back changed. A real server returns the
// stored bytes. So the server keeps the bytes of every message the backend
// would not return as stored beside it, keyed by user, folder UIDVALIDITY
// and UID, and serves BODY[] of those messages itself (fetch.go).

// rawKey names one message of one user.
type rawKey struct {
	user     string
	validity uint32
	uid      imap.UID
}

// rawMessage is a message the backend would not return as stored.
type rawMessage struct {
	buf  []byte
	date time.Time // its internal date
}

// rawMessages holds the messages the server serves itself, and every flag
// keyword a client has used (to read a message's flags back by search).
type rawMessages struct {
	mu       sync.Mutex
	m        map[rawKey]rawMessage
	folders  map[folderID]bool // the folders with at least one message in m
	keywords map[imap.Flag]bool
}

// servedChanged reports whether the backend would answer BODY[] of buf with
// other bytes than buf.
func servedChanged(buf []byte) bool {
	served := imapserver.ExtractBodySection(bytes.NewReader(buf), &imap.FetchItemBodySection{})
	return !bytes.Equal(served, buf)
}

// folderID names one folder of one user.
type folderID struct {
	user     string
	validity uint32
}

// add records m as message uid of the folder with UIDVALIDITY validity.
func (r *rawMessages) add(user string, validity uint32, uid imap.UID, m rawMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m, r.folders = map[rawKey]rawMessage{}, map[folderID]bool{}
	}
	r.m[rawKey{user, validity, uid}] = m
	r.folders[folderID{user, validity}] = true
}

// get returns the message uid of a folder, if the server serves it.
func (r *rawMessages) get(user string, validity uint32, uid imap.UID) (rawMessage, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.m[rawKey{user, validity, uid}]
	return m, ok
}

// inFolder reports whether the server serves any message of the folder.
func (r *rawMessages) inFolder(user string, validity uint32) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.folders[folderID{user, validity}]
}

// copied records the copies of served messages: the i-th of from became
// the i-th of to in the folder with UIDVALIDITY toValidity.
func (r *rawMessages) copied(user string, fromValidity uint32, from []imap.UID, toValidity uint32, to []imap.UID) {
	for i, uid := range from {
		if m, ok := r.get(user, fromValidity, uid); ok && i < len(to) {
			r.add(user, toValidity, to[i], m)
		}
	}
}

// noteKeywords remembers the keywords among flags.
func (r *rawMessages) noteKeywords(flags []imap.Flag) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, f := range flags {
		if !strings.HasPrefix(string(f), `\`) {
			if r.keywords == nil {
				r.keywords = map[imap.Flag]bool{}
			}
			r.keywords[imap.Flag(strings.ToLower(string(f)))] = true
		}
	}
}

// flagCandidates lists the system flags and every keyword used so far.
func (r *rawMessages) flagCandidates() []imap.Flag {
	flags := []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft}
	r.mu.Lock()
	defer r.mu.Unlock()
	for f := range r.keywords {
		flags = append(flags, f)
	}
	return flags
}
