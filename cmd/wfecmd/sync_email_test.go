package wfecmd

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/groupware/graph"
	"github.com/wfehq/wfe/groupware/groupwaretest"
	"github.com/wfehq/wfe/store"
)

// emailMailbox is the mailbox of anna in graphSyncCLI.
const emailMailbox = "anna@example.com"

// mailActivities counts the activities by type and checks each is
// delegated to the employee.
func mailActivities(t *testing.T, c *storeCLI, empID int64) map[string]int {
	t.Helper()
	st := c.store()
	defer st.Close()
	acts, err := st.ListActivities(t.Context(), store.ActivityFilter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, a := range acts {
		if a.DelegatedTo == nil || *a.DelegatedTo != empID {
			t.Errorf("activity %d %q is delegated to %v, want employee %d", a.ID, a.Subject, a.DelegatedTo, empID)
		}
		out[a.Type]++
	}
	return out
}

// employeeID reads an employee's id from the store.
func employeeID(t *testing.T, c *storeCLI, login string) int64 {
	t.Helper()
	st := c.store()
	defer st.Close()
	e, err := st.EmployeeByLogin(t.Context(), login)
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// addMailSubfolder makes the mail folder at path in the mailbox, as
// another client of it would.
func addMailSubfolder(t *testing.T, fake *groupwaretest.GraphFake, path string) string {
	t.Helper()
	ts, err := graph.AppSignIn{ClientID: "app", ClientSecret: "app-secret", TokenURL: fake.TokenURL}.TokenSource(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := graph.New(graph.Config{BaseURL: fake.BaseURL, Mailbox: emailMailbox, TokenSource: ts})
	if err != nil {
		t.Fatal(err)
	}
	id, err := conn.MailFolderPath(context.Background(), path, true)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// TestSyncEmailGraph: an email rule over Inbox (with its subfolders) and
// Sent Items previews the mails without changing anything, imports each
// once (incoming mails as EMAILEINGANG, Sent Items as MAILAUS, delegated
// to the employee, moved to the import folder), records the run, and a
// rerun adds nothing; the built-in sync timer imports a new mail. The
// account test finds the rule's folders and names the permission
// Mail.ReadWrite.
func TestSyncEmailGraph(t *testing.T) {
	c, fake := graphSyncCLI(t)
	fake.AddMessage(emailMailbox, "inbox", fixtureMail(t, "01-plain-ascii.eml"))
	fake.AddMessage(emailMailbox, "inbox", fixtureMail(t, "07-mixed-pdf.eml"))
	fake.AddMessage(emailMailbox, "sentitems", fixtureMail(t, "20-bcc-customer.eml"))
	fake.AddMessage(emailMailbox, addMailSubfolder(t, fake, "Inbox/Rechnungen"), crashTestMail(1))
	c.ok("sync", "rule", "add", "mail", "--table", "email", "--for", "all", "--folder", "Inbox", "--folder", "Sent Items", "--subfolders")

	if out, _, _ := c.run("mailconfig", "test", "M365", "--as", "anna"); !strings.Contains(out, "graph permission Mail.ReadWrite") ||
		!strings.Contains(out, "ok   sync rule mail: 2 mail folder(s) found: Inbox, Sent Items") {
		t.Fatalf("mailconfig test with an email rule:\n%s", out)
	}
	pre := c.syncReport("sync", "preview", "mail")
	if pre.ToCRM.New != 4 || countActivities(t, c) != 0 || len(fake.MessagesIn(emailMailbox, "inbox")) != 2 ||
		len(fake.MessagesIn(emailMailbox, "sentitems")) != 1 || fake.MailFolderByPath(emailMailbox, "CRM") != "" {
		t.Fatalf("preview: %s; %d activities, inbox %d, sent %d, folder CRM %q", pre.Summary(), countActivities(t, c),
			len(fake.MessagesIn(emailMailbox, "inbox")), len(fake.MessagesIn(emailMailbox, "sentitems")), fake.MailFolderByPath(emailMailbox, "CRM"))
	}
	if out := c.ok("runs", "list", "--json"); out != "[]\n" {
		t.Fatalf("the preview recorded a run: %s", out)
	}

	first := c.syncReport("sync", "run", "mail")
	types := mailActivities(t, c, employeeID(t, c, "anna"))
	if first.ToCRM.New != 4 || types[store.TypeMailIn] != 3 || types[store.TypeMailOut] != 1 || len(types) != 2 {
		t.Fatalf("first run: %s; activity types %v, want 3 %s and 1 %s", first.Summary(), types, store.TypeMailIn, store.TypeMailOut)
	}
	imported := fake.MailFolderByPath(emailMailbox, store.DefaultImportFolder)
	if n := len(fake.MessagesIn(emailMailbox, imported)); n != 4 || len(fake.MessagesIn(emailMailbox, "inbox")) != 0 ||
		len(fake.MessagesIn(emailMailbox, "sentitems")) != 0 {
		t.Fatalf("after the first run: %d mails in the import folder, want 4, and Inbox and Sent Items empty", n)
	}
	if out := c.ok("runs", "list", "--json"); !strings.Contains(out, "sync:mail") {
		t.Fatalf("no run record of the rule: %s", out)
	}

	if again := c.syncReport("sync", "run", "mail"); again.ToCRM.New != 0 || countActivities(t, c) != 4 {
		t.Fatalf("rerun: %s, %d activities", again.Summary(), countActivities(t, c))
	}
	fake.AddMessage(emailMailbox, "inbox", crashTestMail(2))
	var run runView
	mustUnmarshal(t, c.ok("timer", "run", builtinGroupwareSync, "--json"), &run)
	var rec struct {
		Rules []groupwaresync.Report `json:"rules"`
	}
	mustUnmarshal(t, string(run.Record), &rec)
	if run.Status != "succeeded" || len(rec.Rules) != 1 || rec.Rules[0].Employees[0].ToCRM.New != 1 || countActivities(t, c) != 5 {
		t.Fatalf("sync timer after a new mail: %+v, record %+v, %d activities", run, rec, countActivities(t, c))
	}
}

// mustUnmarshal decodes the JSON s into v or fails the test.
func mustUnmarshal(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("%v: %s", err, s)
	}
}

// TestSyncEmailNeedsGraph: the email table is refused at rule add for an
// employee whose groupware configuration is CardDAV, and a run of a rule
// added before reports such an employee naming the configuration while
// the others import.
func TestSyncEmailNeedsGraph(t *testing.T) {
	c, fake := graphSyncCLI(t)
	fake.AddMessage(emailMailbox, "inbox", fixtureMail(t, "01-plain-ascii.eml"))
	c.ok("sync", "rule", "add", "all-mail", "--table", "email", "--for", "all")
	c.ok("mailconfig", "set", "DAV", "--calendar-system", "dav", "--groupware-url", "http://127.0.0.1:9/dav/")
	c.ok("employee", "add", "bert", "--email", "bert@example.com")
	c.ok("employee", "set", "bert", "--groupware-config", "DAV")

	_, stderr, code := c.run("sync", "rule", "add", "mail", "--table", "email", "--for", "user:bert")
	if code == 0 || !strings.Contains(stderr, "mail configuration DAV") || !strings.Contains(stderr, "graph") {
		t.Fatalf("email rule over a CardDAV configuration: exit %d, %s", code, stderr)
	}
	if out := c.ok("sync", "rule", "list"); strings.Contains(out, "user:bert") {
		t.Fatalf("the refused rule was stored: %s", out)
	}
	c.ok("sync", "rule", "add", "mail", "--table", "email", "--for", "user:anna")
	if _, _, code := c.run("sync", "rule", "add", "x", "--table", "email", "--filter", "contact.partner == \"ACME\""); code == 0 {
		t.Fatal("an email rule with a filter was accepted")
	}
	rep, code := c.syncRun("sync", "run", "all-mail")
	anna, bert := byLogin(t, rep, "anna"), byLogin(t, rep, "bert")
	if code == 0 || anna.ToCRM.New != 1 || len(anna.Errors) != 0 || len(bert.Errors) != 1 ||
		!strings.Contains(bert.Errors[0], "mail configuration DAV") {
		t.Fatalf("run over a Graph and a CardDAV employee: exit %d, %+v", code, rep)
	}
}

// TestSyncEmailRefusedSignIn: a sign-in Graph refuses during an email
// rule's run locks the configuration whose app credentials were used, as
// for the other tables; the next run tries no sign-in.
func TestSyncEmailRefusedSignIn(t *testing.T) {
	c, fake := graphSyncCLI(t)
	fake.AddMessage(emailMailbox, "inbox", fixtureMail(t, "01-plain-ascii.eml"))
	c.env["GRAPH_SECRET"] = "wrong"
	c.ok("mailconfig", "set", "M365", "--oauth-client-secret-env", "GRAPH_SECRET")
	c.ok("sync", "rule", "add", "mail", "--table", "email")

	rep, code := c.syncRun("sync", "run", "mail")
	if anna := byLogin(t, rep, "anna"); code == 0 || len(anna.Errors) == 0 || anna.ToCRM.New != 0 {
		t.Fatalf("run with a wrong secret: exit %d, %+v", code, rep)
	}
	st := c.store()
	cfgs, err := st.ListMailConfigs(t.Context())
	st.Close()
	if err != nil || len(cfgs) != 1 || !cfgs[0].AutoLocked {
		t.Fatalf("configuration after the refused sign-in: %+v, %v", cfgs, err)
	}
	signIns := fake.SignIns()
	if rep, _ := c.syncRun("sync", "run", "mail"); fake.SignIns() != signIns || len(byLogin(t, rep, "anna").Errors) == 0 {
		t.Fatalf("second run: %d more sign-ins, %+v", fake.SignIns()-signIns, rep)
	}
	if len(fake.MessagesIn(emailMailbox, "inbox")) != 1 || countActivities(t, c) != 0 {
		t.Fatal("a refused sign-in imported or moved mail")
	}
}

// TestSyncEmailImportFolderInside: with the import folder below the
// rule's folder and --subfolders, the import folder is never imported
// from (a mail put there by hand stays unimported), and the import folder
// named as a rule's folder is refused at run.
func TestSyncEmailImportFolderInside(t *testing.T) {
	c, fake := graphSyncCLI(t)
	c.ok("mailconfig", "set", "M365", "--import-folder", "Inbox/CRM")
	fake.AddMessage(emailMailbox, "inbox", fixtureMail(t, "01-plain-ascii.eml"))
	fake.AddMessage(emailMailbox, addMailSubfolder(t, fake, "Inbox/Projekte"), crashTestMail(1))
	c.ok("sync", "rule", "add", "mail", "--table", "email", "--subfolders")
	if first := c.syncReport("sync", "run", "mail"); first.ToCRM.New != 2 {
		t.Fatalf("first run: %s", first.Summary())
	}
	crm := fake.MailFolderByPath(emailMailbox, "Inbox/CRM")
	if n := len(fake.MessagesIn(emailMailbox, crm)); crm == "" || n != 2 {
		t.Fatalf("%d mails in Inbox/CRM, want 2", n)
	}
	// an unread mail put into the import folder by hand is not the rule's
	fake.AddMessage(emailMailbox, crm, crashTestMail(3))
	if again := c.syncReport("sync", "run", "mail"); again.ToCRM.New != 0 || countActivities(t, c) != 2 ||
		len(fake.MessagesIn(emailMailbox, crm)) != 3 {
		t.Fatalf("rerun: %s, %d activities", again.Summary(), countActivities(t, c))
	}
	c.ok("sync", "rule", "add", "crm", "--table", "email", "--folder", "Inbox/CRM")
	rep, code := c.syncRun("sync", "run", "crm")
	if errs := byLogin(t, rep, "anna").Errors; code == 0 || len(errs) != 1 || !strings.Contains(errs[0], "Inbox/CRM is where mail configuration M365 moves") {
		t.Fatalf("rule over the import folder: exit %d, %+v", code, rep)
	}
}
