package wfecmd

import (
	"path/filepath"
	"strings"
	"testing"
)

// wfe contacts import is an upsert keyed by e-mail per partner: the same
// file again exits 0 with every row unchanged; a changed row is updated; a
// bad row is rejected with its line and exit 1.
func TestContactsImportUpsert(t *testing.T) {
	c := newStoreCLI(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "contacts.csv")
	mustWrite(t, file, "partner,partner_roles,first_name,last_name,email\n"+
		"ACME AG,Kunde,Erika,Muster,erika@acme.example\n"+
		"ACME AG,Kunde,Paul,Neu,paul@acme.example\n")
	if out := c.ok("contacts", "import", file); !strings.Contains(out, "2 contacts created, 0 updated, 0 unchanged, 0 rows rejected; 1 business partners created") {
		t.Fatalf("first import: %s", out)
	}
	out, errs, code := c.run("contacts", "import", file)
	if code != 0 || !strings.Contains(out, "0 contacts created, 0 updated, 2 unchanged, 0 rows rejected; 0 business partners created") {
		t.Fatalf("same file again: exit %d\n%s\n%s", code, out, errs)
	}
	changed := filepath.Join(dir, "changed.csv")
	mustWrite(t, changed, "partner,first_name,last_name,email\n"+
		"ACME AG,Erika,Muster-Neu,erika@acme.example\n"+
		"ACME AG,Paul,Neu,paul@acme.example\n"+
		"ACME AG,Jo,Falsch,not-an-address\n")
	out, errs, code = c.run("contacts", "import", changed)
	if code != 1 || !strings.Contains(out, "0 contacts created, 1 updated, 1 unchanged, 1 rows rejected") ||
		!strings.Contains(errs, changed+`:4: email "not-an-address" is not an e-mail address`) {
		t.Fatalf("changed file: exit %d\n%s\n%s", code, out, errs)
	}
	if list := c.ok("contacts", "list"); !strings.Contains(list, "Erika Muster-Neu") {
		t.Fatalf("contact not updated:\n%s", list)
	}
}
