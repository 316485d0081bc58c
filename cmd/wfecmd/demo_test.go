package wfecmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestDemo(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := Execute(context.Background(), root, env, []string{"demo"}); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"INBOX         12 unseen sample mails",
		"of ImportMails as demo: ok",
		"12 unseen, 12 imported",
		"Activities created (12):",
		"[Ticket#2024-00042] Druckerproblem",
		"p.schmidt@lieferant-schmidt.example",
		"CRM/Aktivitäten       12 mail(s)",
		"INBOX                  0 mail(s) (empty",
	} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %q in:\n%s", want, got)
		}
	}
	// the throw-away database is gone
	m := regexp.MustCompile(`database +(\S+)`).FindStringSubmatch(got)
	if m == nil || !strings.HasPrefix(m[1], tmp) {
		t.Fatalf("no database line under %s:\n%s", tmp, got)
	}
	if _, err := os.Stat(filepath.Dir(m[1])); !os.IsNotExist(err) {
		t.Fatalf("demo directory %s still exists (%v)", filepath.Dir(m[1]), err)
	}
}

func TestDemoKeep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	var out bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &out, Getenv: func(string) string { return "" }}
	if code := Execute(context.Background(), root, env, []string{"demo", "--keep", dir}); code != 0 {
		t.Fatalf("exit %d\n%s", code, out.String())
	}
	c := &storeCLI{t: t, db: filepath.Join(dir, "wfe.db"), env: map[string]string{}}
	if acts := c.ok("activity", "list"); strings.Count(acts, "EMAILEINGANG") != 12 {
		t.Fatalf("kept database:\n%s", acts)
	}
	if _, errs, code := c.run("demo", "--keep", dir); code != 1 || !strings.Contains(errs, "already holds a wfe.db") {
		t.Fatalf("second demo into the same directory: exit %d %s", code, errs)
	}
}
