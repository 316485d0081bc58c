package wfecmd

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
)

// wfe console user add reads the password from standard input; token add
// prints the token once; both are audited as the command line's.
func TestConsoleUsersAndTokens(t *testing.T) {
	c := newStoreCLI(t)
	c.env["USER"] = "root"
	if out := c.okIn("admin password 1234\n", "console", "user", "add", "anna", "--role", "admin", "--password-stdin"); !strings.Contains(out, "console user anna added (admin)") {
		t.Fatalf("user add: %s", out)
	}
	_, errs, code := c.runIn("x", "console", "user", "add", "bob", "--role", "root", "--password-stdin")
	if code != 2 || !strings.Contains(errs, `--role "root": want admin or viewer`) {
		t.Fatalf("bad role: %d %s", code, errs)
	}
	if _, errs, code := c.runIn("short", "console", "user", "add", "bob", "--role", "viewer", "--password-stdin"); code != 1 || !strings.Contains(errs, "at least 12 characters") {
		t.Fatalf("short password: %d %s", code, errs)
	}
	if _, errs, code := c.run("console", "user", "add", "bob", "--role", "viewer"); code != 2 || !strings.Contains(errs, "--password-stdin is required") {
		t.Fatalf("no --password-stdin: %d %s", code, errs)
	}
	token := strings.TrimSpace(c.ok("console", "token", "add", "backup", "--role", "viewer"))
	if !strings.HasPrefix(token, "wfe_") || len(token) < 40 {
		t.Fatalf("token %q", token)
	}
	list := c.ok("console", "token", "list", "--json")
	if strings.Contains(list, token) || !strings.Contains(list, `"name": "backup"`) {
		t.Fatalf("token list shows the token or misses it: %s", list)
	}
	if out := c.ok("console", "user", "list"); !strings.Contains(out, "anna") || !strings.Contains(out, "admin") {
		t.Fatalf("user list: %s", out)
	}
	st := c.store()
	defer st.Close()
	audit, err := st.Console().ListAudit(t.Context(), 0, 0)
	if err != nil || len(audit) != 2 || audit[0].Action != "token.add" || audit[1].Actor != "root" || audit[1].ActorKind != "cli" {
		t.Fatalf("audit %+v %v", audit, err)
	}
}

// wfe status prints one line per source and exits 1 when one is failing.
func TestStatusCommand(t *testing.T) {
	c := newStoreCLI(t)
	c.importWorkflow(helloWorkflow, true)
	c.ok("employee", "add", "mm", "--email", "mm@firma.example")
	c.ok("timer", "add", "nightly", "--workflow", "Hello", "--as", "mm", "--every", "1h")
	st := c.store()
	if err := st.SaveRun(t.Context(), &store.Run{Timer: "nightly", Status: store.RunSucceeded, WorkflowID: "Hello"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out, _, code := c.run("status")
	if code != 0 || !regexp.MustCompile(`(?m)^ok\s+timer\s+nightly\s`).MatchString(out) {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
	st = c.store()
	if err := st.SaveRun(t.Context(), &store.Run{Timer: "nightly", Status: store.RunFailed, WorkflowID: "Hello", Error: "workflow Hello is not active"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	out, _, code = c.run("status")
	if code != 1 || !regexp.MustCompile(`(?m)^failing\s+timer\s+nightly\s`).MatchString(out) {
		t.Fatalf("status with a failing timer: exit %d\n%s", code, out)
	}
	out, _, code = c.run("status", "--json")
	var sources []map[string]any
	if err := json.Unmarshal([]byte(out), &sources); err != nil || code != 1 {
		t.Fatalf("status --json: exit %d %v\n%s", code, err, out)
	}
	var nightly map[string]any
	for _, src := range sources {
		if src["name"] == "nightly" {
			nightly = src
		}
	}
	if nightly["state"] != "failing" || nightly["last_error"] != "workflow Hello is not active" {
		t.Fatalf("nightly in status --json: %v", nightly)
	}
	if _, _, code := c.run("status", "--quiet-factor", "0.5"); code != 2 {
		t.Fatalf("--quiet-factor 0.5: exit %d, want 2", code)
	}
}

// serve --http offers the console beside the timers: /healthz without
// sign-in, the dashboard after signing in with a console user.
func TestServeOffersTheConsole(t *testing.T) {
	c := newStoreCLI(t)
	c.okIn("admin password 1234", "console", "user", "add", "anna", "--role", "admin", "--password-stdin")
	s := c.startServe("--http", "127.0.0.1:0")
	base := consoleURL(t, s)
	resp, err := http.Get(base + "healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	if resp, err = http.Get(base + "readyz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = client.PostForm(base+"login", url.Values{"username": {"anna"}, "password": {"admin password 1234"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) != 1 {
		t.Fatalf("sign in: %v %v", resp, err)
	}
	req, _ := http.NewRequest("GET", base, nil)
	req.AddCookie(resp.Cookies()[0])
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), builtinAutoImport) {
		t.Fatalf("dashboard: %s\n%s", resp.Status, body)
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
}

// consoleURL reads the console's address from serve's log.
func consoleURL(t *testing.T, s *served) string {
	t.Helper()
	m := regexp.MustCompile(`msg="console listening".* url=(http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(s.stderr.String())
	if m == nil {
		t.Fatalf("no console address in the log:\n%s", s.stderr.String())
	}
	return m[1]
}

// After the demo's import, /metrics of a serve on its database shows the
// import counters of its mail configuration "123".
func TestMetricsAfterDemo(t *testing.T) {
	dir := t.TempDir()
	c := &storeCLI{t: t, db: filepath.Join(dir, "wfe.db"), env: map[string]string{}}
	if out := c.ok("demo", "--keep", dir); !strings.Contains(out, "12 imported") {
		t.Fatalf("demo:\n%s", out)
	}
	s := c.startServe("--http", "127.0.0.1:0")
	resp, err := http.Get(consoleURL(t, s) + "metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`wfe_mails_total{configuration="123",outcome="imported"} 12`, `wfe_runs_total{status="succeeded",timer="",workflow="ImportMails"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s:\n%s", want, body)
		}
	}
}
