package mailconn_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

func TestUsable(t *testing.T) {
	at := time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC)
	emp := &store.Employee{Login: "anna", GroupwareLogin: "anna@firma.example", GroupwarePassword: "pw", Locked: true, LockedReason: "authentication failed", LockedAt: &at}
	cases := []struct {
		name string
		cfg  store.MailConfig
		emp  *store.Employee
		want string // "" = usable
	}{
		{"ok", store.MailConfig{MatchCode: "A", UserName: "u", Password: "p"}, nil, ""},
		{"by hand", store.MailConfig{MatchCode: "A", IsLocked: true}, nil, "mail configuration A is locked by hand"},
		{"auto", store.MailConfig{MatchCode: "A", AutoLocked: true, AutoLockedReason: "authentication failed at X: bad", AutoLockedAt: &at}, nil,
			"mail configuration A was locked automatically at 2024-03-05T10:00:00Z: authentication failed at X: bad"},
		{"employee login locked", store.MailConfig{MatchCode: "A"}, emp, "employee anna, which was locked at 2024-03-05T10:00:00Z"},
		{"own credentials ignore the employee lock", store.MailConfig{MatchCode: "A", UserName: "u", Password: "p"}, emp, ""},
	}
	for _, c := range cases {
		err := mailconn.Usable(&c.cfg, c.emp)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !errors.Is(err, mailconn.ErrLocked) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}

func TestEndpointAndCredentials(t *testing.T) {
	ctx := context.Background()
	emp := &store.Employee{Login: "anna", GroupwareLogin: "anna@firma.example", GroupwarePassword: "gw-pw"}
	cfg := &store.MailConfig{MatchCode: "A", IMAPAddr: "imap.example:993", IMAPSecurity: "ssl", CAFile: "/ca.pem",
		SMTPAddr: "smtp.example", SMTPSecurity: "starttls"}

	ep, auth, err := mailconn.IMAP(ctx, nil, cfg, emp)
	if err != nil {
		t.Fatal(err)
	}
	if ep.Addr != "imap.example:993" || ep.Security != mailbox.SecurityTLS || ep.CAFile != "/ca.pem" {
		t.Errorf("endpoint %+v", ep)
	}
	if auth.Username != "anna@firma.example" || auth.Password != "gw-pw" {
		t.Errorf("empty configuration credentials must fall back to the employee's groupware login: %+v", auth.Username)
	}
	cfg.UserName, cfg.Password = "info@firma.example", "cfg-pw"
	if _, auth, _ = mailconn.IMAP(ctx, nil, cfg, emp); auth.Username != "info@firma.example" || auth.Password != "cfg-pw" {
		t.Errorf("configuration credentials: %q", auth.Username)
	}
	_, auth, err = mailconn.SMTP(ctx, nil, cfg, emp)
	if err != nil || auth.Username != "" {
		t.Errorf("SMTP without authentication for outgoing mail: %+v %v", auth.Username, err)
	}
	cfg.SMTPAuth = true
	if _, auth, _ = mailconn.SMTP(ctx, nil, cfg, emp); auth.Username != "info@firma.example" {
		t.Errorf("SMTP with authentication: %q", auth.Username)
	}

	if _, _, err := mailconn.IMAP(ctx, nil, &store.MailConfig{MatchCode: "B", IMAPAddr: "x"}, nil); err == nil || !strings.Contains(err.Error(), "no user name") {
		t.Errorf("no user name anywhere: %v", err)
	}
	if _, _, err := mailconn.IMAP(ctx, nil, &store.MailConfig{MatchCode: "B", IMAPAddr: "x", IMAPSecurity: "bogus", UserName: "u"}, nil); err == nil || !strings.Contains(err.Error(), "mail configuration B") {
		t.Errorf("bad security: %v", err)
	}
	if _, _, err := mailconn.IMAP(ctx, nil, &store.MailConfig{MatchCode: "B", UserName: "u"}, nil); err == nil || !strings.Contains(err.Error(), "no incoming (IMAP) server") {
		t.Errorf("no server: %v", err)
	}

	oauth := &store.MailConfig{MatchCode: "O", IMAPAddr: "outlook.office365.com", IMAPSecurity: "tls", UserName: "shared@firma.example",
		OAuthClientID: "client", OAuthClientSecret: "s3cret", OAuthToken: `{"access_token":"at","refresh_token":"rt","expiry":"2099-01-01T00:00:00Z"}`}
	_, auth, err = mailconn.IMAP(ctx, nil, oauth, emp)
	if err != nil || auth.TokenSource == nil || auth.Password != "" || auth.Username != "shared@firma.example" {
		t.Fatalf("OAuth configuration: %v %+v", err, auth.Username)
	}
	if tok, err := auth.TokenSource.AccessToken(); err != nil || tok != "at" {
		t.Errorf("access token %q %v", tok, err)
	}
}

func TestDialIMAPLocksAfterAuthFailure(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{TLS: mailtest.TLSStartTLS})
	cfg := &store.MailConfig{MatchCode: "A", UserName: "alice", Password: "not-the-password", IMAPAddr: srv.Addr, IMAPSecurity: srv.Security, CAFile: srv.CAFile}
	if err := st.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2024, 3, 5, 10, 0, 0, 0, time.UTC) }
	_, err := mailconn.DialIMAP(ctx, st, cfg, nil, mailconn.DialOptions{Now: now})
	if !errors.Is(err, mailbox.ErrAuth) || !errors.Is(err, mailconn.ErrLocked) || strings.Contains(err.Error(), "not-the-password") {
		t.Fatalf("auth failure: %v", err)
	}
	got, _ := st.GetMailConfig(ctx, cfg.ID)
	if !got.AutoLocked || !strings.HasPrefix(got.AutoLockedReason, "authentication failed at 2024-03-05T10:00:00Z: ") {
		t.Fatalf("not locked: %v %q", got.AutoLocked, got.AutoLockedReason)
	}
	if _, err := mailconn.DialIMAP(ctx, st, got, nil, mailconn.DialOptions{}); !errors.Is(err, mailconn.ErrLocked) || srv.LoginAttempts() != 1 {
		t.Fatalf("locked configuration dialled: %v, %d logins", err, srv.LoginAttempts())
	}
	got.Password = "secret"
	if err := st.UpdateMailConfig(ctx, got); err != nil {
		t.Fatal(err)
	}
	c, err := mailconn.DialIMAP(ctx, st, got, nil, mailconn.DialOptions{})
	if err != nil {
		t.Fatalf("after the password change: %v", err)
	}
	c.Logout(ctx)
}
