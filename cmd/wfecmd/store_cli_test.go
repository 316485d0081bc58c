package wfecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/engine/timer"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// storeCLI runs wfe commands against one SQLite database.
type storeCLI struct {
	t   *testing.T
	db  string
	env map[string]string
	// timerStart, when set, is told of every timer execution of a serve
	// started with startServe.
	timerStart func(ctx context.Context, t timer.Task)
}

// newStoreCLI creates a database with 'wfe init' (the other commands
// refuse a database file that does not exist).
func newStoreCLI(t *testing.T) *storeCLI {
	c := &storeCLI{t: t, db: filepath.Join(t.TempDir(), "wfe.db"),
		env: map[string]string{"WFE_SECRET_KEY": storetest.TestKey}}
	c.ok("init")
	return c
}

func (c *storeCLI) run(args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return c.env[k] }}
	code = Execute(context.Background(), root, env, append([]string{"--db", c.db}, args...))
	return out.String(), errb.String(), code
}

func (c *storeCLI) ok(args ...string) string {
	c.t.Helper()
	out, errs, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("wfe %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func (c *storeCLI) store() *store.Store {
	c.t.Helper()
	s, err := store.Open(context.Background(), c.db, store.WithSecretKey(storetest.TestKey))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { s.Close() })
	return s
}

// The CRM documentation's customisation procedure as the README shows it.
func TestCLICustomisationProcedure(t *testing.T) {
	c := newStoreCLI(t)
	dir := t.TempDir()
	exported := filepath.Join(dir, "ImportMails.xml")
	c.ok("workflow", "export", "ImportMails", "-o", exported)
	orig, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(orig), `WorkFlowID="ImportMails"`, `WorkFlowID="ImportMailsSupport"`, 1)
	edited = strings.Replace(edited, `Value="123"`, `Value="456"`, 1)
	copyFile := filepath.Join(dir, "ImportMailsSupport.xml")
	if err := os.WriteFile(copyFile, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out := c.ok("workflow", "import", copyFile, "--activate")
	if !strings.Contains(out, "created ImportMailsSupport version 1 (derived from ImportMails)") {
		t.Fatalf("import output: %s", out)
	}
	c.ok("workflow", "deactivate", "ImportMails")
	var defs []map[string]any
	if err := json.Unmarshal([]byte(c.ok("workflow", "list", "--json")), &defs); err != nil {
		t.Fatal(err)
	}
	got := map[string]map[string]any{}
	for _, d := range defs {
		got[d["workflow_id"].(string)] = d
	}
	if std := got["ImportMails"]; std["standard"] != true || std["active"] != false {
		t.Fatalf("standard: %v", std)
	}
	if cp := got["ImportMailsSupport"]; cp["standard"] != false || cp["active"] != true || cp["derived_from"] != "ImportMails" {
		t.Fatalf("copy: %v", cp)
	}
	if out := c.ok("workflow", "export", "ImportMailsSupport"); out != edited {
		t.Fatalf("export of the copy is not the imported bytes")
	}
	// unchanged re-import: no-op
	if out := c.ok("workflow", "import", copyFile); !strings.Contains(out, "unchanged ImportMailsSupport version 1") {
		t.Fatalf("re-import: %s", out)
	}
	// a broken file among good ones: nothing imported, exit 1, every problem named
	broken := filepath.Join(dir, "broken.xml")
	os.WriteFile(broken, []byte(`<WorkFlowMapping WorkFlowID="B">`), 0o644)
	other := filepath.Join(dir, "other.xml")
	os.WriteFile(other, []byte(strings.Replace(edited, "ImportMailsSupport", "Other", 1)), 0o644)
	_, errs, code := c.run("workflow", "import", other, broken)
	if code != 1 || !strings.Contains(errs, "broken.xml:") || !strings.Contains(errs, "nothing was imported") {
		t.Fatalf("broken batch: exit %d, stderr %s", code, errs)
	}
	if _, _, code := c.run("workflow", "export", "Other"); code != 1 {
		t.Fatal("a file of a refused batch was stored")
	}
	out = c.ok("workflow", "duplicate", "ImportMails", "ImportMailsInfo", "--description", "Info-Postfach")
	if !strings.Contains(out, "copy of ImportMails version 1") {
		t.Fatalf("duplicate: %s", out)
	}
	if _, _, code := c.run("workflow", "duplicate", "ImportMails"); code != 2 {
		t.Fatalf("duplicate with one argument: exit %d, want 2", code)
	}
}

func TestCLISecretsNeverPrinted(t *testing.T) {
	c := newStoreCLI(t)
	c.env["GW_PW"] = "S3cr3t-pw-XYZ"
	c.ok("employee", "add", "anna", "--email", "anna@firma.de", "--groupware-login", "anna@firma.de", "--groupware-password-env", "GW_PW")
	s := c.store()
	cfg := &store.MailConfig{MatchCode: "123", UserName: "info@firma.de", Password: "S3cr3t-pw-XYZ", OAuthClientSecret: "S3cr3t-pw-XYZ"}
	if err := s.CreateMailConfig(context.Background(), cfg); err != nil {
		t.Fatal(err)
	}
	emp, err := s.EmployeeByLogin(context.Background(), "anna")
	if err != nil || emp.GroupwarePassword != "S3cr3t-pw-XYZ" {
		t.Fatalf("employee password not stored: %v", err)
	}
	act := &store.Activity{Type: store.TypeMailIn, Subject: "Hallo", DelegatedTo: &emp.ID, MailConfigID: &cfg.ID,
		MatchExplanation: store.StringList{"From anna@firma.de: employee anna"}}
	if err := s.CreateActivity(context.Background(), act); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveRun(context.Background(), &store.Run{WorkflowID: "ImportMails", Status: store.RunSucceeded, StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, args := range [][]string{
		{"activity", "list"}, {"activity", "list", "--json"}, {"activity", "show", "1"}, {"activity", "show", "1", "--json"},
		{"workflow", "list"}, {"workflow", "list", "--json"}, {"settings", "list"}, {"settings", "list", "--json"},
		{"employee", "list"}, {"employee", "list", "--json"}, {"runs", "list"}, {"runs", "list", "--json"},
		{"contacts", "list", "--json"}, {"search", "list", "--json"},
	} {
		out, errs, code := c.run(args...)
		if code != 0 {
			t.Fatalf("wfe %v: exit %d: %s", args, code, errs)
		}
		all.WriteString(out + errs)
	}
	if strings.Contains(all.String(), "S3cr3t") {
		t.Fatal("a secret appears in command output")
	}
	for _, f := range []string{c.db, c.db + "-wal"} {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte("S3cr3t-pw-XYZ")) {
			t.Fatalf("%s holds the plain secret", f)
		}
	}
	// the listing carries the contracted keys
	var acts []map[string]any
	if err := json.Unmarshal([]byte(c.ok("activity", "list", "--json")), &acts); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "type", "status", "subject", "sender", "message_id", "contacts", "documents", "import_folder", "groupware_lock", "delegated_to"} {
		if _, ok := acts[0][k]; !ok {
			t.Errorf("activity list --json lacks %q", k)
		}
	}
	if acts[0]["delegated_to"] != "anna" {
		t.Errorf("delegated_to = %v, want the login", acts[0]["delegated_to"])
	}
	if out := c.ok("activity", "show", "1"); !strings.Contains(out, "From anna@firma.de: employee anna") {
		t.Errorf("activity show lacks the match explanation:\n%s", out)
	}
	if _, errs, code := c.run("employee", "add", "bob", "--email", "b@x.de", "--groupware-password-env", "UNSET"); code != 1 || !strings.Contains(errs, "UNSET") {
		t.Errorf("unset password variable: exit %d %s", code, errs)
	}
}

func TestCLIContactsSettingsSearch(t *testing.T) {
	c := newStoreCLI(t)
	csv := filepath.Join(t.TempDir(), "contacts.csv")
	os.WriteFile(csv, []byte("partner,partner_roles,partner_fax,first_name,last_name,email,fax\n"+
		"Muster GmbH,Kunde,,Max,Muster,max@muster.de,\n"+
		",Kunde,,Ohne,Partner,x@y.de,\n"+
		"Muster Einkauf,Lieferant,,Max,Muster,max@muster.de,\n"), 0o644)
	out, errs, code := c.run("contacts", "import", csv)
	if code != 1 || !strings.Contains(out, "2 contacts created") || !strings.Contains(errs, "contacts.csv:3: partner is empty") {
		t.Fatalf("contacts import: exit %d\n%s\n%s", code, out, errs)
	}
	_, errs, code = c.run("settings", "set", "fax-address", "fax@firma.de")
	if code != 1 || !strings.Contains(errs, "the fax server address must contain the placeholder ${fax}") {
		t.Fatalf("fax address without placeholder: exit %d %s", code, errs)
	}
	c.ok("settings", "set", "internal-domains", "firma.de,firma.com")
	c.ok("settings", "set", "lock-mail", "false")
	var st map[string]any
	json.Unmarshal([]byte(c.ok("settings", "list", "--json")), &st)
	if st["lock_mail"] != false || st["lock_meeting_request"] != true || len(st["internal_domains"].([]any)) != 2 {
		t.Fatalf("settings: %v", st)
	}
	_, errs, code = c.run("search", "add", "S1", "--entity", "contact", "--expr", `"Lieferant" in partner.rolle`)
	if code != 1 || !strings.Contains(errs, "column") {
		t.Fatalf("bad expression: exit %d %s", code, errs)
	}
	c.ok("search", "add", "31m47d216nrsh550ExtendedSearch", "--entity", "contact", "--expr", `"Lieferant" in partner.roles`)
	ms, err := c.store().ContactsByEmail(context.Background(), "max@muster.de")
	if err != nil || len(ms) != 2 {
		t.Fatalf("contacts: %v %v", ms, err)
	}
	for _, m := range ms {
		got, err := c.store().MatchContact(context.Background(), "31m47d216nrsh550ExtendedSearch", m)
		if err != nil || got != m.Partner.Roles.Has("Lieferant") {
			t.Errorf("%s: match %v %v", m.Partner.Name, got, err)
		}
	}
	if _, _, code := c.run("settings", "set", "lock-mail"); code != 2 {
		t.Errorf("settings set with one argument: exit %d, want 2", code)
	}
	if _, _, code := c.run("runs", "list", "--limit", "-1"); code != 2 {
		t.Errorf("negative limit: exit %d, want 2", code)
	}
}
