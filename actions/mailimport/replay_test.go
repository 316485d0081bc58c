package mailimport_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/console"
	"github.com/wfehq/wfe/store/storetest"
)

// quarantineRaw stores raw as a quarantined mail of e's configuration
// (UID uid) and returns its ledger entry.
func (e *env) quarantineRaw(uid uint32, raw []byte, reason string) *store.LedgerEntry {
	e.t.Helper()
	sha, _, err := e.st.PutBlob(e.ctx, bytes.NewReader(raw))
	if err != nil {
		e.t.Fatal(err)
	}
	key := store.LedgerKey{MailConfigID: e.cfg.ID, Mailbox: "INBOX", UIDValidity: 7, UID: uid}
	if _, err := e.st.CommitImport(e.ctx, []store.ImportItem{{Key: key, ContentSHA256: sha, RawBlob: sha, QuarantineError: reason}}); err != nil {
		e.t.Fatal(err)
	}
	got, err := e.st.LedgerByKey(e.ctx, key)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

func TestReplayImportsQuarantinedMail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, mailtest.IMAPOptions{})
		raw := simpleMail("Jürgen Müller <"+muellerAddr+">", "anna.schmidt@firma.example", "Angebot nach Fix", "fix-1@kunde", "Bitte um Angebot")
		q := e.quarantineRaw(3, raw, "mapper: partner lookup timed out")

		res, err := mailimport.Replay(e.ctx, e.deps(), q.ID, runAsLogin)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != store.OutcomeImported || res.ActivityID == 0 {
			t.Fatalf("replay = %+v, want imported with an activity", res)
		}
		a, err := st.GetActivity(e.ctx, res.ActivityID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Subject != "Angebot nach Fix" || a.GlobalID != "fix-1@kunde" || a.MailConfigID == nil || *a.MailConfigID != e.cfg.ID {
			t.Errorf("activity = subject %q global id %q config %v", a.Subject, a.GlobalID, a.MailConfigID)
		}
		if len(a.ContactIDs) != 1 || a.ContactIDs[0] != e.contact.ID {
			t.Errorf("contacts = %v, want the sender's contact %d", a.ContactIDs, e.contact.ID)
		}
		entry, err := st.Console().LedgerEntry(e.ctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if entry.Outcome != console.OutcomeReplayed || entry.ActivityID == nil || *entry.ActivityID != res.ActivityID {
			t.Errorf("entry after replay = outcome %s activity %v, want replayed → %d", entry.Outcome, entry.ActivityID, res.ActivityID)
		}
		// a second replay finds the entry replayed and imports nothing
		if _, err := mailimport.Replay(e.ctx, e.deps(), q.ID, runAsLogin); !errors.Is(err, mailimport.ErrNotQuarantined) {
			t.Errorf("second replay: err = %v, want ErrNotQuarantined", err)
		}
		if n := len(e.activities()); n != 1 {
			t.Errorf("%d activities after two replays, want 1", n)
		}
	})
}

func TestReplayFailingAgainKeepsEntryWithNewReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, mailtest.IMAPOptions{})
		q := e.quarantineRaw(4, []byte("garbage without any header\r\n"), "old reason")
		res, err := mailimport.Replay(e.ctx, e.deps(), q.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != store.OutcomeQuarantined || !strings.Contains(res.Reason, "no header fields") {
			t.Fatalf("replay = %+v, want quarantined again naming the parse failure", res)
		}
		entry, err := st.Console().LedgerEntry(e.ctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if entry.Outcome != store.OutcomeQuarantined || entry.Error != res.Reason {
			t.Errorf("entry = outcome %s error %q, want quarantined with %q", entry.Outcome, entry.Error, res.Reason)
		}
		if n := len(e.activities()); n != 0 {
			t.Errorf("%d activities, want none", n)
		}
	})
}
