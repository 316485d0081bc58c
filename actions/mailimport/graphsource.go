package mailimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/groupware/graph"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

// graphSource is a mail folder of a Microsoft 365 mailbox read over
// Graph: the messages are listed, fetched as MIME ($value), several at a
// time, and moved in batches. It is safe for one fetching and one moving
// goroutine.
//
// Graph has no UIDs, and a moved message gets a new id. ListUnseen
// numbers the messages it lists 1..n, oldest first, under a UIDVALIDITY
// of the run's own (the run's start in Unix seconds, raised past any the
// ledger holds for these numbers), so a ledger key is never reused: a
// message seen again by a later run, because that run ended between
// commit and move, is found by its content hash (the ledger's duplicate
// check) and is only moved, as an IMAP message is after its folder's
// UIDVALIDITY changed.
type graphSource struct {
	conn *graph.Connector
	st   *store.Store
	cfg  *store.MailConfig
	now  func() time.Time
	// lock records a refused sign-in on the credentials' owner (nil in a
	// dry run, which changes nothing)
	lock func(ctx context.Context, cause error) error

	// ids and received are indexed by UID-1; set by ListUnseen
	ids      []string
	received []time.Time

	mu      sync.Mutex
	folders map[string]string // folder path → Graph id, for moves
}

// openGraphSource signs in to the Microsoft 365 mailbox of req.Config:
// refused before any request when the configuration (or the employee
// whose sign-in it uses) is locked.
func (p *Pipeline) openGraphSource(ctx context.Context, req Request) (Source, error) {
	cfg := req.Config
	if err := mailconn.Usable(cfg, req.RunAs); err != nil {
		return nil, err
	}
	owner, err := graphMailboxOwner(cfg, req)
	if err != nil {
		return nil, err
	}
	conn, lock, err := groupwaresync.GraphMailLocking(ctx, p.Deps.Store, cfg, owner, nil)
	if err != nil {
		return nil, engine.Permanent(err)
	}
	if req.DryRun {
		lock = nil
	}
	return &graphSource{conn: conn, st: p.Deps.Store, cfg: cfg, now: p.Deps.now, lock: lock, folders: map[string]string{}}, nil
}

// refused locks the credentials' owner when err is a refused sign-in, as
// a refused IMAP login does, so that timers do not try them again; the
// error then wraps mailconn.ErrLocked too.
func (s *graphSource) refused(ctx context.Context, err error) error {
	if s.lock == nil || !errors.Is(err, groupware.ErrAuth) {
		return err
	}
	if lerr := s.lock(context.WithoutCancel(ctx), err); lerr != nil {
		return fmt.Errorf("%w (recording the lock failed: %v)", err, lerr)
	}
	return fmt.Errorf("%w; %w until its credentials change", err, mailconn.ErrLocked)
}

// graphMailboxOwner is whose mailbox a Graph import reads: the address
// the configuration names as its user name, else the employee the
// imports are delegated to, else the run-as employee. The employee's own
// sign-in (when the configuration has no client secret) stays theirs.
func graphMailboxOwner(cfg *store.MailConfig, req Request) (*store.Employee, error) {
	emp := req.Delegate
	if emp == nil {
		emp = req.RunAs
	}
	if strings.Contains(cfg.UserName, "@") {
		owner := store.Employee{}
		if emp != nil {
			owner = *emp
		}
		owner.GroupwareLogin = cfg.UserName
		if owner.Email == "" {
			owner.Email = cfg.UserName
		}
		return &owner, nil
	}
	if emp == nil {
		return nil, engine.Permanent(fmt.Errorf("mail configuration %s reads its mail over Microsoft Graph but names no mailbox: set its user name to the mailbox's address (wfe mailconfig set %s --user ADDRESS) or run the import as an employee",
			cfg.MatchCode, cfg.MatchCode))
	}
	return emp, nil
}

// isSentFolder reports whether folder names a mailbox's Sent Items (the
// well-known name, or the English or German display name).
func isSentFolder(folder string) bool {
	switch strings.ToLower(strings.TrimSpace(folder)) {
	case "sentitems", "sent items", "gesendete elemente":
		return true
	}
	return false
}

// ListUnseen lists the unread messages of folder (a path of display
// names, or a well-known name such as inbox); of Sent Items, where
// every message is read, all of them.
func (s *graphSource) ListUnseen(ctx context.Context, folder string, since time.Time) (uint32, []uint32, error) {
	id, err := s.conn.MailFolderPath(ctx, folder, false)
	if err != nil {
		return 0, nil, s.refused(ctx, err)
	}
	var list []graph.MailMessage
	if isSentFolder(folder) {
		list, err = s.conn.Messages(ctx, id)
	} else {
		list, err = s.conn.UnreadMessages(ctx, id)
	}
	if err != nil {
		return 0, nil, s.refused(ctx, err)
	}
	list = arrivedSince(list, since)
	sort.SliceStable(list, func(i, j int) bool { return list[i].ReceivedDateTime.Before(list[j].ReceivedDateTime) })
	s.ids, s.received = make([]string, len(list)), make([]time.Time, len(list))
	uids := make([]uint32, len(list))
	for i, m := range list {
		s.ids[i], s.received[i], uids[i] = m.ID, m.ReceivedDateTime, uint32(i+1)
	}
	validity, err := s.freshValidity(ctx, folder, uids)
	return validity, uids, err
}

// arrivedSince keeps the messages that arrived on or after since's date
// (all with a zero since).
func arrivedSince(list []graph.MailMessage, since time.Time) []graph.MailMessage {
	if since.IsZero() {
		return list
	}
	day := time.Date(since.Year(), since.Month(), since.Day(), 0, 0, 0, 0, since.Location())
	var out []graph.MailMessage
	for _, m := range list {
		if !m.ReceivedDateTime.Before(day) {
			out = append(out, m)
		}
	}
	return out
}

// freshValidity is the run's UIDVALIDITY: the current Unix second, or the
// first one after it under which the ledger holds none of uids.
func (s *graphSource) freshValidity(ctx context.Context, folder string, uids []uint32) (uint32, error) {
	v := uint32(s.now().Unix())
	if len(uids) == 0 {
		return v, nil
	}
	for {
		seen, err := s.st.LedgerKeys(ctx, s.cfg.ID, folder, v, uids)
		if err != nil {
			return 0, engine.Retryable(err)
		}
		if len(seen) == 0 {
			return v, nil
		}
		v++
	}
}

// graphFetchAhead is how many messages a Graph source fetches at the same
// time: each $value is a request of its own, and the next ones are under
// way while one is handed on.
const graphFetchAhead = 4

// mimeAnswer is one message's $value response (or its error).
type mimeAnswer struct {
	body io.ReadCloser
	err  error
}

// FetchStream fetches the MIME of the messages, graphFetchAhead at a
// time, and hands them on in the order of uids; one deleted or moved away
// meanwhile is left out.
func (s *graphSource) FetchStream(ctx context.Context, uids []uint32, fn func(*mailbox.Message) error) error {
	ctx, cancel := context.WithCancel(ctx)
	answers := make([]chan mimeAnswer, len(uids))
	started, handled := 0, 0
	defer func() {
		// the messages fetched ahead and not handed on
		cancel()
		for i := handled; i < started; i++ {
			if a := <-answers[i]; a.body != nil {
				a.body.Close()
			}
		}
	}()
	for handled < len(uids) {
		for ; started < len(uids) && started < handled+graphFetchAhead; started++ {
			ch, id := make(chan mimeAnswer, 1), s.ids[uids[started]-1]
			answers[started] = ch
			go func() {
				body, err := s.conn.MessageMIME(ctx, id)
				ch <- mimeAnswer{body, err}
			}()
		}
		i := handled
		a := <-answers[i]
		handled++
		if errors.Is(a.err, groupware.ErrNotFound) {
			continue
		}
		if a.err != nil {
			return s.refused(ctx, a.err)
		}
		err := fn(&mailbox.Message{UID: uids[i], InternalDate: s.received[uids[i]-1], Body: a.body})
		a.body.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// Move moves the messages into dest, created when missing, in $batch
// requests of 20; a message no longer there was moved or deleted by
// someone else.
func (s *graphSource) Move(ctx context.Context, uids []uint32, dest string) error {
	destID, err := s.folderID(ctx, dest)
	if err != nil {
		return err
	}
	ids := make([]string, len(uids))
	for i, uid := range uids {
		ids[i] = s.ids[uid-1]
	}
	errs, err := s.conn.MoveMessages(ctx, ids, destID)
	if err != nil {
		return s.refused(ctx, err)
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, groupware.ErrNotFound) {
			return err
		}
	}
	return nil
}

// folderID finds (creating it when missing) the folder at path, once per run.
func (s *graphSource) folderID(ctx context.Context, path string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.folders[path]; ok {
		return id, nil
	}
	id, err := s.conn.MailFolderPath(ctx, path, true)
	if err != nil {
		return "", s.refused(ctx, err)
	}
	s.folders[path] = id
	return id, nil
}

// Logout does nothing: Graph has no session to end.
func (s *graphSource) Logout(context.Context) error { return nil }
