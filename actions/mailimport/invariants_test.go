package mailimport_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

var errCrash = errors.New("simulated crash")

// crashAt returns a fault function that fails the n-th time point is
// reached (1-based), and only then.
func crashAt(point string, n int) func(string) error {
	seen := 0
	return func(p string) error {
		if p != point {
			return nil
		}
		seen++
		if seen == n {
			return errCrash
		}
		return nil
	}
}

func numberedMails(n int) [][]byte {
	var out [][]byte
	for i := range n {
		out = append(out, simpleMail(muellerAddr, "info@firma.example", fmt.Sprintf("Mail %02d", i), fmt.Sprintf("mail-%02d@kunde-mueller.example", i), fmt.Sprintf("Text %d", i)))
	}
	return out
}

// checkExactlyOnce asserts that every appended mail is in the store exactly
// once (by Message-ID and content hash) and the inbox is empty.
func checkExactlyOnce(t *testing.T, e *env, raws [][]byte) {
	t.Helper()
	var wantIDs, wantHashes, gotIDs, gotHashes []string
	for i, r := range raws {
		wantIDs = append(wantIDs, fmt.Sprintf("mail-%02d@kunde-mueller.example", i))
		wantHashes = append(wantHashes, contentHash(r))
	}
	for _, a := range e.activities() {
		gotIDs = append(gotIDs, a.GlobalID)
	}
	for _, l := range e.ledger() {
		if l.Outcome == store.OutcomeImported {
			gotHashes = append(gotHashes, l.ContentSHA256)
		}
	}
	for _, l := range [][]string{wantIDs, wantHashes, gotIDs, gotHashes} {
		sort.Strings(l)
	}
	if !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("Message-IDs of the activities:\n got %v\nwant %v", gotIDs, wantIDs)
	}
	if !slices.Equal(gotHashes, wantHashes) {
		t.Errorf("content hashes in the ledger: got %d, want %d distinct appended", len(gotHashes), len(wantHashes))
	}
	if n := len(e.inbox()); n != 0 {
		t.Errorf("%d mails left in the inbox", n)
	}
	if n := len(e.folder(importDir)); n != len(raws) {
		t.Errorf("%d mails in %s, want %d", n, importDir, len(raws))
	}
}

func TestCrashAfterCommitBeforeMove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, mailtest.IMAPOptions{})
		raws := numberedMails(10)
		e.appendRaw(raws...)
		// batches of 4: the second batch is committed, then the "crash"
		e.faults = crashAt("after-commit", 2)
		res, err := e.importOnce(false, 4)
		if !errors.Is(err, errCrash) {
			t.Fatalf("first run: %v", err)
		}
		if res.Imported != 4 {
			t.Errorf("first run accounted %d imports, want the 4 of the first batch", res.Imported)
		}
		if n := len(e.activities()); n != 8 {
			t.Fatalf("%d activities after the crash, want 8 (two committed batches)", n)
		}
		if n := len(e.inbox()); n != 6 {
			t.Fatalf("%d mails in the inbox after the crash, want 6 (the crashed batch was not moved)", n)
		}
		e.faults = nil
		if e.srv != nil {
			e.srv.ResetCounts()
		}
		res, err = e.importOnce(false, 4)
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported != 2 || res.Recovered != 4 || res.Unseen != 6 {
			t.Errorf("re-run: %s", res.Summary())
		}
		if n := e.srv.Commands("MOVE"); n != 2 {
			t.Errorf("re-run used %d MOVE commands, want 2 (one per batch)", n)
		}
		checkExactlyOnce(t, e, raws)
	})
}

func TestCrashMidBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, mailtest.IMAPOptions{})
		raws := numberedMails(10)
		e.appendRaw(raws...)
		// the 6th mail is the 2nd of the second batch of 4
		e.faults = crashAt("mid-batch", 6)
		if _, err := e.importOnce(false, 4); !errors.Is(err, errCrash) {
			t.Fatalf("first run: %v", err)
		}
		if n := len(e.activities()); n != 4 {
			t.Fatalf("%d activities after the crash, want 4 (only the first batch)", n)
		}
		if n := len(e.inbox()); n != 6 {
			t.Fatalf("%d mails in the inbox after the crash, want 6", n)
		}
		for _, m := range e.inbox() {
			if m.Seen() {
				t.Errorf("UID %d marked \\Seen by an aborted run", m.UID)
			}
		}
		e.faults = nil
		if _, err := e.importOnce(false, 4); err != nil {
			t.Fatal(err)
		}
		checkExactlyOnce(t, e, raws)
	})
}

func TestDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, mailtest.IMAPOptions{})
		same := simpleMail(muellerAddr, "info@firma.example", "Rechnung", "same@kunde-mueller.example", "Betrag 100 EUR")
		other := simpleMail(muellerAddr, "info@firma.example", "Rechnung korrigiert", "same@kunde-mueller.example", "Betrag 120 EUR")
		e.appendRaw(same, same, other)
		res, err := e.importOnce(false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.Imported != 2 || res.Duplicates != 1 {
			t.Fatalf("%s", res.Summary())
		}
		as := e.activities()
		if len(as) != 2 || as[0].GlobalID != "same@kunde-mueller.example" || as[1].GlobalID != as[0].GlobalID {
			t.Fatalf("activities: %+v", as)
		}
		if !strings.Contains(strings.Join(as[1].MatchExplanation, "\n"), "same@kunde-mueller.example") {
			t.Errorf("the relation is not explained: %v", as[1].MatchExplanation)
		}
		count := map[string]int{}
		for _, l := range e.ledger() {
			count[l.Outcome]++
		}
		if count[store.OutcomeImported] != 2 || count[store.OutcomeDuplicate] != 1 {
			t.Errorf("ledger outcomes %v", count)
		}
		if len(e.inbox()) != 0 || len(e.folder(importDir)) != 3 {
			t.Error("not every mail left the inbox")
		}

		// the same mail arrives again later (moved back by hand, say):
		// a duplicate again, no third activity
		e.appendRaw(same)
		res, err = e.importOnce(false, 0)
		if err != nil || res.Duplicates != 1 || res.Imported != 0 {
			t.Fatalf("%v %+v", err, res)
		}
		if len(e.activities()) != 2 || len(e.inbox()) != 0 {
			t.Error("the repeated mail was imported or left in the inbox")
		}
		// a later run with a different content but the known Message-ID
		e.appendRaw(simpleMail(muellerAddr, "info@firma.example", "Rechnung 3", "same@kunde-mueller.example", "Betrag 130 EUR"))
		if _, err := e.importOnce(false, 0); err != nil {
			t.Fatal(err)
		}
		as = e.activities()
		if len(as) != 3 || !strings.Contains(strings.Join(as[2].MatchExplanation, "\n"), "imported before with different content as activity") {
			t.Errorf("third mail with the same Message-ID: %d activities, explanation %v", len(as), as[len(as)-1].MatchExplanation)
		}
	})
}

func TestDryRunChangesNothing(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	mails := fixtureMails(t)
	e.appendRaw(mails["01-plain-ascii.eml"], mails["07-mixed-pdf.eml"], []byte("\x00\x01 not a mail"))
	var lines []string
	p := e.seedProgram()
	rec, err := p.Run(e.ctx, engineTimerEvent(), runOptions(true, func(l string) { lines = append(lines, l) }))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Status != "ok" {
		t.Fatalf("status %s", rec.Status)
	}
	out := strings.Join(lines, "\n")
	for _, want := range []string{`would import UID 1 "Anfrage Wartungsvertrag" from ` + muellerAddr, "contact", "Müller GmbH", `"Angebot 2024-017"`, "would quarantine UID 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry-run output lacks %q:\n%s", want, out)
		}
	}
	in := e.inbox()
	if len(in) != 3 {
		t.Fatalf("%d mails in the inbox after a dry run", len(in))
	}
	for _, m := range in {
		if m.Seen() || len(m.Flags) != 0 {
			t.Errorf("UID %d has flags %v after a dry run", m.UID, m.Flags)
		}
	}
	if n := e.srv.Commands("MOVE") + e.srv.Commands("STORE") + e.srv.Commands("CREATE") + e.srv.Commands("COPY"); n != 0 {
		t.Errorf("%d changing commands in a dry run", n)
	}
	if len(e.activities()) != 0 || len(e.ledger()) != 0 {
		t.Error("a dry run wrote to the database")
	}
	if folders := e.srv.Folders(t, imapUser); len(folders) != 1 {
		t.Errorf("folders after a dry run: %v", folders)
	}

	// a dry run with a wrong password does not lock the configuration
	e.cfg.Password = "wrong"
	if err := st.UpdateMailConfig(e.ctx, e.cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := e.importOnce(true, 0); err == nil {
		t.Fatal("wrong password accepted")
	}
	if cfg, _ := st.GetMailConfig(e.ctx, e.cfg.ID); cfg.AutoLocked {
		t.Error("a dry run locked the configuration")
	}
}

func TestImportSinceLeavesOlderMail(t *testing.T) {
	st := storetest.Open(t)
	e := newEnv(t, st, mailtest.IMAPOptions{})
	c, err := mailbox.DialIMAP(e.ctx, mailbox.Endpoint{Addr: e.srv.Addr}, mailbox.Auth{Username: imapUser, Password: imapPass})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Date(2020, 1, 10, 12, 0, 0, 0, time.UTC)
	if err := c.Append(e.ctx, "INBOX", simpleMail(muellerAddr, "info@firma.example", "alt", "old@x", "old"), nil, old); err != nil {
		t.Fatal(err)
	}
	if err := c.Append(e.ctx, "INBOX", simpleMail(muellerAddr, "info@firma.example", "neu", "new@x", "new"), nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	c.Logout(context.Background())
	since := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	e.cfg.ImportSince = &since
	if err := st.UpdateMailConfig(e.ctx, e.cfg); err != nil {
		t.Fatal(err)
	}
	res, err := e.importOnce(false, 0)
	if err != nil || res.Imported != 1 || res.Unseen != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	in := e.inbox()
	if len(in) != 1 || in[0].Subject != "alt" || in[0].Seen() {
		t.Errorf("inbox after the import: %+v", in)
	}
	if as := e.activities(); len(as) != 1 || as[0].GlobalID != "new@x" {
		t.Errorf("activities %+v", as)
	}
}

// TestServerWithoutMove: without MOVE the batch is moved with UID COPY
// (refused once with TRYCREATE, then retried after CREATE), one UID STORE
// and one UID EXPUNGE of exactly its UIDs.
func TestServerWithoutMove(t *testing.T) {
	e := newEnv(t, storetest.Open(t), mailtest.IMAPOptions{NoMove: true})
	raws := numberedMails(5)
	e.appendRaw(raws...)
	if _, err := e.importOnce(false, 0); err != nil {
		t.Fatal(err)
	}
	if c, s, x, m := e.srv.Commands("COPY"), e.srv.Commands("STORE"), e.srv.Commands("EXPUNGE"), e.srv.Commands("MOVE"); c != 2 || s != 1 || x != 1 || m != 0 {
		t.Errorf("COPY %d STORE %d EXPUNGE %d MOVE %d, want 2 1 1 0", c, s, x, m)
	}
	checkExactlyOnce(t, e, raws)
}
