package wfecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store/storetest"
	"github.com/wfehq/wfe/workflows"
)

func TestEveryShippedWorkflowCompilesWithTheFullRegistry(t *testing.T) {
	reg := builtinRegistry(Deps{})
	for _, f := range workflows.Files() {
		if _, err := engine.CompileBytes(f.Name, f.Data, reg); err != nil {
			t.Errorf("%s: %v", f.Name, err)
		}
	}
}

// bccCLI runs wfe commands against one SQLite database with the full
// registry (workflow imports compile for real).
type bccCLI struct {
	t   *testing.T
	db  string
	env map[string]string
	dir string
}

func newBCCCLI(t *testing.T) *bccCLI {
	dir := t.TempDir()
	c := &bccCLI{t: t, dir: dir, db: filepath.Join(dir, "wfe.db"),
		env: map[string]string{"WFE_SECRET_KEY": storetest.TestKey, "BCC_PW": "secret"}}
	c.ok("init")
	return c
}

func (c *bccCLI) run(args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(k string) string { return c.env[k] }}
	code = Execute(context.Background(), root, env, append([]string{"--db", c.db}, args...))
	return out.String(), errb.String(), code
}

// ok runs a command that must succeed and returns its output.
func (c *bccCLI) ok(args ...string) string {
	c.t.Helper()
	out, errOut, code := c.run(args...)
	if code != 0 {
		c.t.Fatalf("wfe %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func (c *bccCLI) file(name, content string) string {
	c.t.Helper()
	p := filepath.Join(c.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		c.t.Fatal(err)
	}
	return p
}

// setup: the technical run-as user, two sending employees, customers and
// a supplier, the internal domain and the BCCIMPORTER configuration.
func (c *bccCLI) setup(srv *mailtest.IMAPServer, matchCodes map[string]string) {
	c.ok("employee", "add", "bccbot", "--email", "crm-technik@firma.example")
	c.ok("employee", "add", "anna", "--email", "anna.schmidt@firma.example")
	c.ok("settings", "set", "internal-domains", "firma.example")
	c.ok("contacts", "import", c.file("contacts.csv", `partner,partner_roles,partner_fax,first_name,last_name,email,fax
Müller GmbH,Kunde,,Jürgen,Müller,j.mueller@kunde-mueller.example,
Meier KG,Kunde,,Klaus,Meier,k.meier@kunde-meier.example,
Schmidt Zulieferung,Lieferant,,Petra,Schmidt,p.schmidt@lieferant-schmidt.example,
`))
	for mc, user := range matchCodes {
		c.ok("mailconfig", "set", mc, "--user", user, "--password-env", "BCC_PW", "--imap", srv.Addr, "--imap-security", srv.Security)
	}
}

type listedActivity struct {
	ID         int64    `json:"id"`
	Status     string   `json:"status"`
	Type       string   `json:"type"`
	MessageID  string   `json:"message_id"`
	Contacts   []string `json:"contacts"`
	Unassigned bool     `json:"unassigned"`
}

func (c *bccCLI) activities() []listedActivity {
	c.t.Helper()
	var as []listedActivity
	if err := json.Unmarshal([]byte(c.ok("activity", "list", "--json")), &as); err != nil {
		c.t.Fatal(err)
	}
	return as
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mails", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The customisation procedure of the CRM documentation (docs/REQUIREMENTS.md R9, R13):
// export WKF_ImportMailsByBCC, change S_ACTSTATUS-E to S_ACTSTATUS-O and
// the id, import it, deactivate the standard workflow, run the copy.
func TestBCCCustomisationEndToEnd(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: map[string]string{"bcc": "secret"}})
	c := newBCCCLI(t)
	c.setup(srv, map[string]string{"BCCIMPORTER": "bcc"})
	srv.Append(t, "bcc", "INBOX", readFixture(t, "20-bcc-customer.eml"))
	srv.Append(t, "bcc", "INBOX", readFixture(t, "22-bcc-html.eml")) // thomas is no employee here

	exported := filepath.Join(c.dir, "WKF_ImportMailsByBCC_Open.xml")
	c.ok("workflow", "export", "WKF_ImportMailsByBCC", "-o", exported)
	b, err := os.ReadFile(exported)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, shippedBCC(t)) {
		t.Fatal("the export differs from the shipped bytes")
	}
	custom := strings.Replace(string(b), `WorkFlowID="WKF_ImportMailsByBCC"`, `WorkFlowID="WKF_ImportMailsByBCC_Open"`, 1)
	custom = strings.Replace(custom, "S_ACTSTATUS-E", "S_ACTSTATUS-O", 1)

	// a SearchPk that names no stored search is refused at import
	bad := c.file("bad.xml", strings.Replace(custom, `Name="SearchPk" DataType="java.lang.String" Value=""`,
		`Name="SearchPk" DataType="java.lang.String" Value="31m47d216nrsh550ExtendedSearch"`, 1))
	_, errOut, code := c.run("workflow", "import", bad)
	if code != 1 || !strings.Contains(errOut, `unknown ExtendedSearch "31m47d216nrsh550ExtendedSearch"`) {
		t.Fatalf("import with an unknown SearchPk: exit %d, stderr %s", code, errOut)
	}

	c.ok("workflow", "import", c.file("WKF_ImportMailsByBCC_Open.xml", custom), "--activate")
	c.ok("workflow", "deactivate", "WKF_ImportMailsByBCC")
	list := c.ok("workflow", "list", "--json")
	var defs []struct {
		ID          string `json:"workflow_id"`
		Active      bool   `json:"active"`
		Standard    bool   `json:"standard"`
		DerivedFrom string `json:"derived_from"`
	}
	if err := json.Unmarshal([]byte(list), &defs); err != nil {
		t.Fatalf("%v: %s", err, list)
	}
	seen := 0
	for _, d := range defs {
		switch d.ID {
		case "WKF_ImportMailsByBCC":
			seen++
			if d.Active || !d.Standard {
				t.Errorf("standard workflow: active=%v standard=%v", d.Active, d.Standard)
			}
		case "WKF_ImportMailsByBCC_Open":
			seen++
			if !d.Active || d.Standard || d.DerivedFrom != "WKF_ImportMailsByBCC" {
				t.Errorf("copy: active=%v standard=%v derived from %q", d.Active, d.Standard, d.DerivedFrom)
			}
		}
	}
	if seen != 2 {
		t.Fatalf("workflow list: %s", list)
	}
	if _, errOut, code := c.run("run", "WKF_ImportMailsByBCC", "--as", "bccbot"); code != 1 || !strings.Contains(errOut, "not active") {
		t.Errorf("the deactivated standard workflow ran: exit %d %s", code, errOut)
	}

	// dry run first: the explanation, and nothing changes
	out := c.ok("run", "WKF_ImportMailsByBCC_Open", "--as", "bccbot", "--dry-run")
	for _, want := range []string{"would import UID 1", "MAILAUS/O", "linked j.mueller@kunde-mueller.example: contact", "would quarantine UID 2: sender thomas.weber@firma.example is no employee"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out)
		}
	}
	if n := len(c.activities()); n != 0 {
		t.Fatalf("dry run created %d activities", n)
	}
	if n := len(srv.Folder(t, "bcc", "INBOX")); n != 2 {
		t.Fatalf("dry run moved mail: %d left in the inbox", n)
	}

	c.ok("run", "WKF_ImportMailsByBCC_Open", "--as", "bccbot")
	as := c.activities()
	if len(as) != 1 {
		t.Fatalf("activities: %+v", as)
	}
	a := as[0]
	if a.Status != "O" || a.Type != "MAILAUS" || a.MessageID != "bcc-0016@firma.example" {
		t.Errorf("activity %+v, want an open MAILAUS of bcc-0016", a)
	}
	show := c.ok("activity", "show", itoa64(a.ID))
	for _, want := range []string{"Match explanation:", "sender anna.schmidt@firma.example: employee anna",
		"linked j.mueller@kunde-mueller.example: contact", "of partner Müller GmbH (Kunde)",
		"linked p.schmidt@lieferant-schmidt.example: contact", "of partner Schmidt Zulieferung (Lieferant)"} {
		if !strings.Contains(show, want) {
			t.Errorf("activity show lacks %q:\n%s", want, show)
		}
	}
}

func itoa64(n int64) string { return engine.FormatValue(n) }

func shippedBCC(t *testing.T) []byte {
	t.Helper()
	for _, f := range workflows.Files() {
		if f.Name == "WKF_ImportMailsByBCC.xml" {
			return f.Data
		}
	}
	t.Fatal("WKF_ImportMailsByBCC.xml is not shipped")
	return nil
}

func TestDemoRunsBCCImporter(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	if code := Execute(context.Background(), root, env, []string{"demo"}); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	got := out.String()
	for _, want := range []string{
		"of WKF_ImportMailsByBCC as demo: ok",
		"3 unseen, 3 imported",
		"BCC activities (3):",
		"MAILAUS  E",
		"(match explanation)",
		"  sender anna.schmidt@firma.example: employee anna",
		"  linked k.meier@kunde-meier.example: contact",
		"  not linked thomas.weber@firma.example: internal address",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(got)
	}
}
