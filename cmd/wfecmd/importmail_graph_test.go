package wfecmd

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wfehq/wfe/groupware/groupwaretest"
	"github.com/wfehq/wfe/store"
)

// TestImportMailGraphCommand: wfe import-mail on a configuration without
// an IMAP server whose groupware is Microsoft Graph imports the unread
// mails of the mailbox's inbox, moves them to the import folder, adds
// nothing on a rerun, and imports Sent Items (--folder sentitems) as
// outgoing mails.
func TestImportMailGraphCommand(t *testing.T) {
	const mbox = "postfach@firma.example"
	fake := groupwaretest.NewGraphFake(t)
	fake.AddApp("app", "app-secret")
	fake.AddMailbox(mbox)
	fake.AddMessage(mbox, "inbox", fixtureMail(t, "01-plain-ascii.eml"))
	fake.AddMessage(mbox, "inbox", fixtureMail(t, "07-mixed-pdf.eml"))
	c := newStoreCLI(t)
	c.env["GRAPH_SECRET"] = "app-secret"
	c.ok("employee", "add", "anna", "--email", "anna@firma.example")
	c.ok("mailconfig", "set", "M365", "--user", mbox, "--calendar-system", "graph", "--groupware-url", fake.Server.URL,
		"--oauth-client-id", "app", "--oauth-client-secret-env", "GRAPH_SECRET", "--oauth-token-url", fake.TokenURL, "--auto-import")

	if out := c.ok("import-mail", "M365", "--dry-run"); !strings.Contains(out, "dry run, 2 unseen mail(s), nothing changed") ||
		len(fake.MessagesIn(mbox, "inbox")) != 2 || fake.MailFolderByPath(mbox, "CRM") != "" {
		t.Fatalf("dry run over Graph changed the mailbox (inbox %d, folder CRM %q):\n%s", len(fake.MessagesIn(mbox, "inbox")), fake.MailFolderByPath(mbox, "CRM"), out)
	}
	out := c.ok("import-mail", "M365")
	if !strings.Contains(out, "M365: 2 unseen, 2 imported, 0 duplicates, 0 quarantined, 2 moved") {
		t.Fatalf("import over Graph:\n%s", out)
	}
	if n := len(fake.MessagesIn(mbox, "inbox")); n != 0 {
		t.Fatalf("%d mails left in the inbox", n)
	}
	if n := len(fake.MessagesIn(mbox, fake.MailFolderByPath(mbox, store.DefaultImportFolder))); n != 2 {
		t.Fatalf("%d mails in the import folder, want 2", n)
	}
	if out := c.ok("import-mail"); !strings.Contains(out, "M365: 0 unseen, 0 imported") {
		t.Fatalf("rerun of the automatic import:\n%s", out)
	}

	fake.AddMessage(mbox, "sentitems", fixtureMail(t, "20-bcc-customer.eml"))
	if out := c.ok("import-mail", "M365", "--folder", "sentitems"); !strings.Contains(out, "M365: 1 unseen, 1 imported") {
		t.Fatalf("import of Sent Items:\n%s", out)
	}
	var acts []struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal([]byte(c.ok("activity", "list", "--json")), &acts); err != nil {
		t.Fatal(err)
	}
	types := map[string]int{}
	for _, a := range acts {
		types[a.Type]++
	}
	if types[store.TypeMailIn] != 2 || types[store.TypeMailOut] != 1 {
		t.Fatalf("activity types %v, want 2 EMAILEINGANG and 1 MAILAUS", types)
	}
}

// TestImportGraphKilledThenResumed kills a wfe import-mail process
// (SIGKILL) reading a Microsoft 365 mailbox after its first committed
// batch, then runs it again: every mail becomes exactly one activity
// (those committed but not yet moved are found by content and only
// moved) and the inbox ends empty.
func TestImportGraphKilledThenResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills a wfe process (skipped with -short)")
	}
	const mbox, mails = "postfach@firma.example", 300
	fake := groupwaretest.NewGraphFake(t)
	fake.AddApp("app", "app-secret")
	for i := range mails {
		fake.AddMessage(mbox, "inbox", crashTestMail(i))
	}
	c := newStoreCLI(t)
	c.env["GRAPH_SECRET"] = "app-secret"
	c.ok("employee", "add", "anna", "--email", "anna@firma.example")
	c.ok("mailconfig", "set", "M365", "--user", mbox, "--calendar-system", "graph", "--groupware-url", fake.Server.URL,
		"--oauth-client-id", "app", "--oauth-client-secret-env", "GRAPH_SECRET", "--oauth-token-url", fake.TokenURL)
	bin := buildWFE(t)

	killAfterFirstProgress(t, c, bin, "M365")
	committed := countActivities(t, c)
	t.Logf("killed with %d of %d mails committed, %d still in the inbox", committed, mails, len(fake.MessagesIn(mbox, "inbox")))
	out, code := c.runBinary(t, bin, "import-mail", "M365", "--batch", "20")
	if code != 0 {
		t.Fatalf("second import-mail: exit %d\n%s", code, out)
	}
	if n := countActivities(t, c); n != mails {
		t.Fatalf("%d activities after the second run, want %d (one per mail)\n%s", n, mails, out)
	}
	if n := len(fake.MessagesIn(mbox, "inbox")); n != 0 {
		t.Fatalf("%d mails left in the inbox", n)
	}
	if n := len(fake.MessagesIn(mbox, fake.MailFolderByPath(mbox, store.DefaultImportFolder))); n != mails {
		t.Fatalf("%d mails in the import folder, want %d", n, mails)
	}
}
