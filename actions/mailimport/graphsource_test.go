package mailimport_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/groupware/groupwaretest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

const (
	graphMatchCode = "M365"
	graphMailbox   = "postfach@firma.example"
)

// graphEnv is a store with a mail configuration M365 that reads the
// Microsoft 365 mailbox postfach@firma.example of the Graph fake (no IMAP
// server, groupware graph, an app registration), run-as employee anna
// and the customer contact Jürgen Müller.
type graphEnv struct {
	*env
	fake *groupwaretest.GraphFake
}

func newGraphEnv(t testing.TB) *graphEnv {
	t.Helper()
	e := &env{t: t, st: storetest.Open(t), ctx: context.Background()}
	e.setup("", "", "")
	fake := groupwaretest.NewGraphFake(t)
	fake.AddApp("client-1", "app-s3cret")
	fake.AddMailbox(graphMailbox)
	e.cfg = &store.MailConfig{MatchCode: graphMatchCode, UserName: graphMailbox, CalendarSystem: "graph",
		OAuthClientID: "client-1", OAuthClientSecret: "app-s3cret", OAuthTokenURL: fake.TokenURL}
	if err := e.st.CreateMailConfig(e.ctx, e.cfg); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Sync().SetGroupwareURL(e.ctx, e.cfg.ID, fake.Server.URL); err != nil {
		t.Fatal(err)
	}
	return &graphEnv{env: e, fake: fake}
}

// importGraph runs the plain importer for M365 as anna on folder ("" = the inbox).
func (g *graphEnv) importGraph(folder string) (*mailimport.Result, error) {
	g.t.Helper()
	rs, err := mailimport.ImportAll(g.ctx, g.deps(), runAsLogin, mailimport.ImportOptions{MatchCode: graphMatchCode, Folder: folder, BatchSize: 2})
	if len(rs) == 0 {
		return nil, err
	}
	return &rs[0], err
}

func (g *graphEnv) in(path string) [][]byte {
	id := g.fake.MailFolderByPath(graphMailbox, path)
	if id == "" {
		return nil
	}
	return g.fake.MessagesIn(graphMailbox, id)
}

// TestGraphMailboxImportedOnce: the unread mails of a Microsoft 365 inbox
// are imported through the pipeline (linked to the sender's contact, with
// the raw .eml as document), a broken one is quarantined, each is moved
// to the import or error folder (created as CRM/Aktivitäten and
// CRM/Fehler), the read mail stays, and a rerun adds nothing.
func TestGraphMailboxImportedOnce(t *testing.T) {
	g := newGraphEnv(t)
	g.fake.AddMessage(graphMailbox, "inbox", simpleMail("Alt <alt@example.org>", graphMailbox, "Gelesen", "read@example.org", "schon gelesen"))
	g.fake.MarkMessagesRead(graphMailbox, "inbox", true)
	mails := [][]byte{
		simpleMail("Jürgen Müller <"+muellerAddr+">", graphMailbox, "Anfrage 1", "a1@kunde-mueller.example", "Bitte um Angebot"),
		simpleMail("Jürgen Müller <"+muellerAddr+">", graphMailbox, "Anfrage 2", "a2@kunde-mueller.example", "Noch eine Frage"),
		simpleMail("Fremd <x@example.org>", graphMailbox, "Hallo", "h@example.org", "Text"),
	}
	for _, m := range mails {
		g.fake.AddMessage(graphMailbox, "inbox", m)
	}
	broken := []byte("not a mail at all")
	g.fake.AddMessage(graphMailbox, "inbox", broken)

	res, err := g.importGraph("")
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if res.Unseen != 4 || res.Imported != 3 || res.Quarantined != 1 || res.Moved != 4 {
		t.Fatalf("result %+v: want 4 unseen, 3 imported, 1 quarantined, all moved", res)
	}
	if n := len(g.activities()); n != res.Imported {
		t.Fatalf("%d activities, result says %d imported", n, res.Imported)
	}
	inbox := g.fake.MessagesIn(graphMailbox, "inbox")
	if len(inbox) != 1 || !bytes.Contains(inbox[0], []byte("Gelesen")) {
		t.Fatalf("inbox holds %d messages, want only the read one", len(inbox))
	}
	if len(g.in(importDir)) != 3 || len(g.in(errorDir)) != 1 || !bytes.Equal(g.in(errorDir)[0], broken) {
		t.Fatalf("import folder holds %d messages, error folder %d; want 3 and the broken one", len(g.in(importDir)), len(g.in(errorDir)))
	}
	first := g.activityBySubject("Anfrage 1")
	if first.Type != store.TypeMailIn || len(first.ContactIDs) != 1 || first.ContactIDs[0] != g.contact.ID || first.GlobalID != "a1@kunde-mueller.example" {
		t.Errorf("Anfrage 1: type %s contacts %v global id %q; want EMAILEINGANG linked to Müller", first.Type, first.ContactIDs, first.GlobalID)
	}
	if docs := first.Documents; len(docs) != 1 || docs[0].ContentType != "message/rfc822" {
		t.Errorf("documents of Anfrage 1: %+v; want the raw .eml", docs)
	}

	again, err := g.importGraph("")
	if err != nil || again.Unseen != 0 || again.Imported != 0 {
		t.Fatalf("rerun: %+v, %v; want nothing unseen", again, err)
	}
	if n := len(g.activities()); n != res.Imported {
		t.Errorf("after the rerun %d activities, want %d", n, res.Imported)
	}
}

// TestGraphCrashBetweenCommitAndMove: a run that stops after its commit,
// before the move, leaves the mails in the inbox; the next run (whose
// listing gives them other numbers) finds them by content hash, creates
// nothing twice and moves them.
func TestGraphCrashBetweenCommitAndMove(t *testing.T) {
	g := newGraphEnv(t)
	for i, subject := range []string{"Eins", "Zwei", "Drei"} {
		g.fake.AddMessage(graphMailbox, "inbox", simpleMail(muellerAddr, graphMailbox, subject, subject+"@kunde-mueller.example", "Text "+string(rune('a'+i))))
	}
	crash := errors.New("killed")
	g.faults = func(point string) error {
		if point == mailimport.FaultAfterCommit {
			return crash
		}
		return nil
	}
	if _, err := g.importGraph(""); !errors.Is(err, crash) {
		t.Fatalf("first run: %v, want the injected crash", err)
	}
	committed := len(g.activities())
	if committed == 0 || len(g.fake.MessagesIn(graphMailbox, "inbox")) != 3 {
		t.Fatalf("after the crash: %d activities, %d mails in the inbox; want some committed and all still there",
			committed, len(g.fake.MessagesIn(graphMailbox, "inbox")))
	}
	g.faults = nil
	res, err := g.importGraph("")
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if n := len(g.activities()); n != 3 {
		t.Fatalf("after the rerun %d activities, want 3 (no duplicate)", n)
	}
	if res.Duplicates != committed || res.Imported != 3-committed {
		t.Errorf("rerun: %d duplicates, %d imported; want %d and %d", res.Duplicates, res.Imported, committed, 3-committed)
	}
	if len(g.fake.MessagesIn(graphMailbox, "inbox")) != 0 || len(g.in(importDir)) != 3 {
		t.Errorf("inbox %d, import folder %d; want 0 and 3", len(g.fake.MessagesIn(graphMailbox, "inbox")), len(g.in(importDir)))
	}
}

// TestGraphSentItemsBecomeMailOut: a mail of Sent Items (read, as every
// sent mail) becomes an outgoing mail activity, done, linked to the
// recipient's contact.
func TestGraphSentItemsBecomeMailOut(t *testing.T) {
	g := newGraphEnv(t)
	g.fake.AddMessage(graphMailbox, "sentitems", simpleMail("Anna Schmidt <anna.schmidt@firma.example>", "Jürgen Müller <"+muellerAddr+">",
		"Ihr Angebot", "sent1@firma.example", "Anbei das Angebot"))
	g.fake.MarkMessagesRead(graphMailbox, "sentitems", true)
	res, err := g.importGraph("sentitems")
	if err != nil || res.Imported != 1 {
		t.Fatalf("import of Sent Items: %+v, %v", res, err)
	}
	a := g.activityBySubject("Ihr Angebot")
	if a.Type != store.TypeMailOut || a.Status != store.StatusDone || len(a.ContactIDs) != 1 || a.ContactIDs[0] != g.contact.ID {
		t.Errorf("sent mail: type %s status %s contacts %v; want MAILAUS, E, linked to Müller", a.Type, a.Status, a.ContactIDs)
	}
	if len(g.fake.MessagesIn(graphMailbox, "sentitems")) != 0 || len(g.in(importDir)) != 1 {
		t.Errorf("the sent mail was not moved to the import folder")
	}
}

// TestGraphLockedConfigRefused: a configuration locked after a failed
// sign-in is not used; Graph gets no request.
func TestGraphLockedConfigRefused(t *testing.T) {
	g := newGraphEnv(t)
	g.fake.AddMessage(graphMailbox, "inbox", simpleMail(muellerAddr, graphMailbox, "X", "x@kunde-mueller.example", "x"))
	if err := g.st.SetAutoLock(g.ctx, g.cfg.ID, "sign-in refused"); err != nil {
		t.Fatal(err)
	}
	before := g.fake.Requests()
	if _, err := g.importGraph(""); !errors.Is(err, mailconn.ErrLocked) {
		t.Fatalf("import of a locked configuration: %v, want ErrLocked", err)
	}
	if g.fake.Requests() != before || len(g.activities()) != 0 {
		t.Errorf("a locked configuration reached Graph (%d requests) or imported", g.fake.Requests()-before)
	}
}

func (g *graphEnv) activityBySubject(subject string) *store.ActivityDetail {
	g.t.Helper()
	for _, s := range g.activities() {
		if s.Subject == subject {
			a, err := g.st.GetActivity(g.ctx, s.ID)
			if err != nil {
				g.t.Fatal(err)
			}
			return a
		}
	}
	g.t.Fatalf("no activity with subject %q", subject)
	return nil
}

// TestGraphManyMails: 45 mails listed over several pages, fetched several
// at a time and moved in batches of more than one $batch request arrive
// once each, in the order they arrived in the inbox.
func TestGraphManyMails(t *testing.T) {
	g := newGraphEnv(t)
	g.fake.SetPageSize(7)
	for i := range 45 {
		g.fake.AddMessage(graphMailbox, "inbox", simpleMail(muellerAddr, graphMailbox, fmt.Sprintf("Mail %02d", i), fmt.Sprintf("m%d@kunde-mueller.example", i), "Text"))
	}
	rs, err := mailimport.ImportAll(g.ctx, g.deps(), runAsLogin, mailimport.ImportOptions{MatchCode: graphMatchCode, BatchSize: 25})
	if err != nil || len(rs) != 1 || rs[0].Imported != 45 || rs[0].Moved != 45 {
		t.Fatalf("import: %+v, %v", rs, err)
	}
	for i, m := range rs[0].Mails {
		if want := fmt.Sprintf("Mail %02d", i); m.Subject != want || m.UID != uint32(i+1) {
			t.Fatalf("mail %d: UID %d %q, want UID %d %q", i, m.UID, m.Subject, i+1, want)
		}
	}
	if len(g.fake.MessagesIn(graphMailbox, "inbox")) != 0 || len(g.in(importDir)) != 45 || len(g.activities()) != 45 {
		t.Errorf("inbox %d, import folder %d, %d activities; want 0, 45, 45",
			len(g.fake.MessagesIn(graphMailbox, "inbox")), len(g.in(importDir)), len(g.activities()))
	}
}

// TestGraphRefusedSignInLocks: a sign-in Graph refuses (a wrong client
// secret) locks the configuration, as a refused IMAP login does, and the
// next run does not try again; a dry run locks nothing.
func TestGraphRefusedSignInLocks(t *testing.T) {
	g := newGraphEnv(t)
	g.fake.AddMessage(graphMailbox, "inbox", simpleMail(muellerAddr, graphMailbox, "X", "x@kunde-mueller.example", "x"))
	g.cfg.OAuthClientSecret = "wrong"
	must(t, g.st.UpdateMailConfig(g.ctx, g.cfg))
	dry, err := mailimport.ImportAll(g.ctx, g.deps(), runAsLogin, mailimport.ImportOptions{MatchCode: graphMatchCode, DryRun: true})
	if err == nil || errors.Is(err, mailconn.ErrLocked) {
		t.Fatalf("dry run with a wrong secret: %+v, %v; want a refused sign-in without a lock", dry, err)
	}
	if cfg, err := g.st.GetMailConfig(g.ctx, g.cfg.ID); err != nil || cfg.AutoLocked {
		t.Fatalf("the dry run locked the configuration (%v)", err)
	}
	if _, err := g.importGraph(""); !errors.Is(err, mailconn.ErrLocked) {
		t.Fatalf("import with a wrong secret: %v, want the refusal to lock", err)
	}
	cfg, err := g.st.GetMailConfig(g.ctx, g.cfg.ID)
	if err != nil || !cfg.AutoLocked {
		t.Fatalf("configuration after the refused sign-in: locked %v, %v", cfg.AutoLocked, err)
	}
	signIns := g.fake.SignIns()
	if _, err := g.importGraph(""); !errors.Is(err, mailconn.ErrLocked) || g.fake.SignIns() != signIns {
		t.Errorf("second run: %v after %d more sign-ins; want ErrLocked and none", err, g.fake.SignIns()-signIns)
	}
	if len(g.fake.MessagesIn(graphMailbox, "inbox")) != 1 || len(g.activities()) != 0 {
		t.Errorf("a refused sign-in imported or moved mail")
	}
}

// TestGraphImportSince: the configuration's import-since date leaves out
// the mails that arrived before it.
func TestGraphImportSince(t *testing.T) {
	g := newGraphEnv(t)
	g.fake.AddMessage(graphMailbox, "inbox", simpleMail(muellerAddr, graphMailbox, "Heute", "heute@kunde-mueller.example", "x"))
	tomorrow := time.Now().Add(36 * time.Hour)
	g.cfg.ImportSince = &tomorrow
	must(t, g.st.UpdateMailConfig(g.ctx, g.cfg))
	if res, err := g.importGraph(""); err != nil || res.Unseen != 0 {
		t.Fatalf("import since tomorrow: %+v, %v; want nothing unseen", res, err)
	}
	yesterday := time.Now().Add(-36 * time.Hour)
	g.cfg.ImportSince = &yesterday
	must(t, g.st.UpdateMailConfig(g.ctx, g.cfg))
	if res, err := g.importGraph(""); err != nil || res.Imported != 1 {
		t.Fatalf("import since yesterday: %+v, %v; want the mail imported", res, err)
	}
}
