package wfecmd

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
)

// consoleSession is a browser-like client signed in to serve's console,
// with the session's CSRF token.
type consoleSession struct {
	t      *testing.T
	base   string
	client *http.Client
	csrf   string
}

func signInConsole(t *testing.T, base, user, password string) *consoleSession {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	cs := &consoleSession{t: t, base: base, client: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if resp, _ := cs.post("login", url.Values{"username": {user}, "password": {password}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: %s", user, resp.Status)
	}
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(cs.get(""))
	if m == nil {
		t.Fatal("no CSRF token on the dashboard")
	}
	cs.csrf = m[1]
	return cs
}

func (cs *consoleSession) post(path string, v url.Values) (*http.Response, string) {
	cs.t.Helper()
	if cs.csrf != "" {
		v.Set("csrf_token", cs.csrf)
	}
	resp, err := cs.client.PostForm(cs.base+path, v)
	if err != nil {
		cs.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (cs *consoleSession) get(path string) string {
	cs.t.Helper()
	resp, err := cs.client.Get(cs.base + path)
	if err != nil {
		cs.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// serve's console runs workflows on serve's node as the employee chosen,
// and replays a quarantined mail as the automatic import's employee (the
// run-as of the mail-auto-import timer), as `wfe quarantine replay`
// without --as does.
func TestServeConsoleRunAndReplay(t *testing.T) {
	c := newStoreCLI(t)
	c.ok("employee", "add", "anna", "--email", "anna@firma.example")
	c.ok("employee", "add", "sam", "--email", "sam@firma.example")
	c.ok("workflow", "import", "--activate", "../../testdata/workflows/MailRuleLog.xml")
	c.okIn("admin password 1234", "console", "user", "add", "ada", "--role", "admin", "--password-stdin")
	st := c.store()
	ctx := t.Context()
	cfg := &store.MailConfig{MatchCode: "info"}
	if err := st.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if err := ensureBuiltinTimers(ctx, st); err != nil {
		t.Fatal(err)
	}
	imp, err := st.GetTimer(ctx, builtinAutoImport)
	if err != nil {
		t.Fatal(err)
	}
	imp.RunAs = "sam"
	if err := st.UpdateTimer(ctx, imp); err != nil {
		t.Fatal(err)
	}
	raw := "From: kunde@example.com\r\nSubject: Angebot 12\r\nMessage-ID: <q12@example.com>\r\n\r\nbody\r\n"
	sha, _, err := st.PutBlob(ctx, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	entry := &store.LedgerEntry{MailConfigID: cfg.ID, Mailbox: "INBOX", UIDValidity: 1, UID: 12, Outcome: store.OutcomeQuarantined,
		Error: "store: disk full", RawBlob: sha, ContentSHA256: sha}
	if err := st.RecordLedger(ctx, entry); err != nil {
		t.Fatal(err)
	}
	st.Close()

	s := c.startServe("--http", "127.0.0.1:0", "--node", "node-c")
	cs := signInConsole(t, consoleURL(t, s), "ada", "admin password 1234")
	resp, _ := cs.post("workflows/MailRuleLog/run", url.Values{"run_as": {"anna"}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/runs/") {
		t.Fatalf("run now: %s → %q", resp.Status, resp.Header.Get("Location"))
	}
	if page := cs.get(strings.TrimPrefix(resp.Header.Get("Location"), "/")); !strings.Contains(page, `<td id="run-status">succeeded</td>`) ||
		!strings.Contains(page, `<th>Node</th><td>node-c</td>`) || !strings.Contains(page, `<td id="run-as-login">anna</td>`) {
		t.Fatalf("run page:\n%s", page)
	}
	resp, _ = cs.post("quarantine/"+itoa64(entry.ID)+"/replay", url.Values{})
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "imported+as+activity") {
		t.Fatalf("replay: %s → %q", resp.Status, resp.Header.Get("Location"))
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	st = c.store()
	defer st.Close()
	e, err := st.Console().LedgerEntry(ctx, entry.ID)
	if err != nil || e.ActivityID == nil {
		t.Fatalf("entry after replay: %+v %v", e, err)
	}
	a, err := st.GetActivity(ctx, *e.ActivityID)
	if err != nil {
		t.Fatal(err)
	}
	sam, _ := st.EmployeeByLogin(ctx, "sam")
	if a.CreatedBy == nil || *a.CreatedBy != sam.ID {
		t.Errorf("the replayed mail's activity was created by %v, want sam (%d)", a.CreatedBy, sam.ID)
	}
}

// --watchdog-mail names the mail configuration that sends the watchdog's
// mails: an unknown one, or one whose user name is no address, stops
// serve with a usage error; a good one turns the mails on.
func TestServeWatchdogMailFlag(t *testing.T) {
	c := newStoreCLI(t)
	st := c.store()
	for _, mc := range []store.MailConfig{{MatchCode: "alerts", UserName: "wfe@firma.example"}, {MatchCode: "noaddr", UserName: "wfe"}} {
		if err := st.CreateMailConfig(t.Context(), &mc); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	for flag, want := range map[string]string{"nosuch": "--watchdog-mail nosuch", "noaddr": "is no address"} {
		if _, errs, code := c.run("serve", "--http", "off", "--watchdog-mail", flag); code != 2 || !strings.Contains(errs, want) {
			t.Errorf("serve --watchdog-mail %s: exit %d, %s", flag, code, errs)
		}
	}
	s := c.startServe("--watchdog-mail", "alerts")
	if !strings.Contains(s.stderr.String(), `msg="watchdog mails on"`) || !strings.Contains(s.stderr.String(), "via=alerts") {
		t.Errorf("serve does not say the watchdog mails are on:\n%s", s.stderr.String())
	}
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
}
