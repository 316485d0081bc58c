package wfecmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

func fixtureMail(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mails", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestImportMailCommand(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: map[string]string{"info": testPassword}})
	for _, name := range []string{"01-plain-ascii.eml", "07-mixed-pdf.eml", "01-plain-ascii.eml"} {
		srv.Append(t, "info", "INBOX", fixtureMail(t, name))
	}
	c := newStoreCLI(t)
	c.env["PW"] = testPassword
	c.ok("mailconfig", "set", "123", "--user", "info", "--password-env", "PW", "--imap", srv.Addr, "--auto-import")

	// dry run: lists the mails, changes nothing
	out := c.ok("import-mail", "123", "--dry-run", "--wide")
	if !strings.Contains(out, "dry run, 3 unseen mail(s), nothing changed") || !strings.Contains(out, "Anfrage Wartungsvertrag") ||
		!strings.Contains(out, mailimport.OutcomeDryRun) {
		t.Fatalf("dry run:\n%s", out)
	}
	if n := len(srv.Folder(t, "info", "INBOX")); n != 3 {
		t.Fatalf("dry run moved mail: %d left", n)
	}
	if acts := c.ok("activity", "list", "--json"); strings.TrimSpace(acts) != "[]" {
		t.Fatalf("dry run created activities: %s", acts)
	}

	// all auto-import configurations, progress forced on
	out, errs, code := c.run("import-mail", "--progress", "--batch", "2")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errs)
	}
	if !strings.Contains(out, "123: 3 unseen, 2 imported, 1 duplicates, 0 quarantined, 3 moved") {
		t.Fatalf("summary:\n%s", out)
	}
	if !strings.Contains(errs, "progress: 2/3 mails") || !strings.Contains(errs, "progress: 3/3 mails") {
		t.Fatalf("progress:\n%s", errs)
	}
	if n := len(srv.Folder(t, "info", store.DefaultImportFolder)); n != 3 {
		t.Fatalf("%d mails in the import folder", n)
	}

	// nothing left; --json
	js := c.ok("import-mail", "123", "--json")
	var res []mailimport.Result
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	if len(res) != 1 || res[0].MatchCode != "123" || res[0].Unseen != 0 {
		t.Fatalf("second import: %+v", res)
	}

	if _, errs, code := c.run("import-mail", "nope"); code != 1 || !strings.Contains(errs, `"nope"`) {
		t.Fatalf("unknown match code: exit %d %s", code, errs)
	}
	if _, _, code := c.run("import-mail", "a", "b"); code != 2 {
		t.Fatalf("two match codes: exit %d", code)
	}
}
