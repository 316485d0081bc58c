package wfecmd

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

// runIn runs a wfe command with stdin.
func (c *storeCLI) runIn(stdin string, args ...string) (stdout, stderr string, code int) {
	c.t.Helper()
	var out, errb bytes.Buffer
	env := &Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return c.env[k] }}
	code = Execute(context.Background(), root, env, append([]string{"--db", c.db}, args...))
	return out.String(), errb.String(), code
}

func (c *storeCLI) okIn(stdin string, args ...string) string {
	c.t.Helper()
	out, errs, code := c.runIn(stdin, args...)
	if code != 0 {
		c.t.Fatalf("wfe %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

const testPassword = "Tr0ub4dor&3-horse"

func TestMailConfigSetAndList(t *testing.T) {
	c := newStoreCLI(t)
	c.env["IMAP_PW"] = testPassword
	c.env["CLIENT_SECRET"] = "client-secret-value-42"
	c.ok("employee", "add", "bob", "--email", "bob@firma.example")

	out := c.okIn(testPassword+"\n", "mailconfig", "set", "123", "--user", "info@firma.example", "--password-stdin",
		"--imap", "imap.firma.example:993", "--imap-security", "ssl", "--smtp", "smtp.firma.example:587",
		"--smtp-security", "starttls", "--smtp-auth", "--auto-import", "--responsible", "bob",
		"--import-since", "2024-03-01", "--groupware-port", "8080", "--display-name", "Info")
	if !strings.Contains(out, "mail configuration 123 created") {
		t.Fatalf("create output: %s", out)
	}
	s := c.store()
	cfg, err := s.MailConfigByMatchCode(context.Background(), "123")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Password != testPassword || cfg.IMAPSecurity != "tls" || cfg.SMTPSecurity != "starttls" || !cfg.SMTPAuth ||
		!cfg.AutoImport || cfg.ResponsibleID == nil || cfg.GroupwarePort != 8080 || cfg.ImportSince == nil ||
		cfg.ImportSince.Format("2006-01-02") != "2024-03-01" || cfg.DisplayName != "Info" {
		t.Fatalf("stored configuration: %+v", cfg)
	}

	// an update changes only the given fields
	out = c.ok("mailconfig", "set", "123", "--import-folder", "CRM/Eingang", "--auto-import=false",
		"--oauth-client-id", "app-1", "--oauth-client-secret-env", "CLIENT_SECRET")
	if !strings.Contains(out, "updated (id 1): auto-import, import-folder, oauth-client-id, oauth-client-secret") {
		t.Fatalf("update output: %s", out)
	}
	cfg, _ = s.MailConfigByMatchCode(context.Background(), "123")
	if cfg.AutoImport || cfg.ImportFolder != "CRM/Eingang" || cfg.IMAPAddr != "imap.firma.example:993" || cfg.Password != testPassword {
		t.Fatalf("after update: %+v", cfg)
	}

	// changing the password clears the automatic lock and says so
	if err := s.SetAutoLock(context.Background(), cfg.ID, "authentication failed at 2024-03-05T10:00:00Z: bad password"); err != nil {
		t.Fatal(err)
	}
	listed := c.ok("mailconfig", "list", "--wide")
	if !strings.Contains(listed, "authentication failed at 2024-03-05T10:00:00Z") {
		t.Fatalf("list does not show the automatic lock:\n%s", listed)
	}
	out = c.ok("mailconfig", "set", "123", "--password-env", "IMAP_PW")
	if !strings.Contains(out, "unchanged") {
		t.Fatalf("same password must be no change: %s", out)
	}
	c.env["IMAP_PW"] = "new-" + testPassword
	out = c.ok("mailconfig", "set", "123", "--password-env", "IMAP_PW")
	if !strings.Contains(out, "password") || !strings.Contains(out, "automatic lock cleared (was: authentication failed") {
		t.Fatalf("password change output: %s", out)
	}

	human := c.ok("mailconfig", "list", "--wide")
	js := c.ok("mailconfig", "list", "--json")
	for _, secret := range []string{testPassword, "client-secret-value-42"} {
		if strings.Contains(human+js, secret) {
			t.Fatalf("listing shows a secret:\n%s\n%s", human, js)
		}
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(js), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0]["match_code"] != "123" || rows[0]["responsible"] != "bob" || rows[0]["has_password"] != true ||
		rows[0]["auto_lock"] != "sign-in needed" || rows[0]["auto_locked"] != false {
		t.Fatalf("json row: %v", rows)
	}
	if !strings.Contains(human, "123") || !strings.Contains(human, "tls/starttls") || !strings.Contains(human, "sign-in needed") {
		t.Fatalf("human listing:\n%s", human)
	}
}

func TestMailConfigSetRefusals(t *testing.T) {
	c := newStoreCLI(t)
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		msg   string
	}{
		{"bad security", []string{"--imap-security", "ssl3"}, "", 2, "unknown security"},
		{"both password sources", []string{"--password-stdin", "--password-env", "X"}, "pw", 2, "either"},
		{"empty stdin", []string{"--password-stdin"}, "", 1, "standard input is empty"},
		{"unset env", []string{"--password-env", "NOPE"}, "", 1, "NOPE"},
		{"unknown responsible", []string{"--responsible", "nobody"}, "", 1, "nobody"},
		{"bad date", []string{"--import-since", "05.03.2024"}, "", 2, "not a date"},
		{"password as flag value", []string{"--password", testPassword}, "", 2, "there is no flag --password"},
		{"missing CA file", []string{"--ca-file", "/nonexistent/ca.pem"}, "", 2, "--ca-file /nonexistent/ca.pem: CA file: open /nonexistent/ca.pem: no such file"},
		{"CA file without certificate", []string{"--ca-file", notPEM}, "", 2, "no PEM certificate found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errs, code := c.runIn(tc.stdin, append([]string{"mailconfig", "set", "X1"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errs, tc.msg) {
				t.Fatalf("exit %d (want %d), stderr %q (want %q), stdout %q", code, tc.code, errs, tc.msg, out)
			}
		})
	}
	// nothing was created by the refused calls
	if out := c.ok("mailconfig", "list", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("refused set created something: %s", out)
	}
	// ambiguous match code
	s := c.store()
	for range 2 {
		c := mailConfigFixture("DUP")
		if err := s.CreateMailConfig(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	_, errs, code := c.run("mailconfig", "set", "DUP", "--imap", "x:143")
	if code != 1 || !strings.Contains(errs, `2 mail configurations have match code "DUP"`) {
		t.Fatalf("ambiguous: exit %d, %s", code, errs)
	}
}

func TestMailConfigTest(t *testing.T) {
	imapSrv := mailtest.StartIMAP(t, mailtest.IMAPOptions{TLS: mailtest.TLSImplicit,
		Users: map[string]string{"info@firma.example": testPassword}})
	imapSrv.Append(t, "info@firma.example", "INBOX", []byte("Subject: a\r\n\r\nx\r\n"))
	imapSrv.Append(t, "info@firma.example", "INBOX", []byte("Subject: b\r\n\r\ny\r\n"), `\Seen`)
	smtpSrv := mailtest.StartSMTP(t, mailtest.SMTPOptions{Security: "starttls", CA: imapSrv.CA,
		Users: map[string]string{"info@firma.example": testPassword}})

	c := newStoreCLI(t)
	c.env["PW"] = testPassword
	c.ok("mailconfig", "set", "123", "--user", "info@firma.example", "--password-env", "PW",
		"--imap", imapSrv.Addr, "--imap-security", "tls", "--smtp", smtpSrv.Addr, "--smtp-security", "starttls",
		"--smtp-auth", "--ca-file", imapSrv.CAFile)
	out := c.ok("mailconfig", "test", "123")
	for _, want := range []string{
		"ok   imap login info@firma.example@" + imapSrv.Addr,
		"ok   imap INBOX: 2 message(s), 1 unseen",
		"ok   smtp AUTH",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("missing %q in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "FAIL") || strings.Contains(out, testPassword) {
		t.Fatalf("unexpected output:\n%s", out)
	}

	// wrong password: FAIL lines, exit 1, and no automatic lock
	c.env["PW"] = "wrong-password"
	c.ok("mailconfig", "set", "123", "--password-env", "PW")
	out, _, code := c.run("mailconfig", "test", "123")
	if code != 1 || !strings.Contains(out, "FAIL imap login: ") || !strings.Contains(out, "FAIL smtp AUTH") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if strings.Contains(out, "wrong-password") {
		t.Fatalf("output shows the password:\n%s", out)
	}
	cfg, err := c.store().MailConfigByMatchCode(context.Background(), "123")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AutoLocked {
		t.Fatalf("mailconfig test locked the configuration: %s", cfg.AutoLockedReason)
	}

	// no credentials in the configuration: the employee's groupware login
	c.ok("mailconfig", "set", "123", "--user", "")
	c.env["GW"] = testPassword
	c.ok("employee", "add", "info", "--email", "info@firma.example", "--groupware-login", "info@firma.example", "--groupware-password-env", "GW")
	out = c.ok("mailconfig", "test", "123", "--as", "info")
	if !strings.Contains(out, "ok   imap login info@firma.example@") {
		t.Fatalf("employee fallback:\n%s", out)
	}
	if _, errs, code := c.run("mailconfig", "test", "nope"); code != 1 || !strings.Contains(errs, "nope") {
		t.Fatalf("unknown match code: exit %d %s", code, errs)
	}
}

func mailConfigFixture(matchCode string) *store.MailConfig {
	return &store.MailConfig{MatchCode: matchCode, UserName: "u", Password: testPassword, IMAPAddr: "127.0.0.1:1"}
}

// A CA file is checked when it is set and kept as an absolute path, so
// that serve and timers find it from any working directory.
func TestMailConfigSetCAFileAbsolute(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{TLS: mailtest.TLSImplicit})
	c := newStoreCLI(t)
	t.Chdir(filepath.Dir(srv.CAFile))
	c.ok("mailconfig", "set", "CA1", "--ca-file", filepath.Base(srv.CAFile))
	out := c.ok("mailconfig", "list", "--json")
	want, _ := json.Marshal(srv.CAFile)
	if !strings.Contains(out, `"ca_file": `+string(want)) {
		t.Fatalf("ca_file is not the absolute path %s:\n%s", srv.CAFile, out)
	}
}
