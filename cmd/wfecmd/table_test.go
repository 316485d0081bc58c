package wfecmd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wfehq/wfe/store"
)

// longText is a value far wider than a listing line.
var longText = "Sehr lange Betreffzeile " + strings.Repeat("mit Überlänge ", 12) + "ENDE"

// A table fits 100 columns by shortening the widest free-text columns,
// never a column kept whole; wide prints every value in full.
func TestTableFitsUnlessWide(t *testing.T) {
	tab := newTable("ID", "SUBJECT", "SENDER", "ERROR").keepWhole("ID")
	tab.row("run-20260102-000000000000000042", longText, "mueller@kunde.example", longText+" (error)")
	tab.row(7, "kurz", "-", "")
	var out bytes.Buffer
	if err := tab.print(&out, false); err != nil {
		t.Fatal(err)
	}
	checkFits(t, "table", out.String())
	if !strings.Contains(out.String(), "run-20260102-000000000000000042") || !strings.Contains(out.String(), "…") {
		t.Errorf("want the id whole and shortened values:\n%s", out.String())
	}
	out.Reset()
	if err := tab.print(&out, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), longText+" (error)") || strings.Contains(out.String(), "…") {
		t.Errorf("--wide does not show whole values:\n%s", out.String())
	}
}

// checkFits fails for every line of out wider than 100 runes.
func checkFits(t *testing.T, what, out string) {
	t.Helper()
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if n := utf8.RuneCountInString(line); n > listWidth {
			t.Errorf("%s: line of %d runes: %q", what, n, line)
		}
	}
}

// Every listing fits 100 columns with long values, and --wide (before or
// after the command words) shows them whole.
func TestListingsFitUnlessWide(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runWFE(t, "demo", "--keep", dir)
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, out, errs)
	}
	// the demo's narrative lines are no listing; its database feeds them
	c := &storeCLI{t: t, db: filepath.Join(dir, "wfe.db"), env: map[string]string{"PW": "secret"}}
	longMail := "a.very.long.mailbox.name.for.testing." + strings.Repeat("x", 40) + "@firma.example"
	c.ok("employee", "add", "langer", "--name", longText, "--email", longMail)
	c.ok("contacts", "import", writeTemp(t, fmt.Sprintf("partner,first_name,last_name,email\n%s,Hans,%s,%s\n", longText, longText, longMail)))
	c.ok("mailconfig", "set", "999", "--user", longMail, "--password-env", "PW", "--imap", "127.0.0.1:993", "--imap-security", "tls")
	s := c.store()
	if err := s.CreateActivity(context.Background(), &store.Activity{Type: "MAIL", Status: "OPEN", Subject: longText, Sender: longMail}); err != nil {
		t.Fatal(err)
	}
	listings := [][]string{
		{"activity", "list"}, {"runs", "list"}, {"timer", "list"}, {"mailconfig", "list"}, {"employee", "list"},
		{"contacts", "list"}, {"workflow", "list"}, {"outbox", "list"}, {"sync", "rule", "list"},
	}
	for _, args := range listings {
		what := strings.Join(args, " ")
		checkFits(t, what, c.ok(args...))
		if wide := c.ok(append([]string{"--wide"}, args...)...); strings.Contains(wide, "…") {
			t.Errorf("wfe --wide %s shortens:\n%s", what, wide)
		}
	}
	for _, args := range [][]string{{"activity", "list"}, {"employee", "list"}, {"contacts", "list"}} {
		if out := c.ok(append(args, "--wide")...); !strings.Contains(out, longText) {
			t.Errorf("wfe %s --wide does not show %q:\n%s", strings.Join(args, " "), longText, out)
		}
	}
}

// writeTemp writes content to a new file and returns its path.
func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "data.csv")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
