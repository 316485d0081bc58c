package mailimport

import (
	"context"
	"time"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

// Source is a mailbox a run imports from: an IMAP server (the mail
// configuration's incoming server) or a Microsoft 365 mailbox over Graph
// (a configuration without one whose groupware is Graph). The pipeline
// names messages by UID under the folder's UIDVALIDITY, as IMAP does; a
// source without UIDs numbers the messages it lists.
type Source interface {
	// ListUnseen opens folder and returns its UIDVALIDITY and the UIDs
	// of its unseen messages, ascending; with a non-zero since only those
	// that arrived on or after since's date.
	ListUnseen(ctx context.Context, folder string, since time.Time) (uidValidity uint32, uids []uint32, err error)
	// FetchStream hands the raw messages of uids to fn one after the
	// other, without marking them seen; a UID whose message is gone is
	// left out. When fn fails the error is returned.
	FetchStream(ctx context.Context, uids []uint32, fn func(*mailbox.Message) error) error
	// Move moves uids of the folder into dest as one batch, creating
	// dest (and its parents) when it is missing, so no folder needs to
	// be created beforehand.
	Move(ctx context.Context, uids []uint32, dest string) error
	// Logout ends the session.
	Logout(ctx context.Context) error
}

// imapSource is an IMAP connection as a Source.
type imapSource struct{ *mailbox.IMAP }

// ListUnseen selects folder and searches its unseen messages.
func (s imapSource) ListUnseen(ctx context.Context, folder string, since time.Time) (uint32, []uint32, error) {
	status, err := s.Select(ctx, folder)
	if err != nil {
		return 0, nil, err
	}
	uids, err := s.SearchUnseen(ctx, since)
	return status.UIDValidity, uids, err
}

// usesGraph reports whether cfg's mail is read over Microsoft Graph: it
// has no incoming (IMAP) server and its groupware is Graph.
func usesGraph(cfg *store.MailConfig) bool {
	if cfg.IMAPAddr != "" {
		return false
	}
	system, err := groupwaresync.ParseSystem(cfg.CalendarSystem)
	return err == nil && system == groupwaresync.SystemGraph
}

// openSource connects to the mailbox of req.Config: over Graph when
// usesGraph says so (concurrent: the source fetches and moves at the
// same time), else over IMAP.
func (p *Pipeline) openSource(ctx context.Context, req Request, dial mailconn.DialOptions) (src Source, concurrent bool, err error) {
	if usesGraph(req.Config) {
		src, err := p.openGraphSource(ctx, req)
		return src, true, err
	}
	c, err := mailconn.DialIMAP(ctx, p.Deps.Store, req.Config, req.RunAs, dial)
	if err != nil {
		return nil, false, err
	}
	return imapSource{c}, false, nil
}
