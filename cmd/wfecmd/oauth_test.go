package wfecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

const (
	sharedUser = "service@firma.example"
	annaGW     = "anna@firma.example"
	sharedPass = "unused-basic-password-9x"
)

// oauthEnv is a CLI database with mail configuration SHARED signing in
// with OAuth2 at a test provider, an IMAP and an SMTP server that accept
// only XOAUTH2 with the provider's access tokens, and employee anna.
type oauthEnv struct {
	*storeCLI
	p    *mailtest.OAuthProvider
	imap *mailtest.IMAPServer
	smtp *mailtest.SMTPServer
	// seen collects every output, to be searched for secrets.
	seen strings.Builder
}

func newOAuthEnv(t *testing.T) *oauthEnv {
	p := mailtest.StartOAuthProvider(t)
	check := func(user, tok string) bool { return (user == sharedUser || user == annaGW) && p.ValidAccessToken(tok) }
	e := &oauthEnv{storeCLI: newStoreCLI(t), p: p,
		imap: mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: map[string]string{sharedUser: "x", annaGW: "x"}, OAuth: check}),
		smtp: mailtest.StartSMTP(t, mailtest.SMTPOptions{XOAUTH2: check}),
	}
	e.env["CLIENT_SECRET"] = p.ClientSecret
	e.env["SHARED_PW"] = sharedPass
	e.must("employee", "add", "anna", "--email", "anna@firma.example", "--groupware-login", annaGW)
	e.must("settings", "set", "internal-domains", "firma.example")
	e.must("mailconfig", "set", "SHARED", "--user", sharedUser, "--password-env", "SHARED_PW",
		"--imap", e.imap.Addr, "--smtp", e.smtp.Addr, "--smtp-auth", "--display-name", "Firma Service",
		"--oauth-tenant", "firma-tenant", "--oauth-client-id", p.ClientID, "--oauth-client-secret-env", "CLIENT_SECRET",
		"--oauth-auth-url", p.AuthURL, "--oauth-token-url", p.TokenURL)
	return e
}

// must runs a command that has to succeed and keeps its output.
func (e *oauthEnv) must(args ...string) string {
	e.t.Helper()
	out, errs, code := e.cmd(args...)
	if code != 0 {
		e.t.Fatalf("wfe %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

func (e *oauthEnv) cmd(args ...string) (string, string, int) {
	e.t.Helper()
	out, errs, code := e.run(args...)
	e.seen.WriteString(out + errs)
	return out, errs, code
}

// urlWriter hands the first http:// URL written to it to a channel.
type urlWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	url  chan string
	sent bool
}

var urlPattern = regexp.MustCompile(`http://\S+`)

func (w *urlWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if u := urlPattern.FindString(w.buf.String()); u != "" && !w.sent {
		w.sent = true
		w.url <- u
	}
	return len(p), nil
}

// login runs `wfe oauth login ARGS --listen 127.0.0.1:0 --no-browser` and
// plays the browser: it opens the printed URL, and the test provider
// redirects to the callback at once.
func (e *oauthEnv) login(args ...string) (string, int) {
	e.t.Helper()
	w := &urlWriter{url: make(chan string, 1)}
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() {
		env := &Env{Stdin: strings.NewReader(""), Stdout: w, Stderr: &errb, Getenv: func(k string) string { return e.env[k] }}
		done <- Execute(context.Background(), root, env,
			append([]string{"--db", e.db, "oauth", "login", "--listen", "127.0.0.1:0", "--no-browser"}, args...))
	}()
	var code int
	select {
	case u := <-w.url:
		resp, err := http.Get(u)
		if err != nil {
			e.t.Fatalf("browser: %v", err)
		}
		resp.Body.Close()
		code = <-done
	case code = <-done:
	}
	w.mu.Lock()
	out := w.buf.String() + errb.String()
	w.mu.Unlock()
	e.seen.WriteString(out)
	return out, code
}

// tokens returns the stored token JSON of SHARED and of anna, read through
// a fresh Store (another process would see the same).
func (e *oauthEnv) tokens() (cfgTok, empTok string, cfg *store.MailConfig) {
	e.t.Helper()
	s := e.store()
	ctx := context.Background()
	cfg, err := s.MailConfigByMatchCode(ctx, "SHARED")
	if err != nil {
		e.t.Fatal(err)
	}
	emp, err := s.EmployeeByLogin(ctx, "anna")
	if err != nil {
		e.t.Fatal(err)
	}
	s.Close()
	return cfg.OAuthToken, emp.OAuthToken, cfg
}

type tokenFields struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func fields(t *testing.T, js string) tokenFields {
	var f tokenFields
	if js == "" {
		return f
	}
	if err := json.Unmarshal([]byte(js), &f); err != nil {
		t.Fatal(err)
	}
	return f
}

const sendWorkflow = `<?xml version="1.0" encoding="UTF-8"?>
<WorkFlowMapping WorkFlowID="SendShared" Description="send an activity with SHARED" ExecutionType="100">
<InternalDescription>test</InternalDescription>
<Step No="1">
<Event Name="TimerWFEvent"><EventToContextMap/></Event>
<Actions>
<Action Name="SendMailAction">
<ContextToActionMap>
<ValueMapping Name="SessionId"><Parameter Name="SessionId" DataType="java.lang.String" Value=""/></ValueMapping>
<ValueMapping Name="ActivityId"><Parameter Name="ActivityId" DataType="java.lang.Long" Value="%d"/></ValueMapping>
<ValueMapping Name="MailConfigMatchCode"><Parameter Name="MailConfigMatchCode" DataType="java.lang.String" Value="SHARED"/></ValueMapping>
</ContextToActionMap>
</Action>
</Actions>
</Step>
</WorkFlowMapping>
`

func TestOAuthLoginRefreshImportSendAndSignInNeeded(t *testing.T) {
	e := newOAuthEnv(t)
	var secrets []string
	remember := func() {
		c, emp, _ := e.tokens()
		for _, js := range []string{c, emp} {
			f := fields(t, js)
			secrets = append(secrets, f.AccessToken, f.RefreshToken)
		}
	}

	// before the sign-in the list says so
	if out := e.must("mailconfig", "list", "--wide"); !strings.Contains(out, "sign-in needed") {
		t.Fatalf("list before sign-in:\n%s", out)
	}
	// a configuration locked after a failure is unlocked by the sign-in;
	// the access tokens run out at once so every use refreshes them
	s := e.store()
	cfg0, err := s.MailConfigByMatchCode(context.Background(), "SHARED")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetAutoLock(context.Background(), cfg0.ID, "sign-in needed: test"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	e.p.SetExpiresIn(1)

	out, code := e.login("SHARED")
	if code != 0 {
		t.Fatalf("oauth login: exit %d\n%s", code, out)
	}
	for _, want := range []string{"Open this URL", "/oauth/authorization/callback", "signed in: token stored for mail configuration SHARED",
		"ok   imap login " + sharedUser, "ok   smtp AUTH"} {
		if !strings.Contains(out, want) {
			t.Fatalf("login output lacks %q:\n%s", want, out)
		}
	}
	if e.p.Exchanges() != 1 {
		t.Fatalf("code exchanges = %d", e.p.Exchanges())
	}
	first, _, cfg := e.tokens()
	if first == "" || cfg.AutoLocked {
		t.Fatalf("after login: token stored %v, auto-locked %v", first != "", cfg.AutoLocked)
	}
	remember()

	// mailconfig test refreshes; the rotated refresh token is stored and
	// the next process uses it (the old one is spent at the provider)
	refreshes := e.p.Refreshes()
	out = e.must("mailconfig", "test", "SHARED")
	if !strings.Contains(out, "ok   oauth token refresh (the configuration's sign-in)") || !strings.Contains(out, "ok   imap login") {
		t.Fatalf("mailconfig test:\n%s", out)
	}
	second, _, _ := e.tokens()
	if fields(t, second).RefreshToken == fields(t, first).RefreshToken || e.p.Refreshes() <= refreshes {
		t.Fatal("the refreshed (rotated) refresh token was not stored")
	}
	remember()
	out = e.must("mailconfig", "test", "SHARED")
	if strings.Contains(out, "FAIL") {
		t.Fatalf("second test with the stored rotated token:\n%s", out)
	}
	remember()

	// an import run over OAuth: the mail becomes an activity
	e.imap.Append(t, sharedUser, "INBOX", []byte("From: Kunde <k@kunde.example>\r\nTo: "+sharedUser+
		"\r\nSubject: Anfrage OAuth\r\nMessage-ID: <oauth-1@kunde.example>\r\nDate: Mon, 02 Jan 2006 15:04:05 +0000\r\n\r\nHallo\r\n"))
	out = e.must("import-mail", "SHARED", "--as", "anna", "--json")
	if !strings.Contains(out, `"imported": 1`) {
		t.Fatalf("import over OAuth:\n%s", out)
	}
	remember()
	act := e.must("activity", "list", "--json")
	var acts []struct {
		ID      int64  `json:"id"`
		Subject string `json:"subject"`
	}
	if err := json.Unmarshal([]byte(act), &acts); err != nil || len(acts) != 1 || acts[0].Subject != "Anfrage OAuth" {
		t.Fatalf("activities after import: %v %s", err, act)
	}

	// send an outgoing activity with SHARED: by command and by workflow
	s = e.store()
	a := &store.Activity{Type: store.TypeMailOut, Subject: "Antwort", Text: "Danke", To: store.StringList{"k@kunde.example"}}
	if err := s.CreateActivity(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	s.Close()
	out = e.must("send", fmt.Sprint(a.ID), "--config", "SHARED", "--as", "anna")
	msgID := strings.TrimSpace(out)
	if len(e.smtp.Messages()) != 1 || !strings.Contains(string(e.smtp.Messages()[0].Data), msgID) {
		t.Fatalf("send printed %q; server got %d mails", out, len(e.smtp.Messages()))
	}
	show := e.must("activity", "show", fmt.Sprint(a.ID), "--json")
	if !strings.Contains(show, `"message_id": "`+msgID+`"`) || !strings.Contains(show, `"groupware_lock": true`) {
		t.Fatalf("activity after send:\n%s", show)
	}
	remember()
	wf := filepath.Join(t.TempDir(), "send.xml")
	if err := os.WriteFile(wf, []byte(fmt.Sprintf(sendWorkflow, a.ID)), 0o644); err != nil {
		t.Fatal(err)
	}
	e.must("workflow", "import", wf, "--activate")
	e.must("run", "SendShared", "--as", "anna", "--json")
	remember()
	if len(e.smtp.Messages()) != 2 {
		t.Fatalf("workflow run: server has %d mails", len(e.smtp.Messages()))
	}

	// the provider refuses the refresh token: the next use locks the
	// configuration with "sign-in needed", and the listing shows it
	cur, _, _ := e.tokens()
	e.p.Revoke(fields(t, cur).RefreshToken)
	out, errs, code := e.cmd("send", fmt.Sprint(a.ID), "--config", "SHARED", "--again")
	if code != 1 || !strings.Contains(errs, "sign-in needed") {
		t.Fatalf("send with revoked token: exit %d\n%s%s", code, out, errs)
	}
	_, _, cfg = e.tokens()
	if !cfg.AutoLocked || !strings.HasPrefix(cfg.AutoLockedReason, mailconn.ReasonSignInNeeded) {
		t.Fatalf("configuration lock %v %q", cfg.AutoLocked, cfg.AutoLockedReason)
	}
	if out := e.must("mailconfig", "list", "--wide"); !strings.Contains(out, "sign-in needed") {
		t.Fatalf("list after invalid_grant:\n%s", out)
	}
	var list []struct {
		MatchCode string `json:"match_code"`
		AutoLock  string `json:"auto_lock"`
	}
	if err := json.Unmarshal([]byte(e.must("mailconfig", "list", "--json")), &list); err != nil || len(list) != 1 ||
		!strings.HasPrefix(list[0].AutoLock, "sign-in needed") {
		t.Fatalf("list --json: %v %+v", err, list)
	}
	// the import refuses the locked configuration without connecting
	before := e.imap.LoginAttempts()
	if _, _, code := e.cmd("import-mail", "SHARED", "--as", "anna"); code != 1 || e.imap.LoginAttempts() != before {
		t.Fatalf("import with locked configuration: exit %d, logins %d -> %d", code, before, e.imap.LoginAttempts())
	}
	// signing in again unlocks
	if out, code := e.login("SHARED"); code != 0 {
		t.Fatalf("second login: %s", out)
	}
	if _, _, cfg = e.tokens(); cfg.AutoLocked {
		t.Fatal("sign-in did not clear the lock")
	}
	remember()

	// every --json output and the run records
	for _, args := range [][]string{{"mailconfig", "list", "--json"}, {"runs", "list", "--json"}, {"activity", "list", "--json"},
		{"settings", "list", "--json"}, {"send", fmt.Sprint(a.ID), "--config", "SHARED", "--dry-run", "--json"}} {
		e.must(args...)
	}
	secrets = append(secrets, e.p.ClientSecret, sharedPass)
	assertNoSecrets(t, e.seen.String(), secrets)
}

// assertNoSecrets fails when text contains one of the secrets.
func assertNoSecrets(t *testing.T, text string, secrets []string) {
	t.Helper()
	n := 0
	for _, s := range secrets {
		if s == "" {
			continue
		}
		n++
		if strings.Contains(text, s) {
			t.Fatalf("output contains a secret (%d chars, starting %q)", len(s), s[:4])
		}
	}
	if n < 4 {
		t.Fatalf("only %d secrets collected: the check proves nothing", n)
	}
}

func TestOAuthEmployeeSignIn(t *testing.T) {
	e := newOAuthEnv(t)
	// SHARED has no sign-in of its own: anna's is used, as anna's mailbox
	out, code := e.login("--employee", "anna")
	if code != 0 || !strings.Contains(out, "token stored for employee anna") || !strings.Contains(out, "ok   imap login "+annaGW) {
		t.Fatalf("employee login: exit %d\n%s", code, out)
	}
	cfgTok, empTok, _ := e.tokens()
	if cfgTok != "" || empTok == "" {
		t.Fatalf("tokens: configuration %v employee %v", cfgTok != "", empTok != "")
	}
	out = e.must("mailconfig", "test", "SHARED", "--as", "anna")
	if !strings.Contains(out, "oauth token refresh (employee anna's sign-in)") || strings.Contains(out, "FAIL") {
		t.Fatalf("test as anna:\n%s", out)
	}
	// the configuration's own sign-in takes precedence (docs/REQUIREMENTS.md R51)
	if out, code := e.login("SHARED"); code != 0 {
		t.Fatalf("configuration login: %s", out)
	}
	out = e.must("mailconfig", "test", "SHARED", "--as", "anna")
	if !strings.Contains(out, "the configuration's sign-in") || !strings.Contains(out, "ok   imap login "+sharedUser) {
		t.Fatalf("precedence:\n%s", out)
	}
	if out, code := e.login("--employee", "anna"); code != 0 || !strings.Contains(out, "takes precedence") {
		t.Fatalf("employee login with configuration token: %s", out)
	}
	// usage errors
	if _, _, code := e.cmd("oauth", "login"); code != 2 {
		t.Fatalf("oauth login without arguments: exit %d", code)
	}
	if _, errs, code := e.cmd("oauth", "login", "NOPE", "--no-browser"); code != 1 || !strings.Contains(errs, "NOPE") {
		t.Fatalf("unknown configuration: exit %d %s", code, errs)
	}
}
