package wfecmd

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestDemoSync: `wfe demo` syncs its three contacts to the in-process
// CardDAV server, previews and runs a change on each side, and shows both
// changes on both sides.
func TestDemoSync(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := Execute(context.Background(), root, env, []string{"demo"}); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	_, got, ok := strings.Cut(out.String(), "Groupware sync:")
	if !ok {
		t.Fatalf("no sync part in:\n%s", out.String())
	}
	for _, want := range []string{
		"$ wfe sync preview demo-contacts\n  anna: to groupware 3 new, 0 changed",
		"$ wfe sync run demo-contacts\n  anna: to groupware 3 new, 0 changed",
		"$ wfe sync preview demo-contacts\n  anna: to groupware 0 new, 1 changed, 0 deleted; to crm 0 new, 1 changed",
		`Jürgen Müller    CRM phone "+49 89 1234 567", job title "" | address book TEL "+49 89 1234 567"`,
		`Klaus Meier      CRM phone "", job title "Einkaufsleiter" | address book TEL "", TITLE "Einkaufsleiter"`,
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %q in:\n%s", want, got)
		}
	}
}
