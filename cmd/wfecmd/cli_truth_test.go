package wfecmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A mistyped --db names the fix and leaves nothing behind; init creates
// the database and may run again.
func TestMissingDatabaseIsRefused(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.db")
	c := &storeCLI{t: t, db: typo, env: map[string]string{}}
	for _, args := range [][]string{{"activity", "list"}, {"serve"}, {"workflow", "list"}, {"timer", "list"}, {"run", "Hello"}} {
		_, errs, code := c.run(args...)
		want := "no database at " + typo + " (create one with 'wfe init --db " + typo + "')"
		if code != 1 || !strings.Contains(errs, want) {
			t.Errorf("wfe %v on a missing database: exit %d, stderr %q", args, code, errs)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Fatalf("a refused command left %d files: %v", len(left), left[0].Name())
	}
	if out := c.ok("init"); !strings.Contains(out, "database "+typo+" created") {
		t.Errorf("init: %s", out)
	}
	if out := c.ok("init"); !strings.Contains(out, "is up to date") {
		t.Errorf("second init: %s", out)
	}
	if out := c.ok("workflow", "list"); !strings.Contains(out, "ImportMails") {
		t.Errorf("the shipped workflows are not installed by init:\n%s", out)
	}
}

// Every host:port flag is checked, naming the flag and the port.
func TestHostPortChecked(t *testing.T) {
	c := newStoreCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"mailconfig", "set", "X", "--imap", "host:99999"}, "--imap host:99999: the port 99999 is not a number from 1 to 65535"},
		{[]string{"mailconfig", "set", "X", "--imap", "host:0"}, "the port 0 is not a number from 1 to 65535"},
		{[]string{"mailconfig", "set", "X", "--smtp", "mail.example.com"}, "--smtp mail.example.com: give the server as host:port"},
		{[]string{"mailconfig", "set", "X", "--smtp", ":25"}, "--smtp :25: the host is missing"},
		{[]string{"oauth", "login", "X", "--listen", "127.0.0.1:65536"}, "--listen 127.0.0.1:65536: the port 65536"},
	} {
		_, errs, code := c.run(tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("wfe %v: exit %d, stderr lacks %q:\n%s", tc.args, code, tc.want, errs)
		}
	}
	c.ok("mailconfig", "set", "X", "--imap", "[::1]:993", "--smtp", "smtp.example.com:587")
	var cfgs []map[string]any
	if err := json.Unmarshal([]byte(c.ok("mailconfig", "list", "--json")), &cfgs); err != nil || len(cfgs) != 1 {
		t.Fatalf("mailconfig list: %v %v", cfgs, err)
	}
}

// Timer periods: a bad or too short --every names the accepted format.
func TestTimerPeriodMessages(t *testing.T) {
	c := newStoreCLI(t)
	c.ok("employee", "add", "mm", "--email", "mm@firma.example")
	for _, every := range []string{"0s", "banana", "500ms", "10"} {
		_, errs, code := c.run("timer", "add", "T", "--workflow", "ImportMails", "--as", "mm", "--every", every)
		if code != 2 || !strings.Contains(errs, "--every "+every+":") || !strings.Contains(errs, "such as 90s, 10m or 1h30m (at least 1s)") {
			t.Errorf("--every %s: exit %d, stderr %q", every, code, errs)
		}
	}
	c.ok("timer", "add", "T", "--workflow", "ImportMails", "--as", "mm", "--every", "1s")
}

// An unknown workflow is named first, with the closest installed one,
// before anything about --as.
func TestRunUnknownWorkflowFirst(t *testing.T) {
	c := newStoreCLI(t)
	_, errs, code := c.run("run", "ImportMail")
	if code != 1 || !strings.Contains(errs, "workflow ImportMail is not installed (did you mean ImportMails?)") || strings.Contains(errs, "--as") {
		t.Fatalf("run of a mistyped workflow without employees: exit %d\n%s", code, errs)
	}
}

// `wfe run FILE.xml` runs a file without importing it: a dry run unless
// --dry-run=false; runs show prints the real run in full.
func TestRunFileAndRunsShow(t *testing.T) {
	c := newStoreCLI(t)
	c.ok("employee", "add", "mm", "--email", "mm@firma.example")
	file := filepath.Join(t.TempDir(), "hello.xml")
	if err := os.WriteFile(file, []byte(helloWorkflow), 0o644); err != nil {
		t.Fatal(err)
	}
	var dry map[string]any
	if err := json.Unmarshal([]byte(c.ok("run", file, "--json")), &dry); err != nil || dry["dry_run"] != true || dry["status"] != "ok" {
		t.Fatalf("run FILE: %v %v", dry, err)
	}
	if out := c.ok("workflow", "list"); strings.Contains(out, "Hello") {
		t.Fatalf("run FILE imported the workflow:\n%s", out)
	}
	if out := c.ok("runs", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("a dry run was recorded: %s", out)
	}
	c.ok("run", file, "--dry-run=false")
	var runs []map[string]any
	if err := json.Unmarshal([]byte(c.ok("runs", "list", "--json")), &runs); err != nil || len(runs) != 1 {
		t.Fatalf("runs after a real run of the file: %v %v", runs, err)
	}
	out := c.ok("runs", "show", runs[0]["id"].(string))
	for _, want := range []string{"workflow:  Hello", "run as:    mm", "status:    succeeded", "step 1 (TimerWFEvent)",
		"LogAction ok", "parameter Message = hello from the timer", "log:\n    hello from the timer"} {
		if !strings.Contains(out, want) {
			t.Errorf("runs show lacks %q:\n%s", want, out)
		}
	}
	if _, errs, code := c.run("runs", "show", "nope"); code != 1 || !strings.Contains(errs, "run nope does not exist") {
		t.Errorf("runs show of an unknown run: exit %d %q", code, errs)
	}
	broken := filepath.Join(t.TempDir(), "broken.xml")
	os.WriteFile(broken, []byte(strings.Replace(helloWorkflow, "LogAction", "NoSuchAction", 1)), 0o644)
	if _, errs, code := c.run("run", broken); code != 1 || !strings.Contains(errs, "broken.xml:") {
		t.Errorf("run of a file that does not compile: exit %d %q", code, errs)
	}
}

// Error messages are sentences: no class words of the store, no SQLSTATE
// codes, no flag-package or strconv jargon, no Go escapes.
func TestErrorMessagesReadAsSentences(t *testing.T) {
	c := newStoreCLI(t)
	c.ok("employee", "add", "mm", "--email", "mm@firma.example")
	for _, args := range [][]string{
		{"activity", "show", "999"}, {"workflow", "export", "Nope"}, {"workflow", "activate", "Nope"},
		{"timer", "enable", "Nope"}, {"run", "Hello", "--as", "nobody"}, {"employee", "add", "mm", "--email", "x@y.z"},
		{"runs", "show", "nope"}, {"runs", "list", "--limit", "x"}, {"runs", "list", "--nope"},
		{"activity", "list", "--status"}, {"run", "ImportMails", "--dry-run=maybe"}, {"mailconfig", "test", "Nope"},
		{"timer", "add", "T", "--every", "banana"}, {"send", "999", "--as", "mm"},
	} {
		_, errs, code := c.run(args...)
		if code == 0 || errs == "" {
			t.Errorf("wfe %v: exit %d without a message", args, code)
			continue
		}
		for _, bad := range []string{": not found", ": conflict", ": invalid value", "SQLSTATE", "parse error", "strconv.", "invalid value", "flag provided", `\"`, `\x`, `\u`} {
			if strings.Contains(errs, bad) {
				t.Errorf("wfe %v: the message holds %q:\n%s", args, bad, errs)
			}
		}
	}
}

// Exit status 2 for wrong usage and 1 for user errors, in every command.
func TestExitStatuses(t *testing.T) {
	c := newStoreCLI(t)
	usage := 0
	for _, cmd := range leaves(root) {
		words := strings.Fields(strings.TrimPrefix(cmd.path(), "wfe "))
		if _, errs, code := c.run(append(words, "--no-such-flag")...); code != 2 || !strings.Contains(errs, "there is no flag --no-such-flag") {
			t.Errorf("wfe %s --no-such-flag: exit %d, stderr %q", strings.Join(words, " "), code, errs)
		}
		usage++
	}
	for _, args := range [][]string{
		{"nosuch"}, {"workflow"}, {"run"}, {"run", "a", "b"}, {"activity", "show"}, {"timer", "add"},
		{"settings", "set", "lock-mail"}, {"version", "extra"}, {"init", "extra"}, {"--nope", "version"},
	} {
		if _, errs, code := c.run(args...); code != 2 {
			t.Errorf("wfe %v: exit %d, want 2 (%s)", args, code, errs)
		}
	}
	for _, args := range [][]string{
		{"activity", "show", "999"}, {"workflow", "export", "Nope"}, {"run", "Nope"}, {"timer", "remove", "Nope"},
		{"workflow", "validate", "/nonexistent.xml"}, {"runs", "show", "nope"},
	} {
		if _, errs, code := c.run(args...); code != 1 {
			t.Errorf("wfe %v: exit %d, want 1 (%s)", args, code, errs)
		}
	}
	if usage < 30 {
		t.Fatalf("only %d commands checked", usage)
	}
}
