package wfecmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

const helloWorkflow = `<?xml version="1.0" encoding="UTF-8"?>
<WorkFlowMapping WorkFlowID="Hello" Description="Say hello" ExecutionType="100">
<InternalDescription>Logs one line.</InternalDescription>
<Step No="1">
<Event Name="TimerWFEvent">
<EventToContextMap/>
</Event>
<Actions>
<Action Name="LogAction">
<ContextToActionMap>
<ValueMapping Name="Message">
<Parameter Name="Message" DataType="java.lang.String" Value="hello from the timer"/>
</ValueMapping>
</ContextToActionMap>
</Action>
</Actions>
</Step>
</WorkFlowMapping>
`

func (c *storeCLI) importWorkflow(xml string, activate bool) {
	c.t.Helper()
	f := filepath.Join(c.t.TempDir(), "wf.xml")
	if err := os.WriteFile(f, []byte(xml), 0o644); err != nil {
		c.t.Fatal(err)
	}
	args := []string{"workflow", "import", f}
	if activate {
		args = append(args, "--activate")
	}
	c.ok(args...)
}

func TestRunCommand(t *testing.T) {
	c := newStoreCLI(t)
	c.importWorkflow(helloWorkflow, true)

	// no employee yet: --as is required
	if _, errs, code := c.run("run", "Hello"); code != 2 || !strings.Contains(errs, "--as LOGIN is required") {
		t.Fatalf("without employee: exit %d %s", code, errs)
	}
	c.ok("employee", "add", "alice", "--email", "alice@firma.example")
	out := c.ok("run", "Hello")
	if !strings.Contains(out, "of Hello as alice: ok") || !strings.Contains(out, "ok     LogAction") ||
		!strings.Contains(out, "hello from the timer") {
		t.Fatalf("run output:\n%s", out)
	}
	c.ok("employee", "add", "bob", "--email", "bob@firma.example")
	if _, errs, code := c.run("run", "Hello"); code != 2 || !strings.Contains(errs, "2 employees") {
		t.Fatalf("two employees without --as: exit %d %s", code, errs)
	}
	if _, errs, code := c.run("run", "Hello", "--as", "carol"); code != 1 || !strings.Contains(errs, "carol") {
		t.Fatalf("unknown --as: exit %d %s", code, errs)
	}

	js := c.ok("run", "Hello", "--as", "bob", "--json")
	var rec engine.RunRecord
	if err := json.Unmarshal([]byte(js), &rec); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	if rec.Status != engine.StatusOK || rec.RunAs != "bob" || len(rec.Log) != 1 || rec.Trigger != "cli" {
		t.Fatalf("record: %+v", rec)
	}
	// the record is in the run history with node = hostname:pid
	stored, err := c.store().GetRun(context.Background(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Status != store.RunSucceeded || stored.Node != nodeName() || stored.RunAs != "bob" || !strings.Contains(string(stored.Record), "hello from the timer") {
		t.Fatalf("stored run: %+v", stored)
	}

	// a dry run is not stored
	js = c.ok("run", "Hello", "--as", "bob", "--json", "--dry-run")
	var dry engine.RunRecord
	if err := json.Unmarshal([]byte(js), &dry); err != nil {
		t.Fatal(err)
	}
	if !dry.DryRun {
		t.Fatalf("dry run record: %+v", dry)
	}
	if _, err := c.store().GetRun(context.Background(), dry.ID); err == nil {
		t.Fatalf("dry run %s was stored", dry.ID)
	}

	// missing and inactive workflows
	if _, errs, code := c.run("run", "Nope", "--as", "bob"); code != 1 || !strings.Contains(errs, `workflow Nope is not installed`) {
		t.Fatalf("missing: exit %d %s", code, errs)
	}
	c.ok("workflow", "deactivate", "Hello")
	if _, errs, code := c.run("run", "Hello", "--as", "bob"); code != 1 || !strings.Contains(errs, "workflow Hello (version 1) is not active") {
		t.Fatalf("inactive: exit %d %s", code, errs)
	}
	if _, _, code := c.run("run"); code != 2 {
		t.Fatalf("no argument: exit %d", code)
	}
}

// The shipped ImportMails workflow runs through `wfe run` against an
// in-process IMAP server: the CRM documentation's example end to end.
func TestRunImportMails(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: map[string]string{"info": testPassword}})
	for _, name := range []string{"01-plain-ascii.eml", "07-mixed-pdf.eml"} {
		raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mails", name))
		if err != nil {
			t.Fatal(err)
		}
		srv.Append(t, "info", "INBOX", raw)
	}
	c := newStoreCLI(t)
	c.env["PW"] = testPassword
	c.ok("employee", "add", "alice", "--email", "alice@firma.example")
	c.ok("mailconfig", "set", "123", "--user", "info", "--password-env", "PW", "--imap", srv.Addr)

	out := c.ok("run", "ImportMails", "--dry-run")
	if !strings.Contains(out, "dry run, 2 unseen mail(s), nothing changed") {
		t.Fatalf("dry run:\n%s", out)
	}
	if n := len(srv.Folder(t, "info", "INBOX")); n != 2 {
		t.Fatalf("dry run moved mail: %d left", n)
	}
	out = c.ok("run", "ImportMails")
	if !strings.Contains(out, "2 imported") || !strings.Contains(out, "ok     CloseWorkSpaceAction") {
		t.Fatalf("run:\n%s", out)
	}
	if n := len(srv.Folder(t, "info", "INBOX")); n != 0 {
		t.Fatalf("%d mails left in INBOX", n)
	}
	if n := len(srv.Folder(t, "info", store.DefaultImportFolder)); n != 2 {
		t.Fatalf("%d mails in the import folder", n)
	}
	if strings.Contains(out, testPassword) {
		t.Fatalf("run output shows the password:\n%s", out)
	}
	// the failing login locks the configuration automatically
	c.env["PW"] = "wrong"
	c.ok("mailconfig", "set", "123", "--password-env", "PW")
	out, _, code := c.run("run", "ImportMails")
	if code != 1 || !strings.Contains(out, "failed") {
		t.Fatalf("bad password: exit %d\n%s", code, out)
	}
	if list := c.ok("mailconfig", "list"); !strings.Contains(list, "authentication failed") {
		t.Fatalf("configuration not locked:\n%s", list)
	}
}
