package sendmail_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

func TestSendMailActionSecurityModes(t *testing.T) {
	for _, sec := range []string{"none", "starttls", "tls"} {
		t.Run(sec, func(t *testing.T) {
			f := newFixture(t, mailtest.SMTPOptions{Security: sec})
			a := f.activity(store.TypeMailOut, []string{"Max Muster <" + customer + ">"}, []string{colleague})
			rec, err := f.run(a.ID)
			if err != nil {
				t.Fatalf("run: %v\n%+v", err, rec)
			}
			msgs := f.srv.Messages()
			if len(msgs) != 1 {
				t.Fatalf("server received %d mails, want 1", len(msgs))
			}
			m := msgs[0]
			if m.User != smtpUser || m.TLS != (sec != "none") || m.From != smtpUser {
				t.Fatalf("session: user %q tls %v envelope from %q", m.User, m.TLS, m.From)
			}
			if strings.Join(m.To, ",") != customer+","+colleague {
				t.Fatalf("envelope recipients %v", m.To)
			}
			p := parse(t, m.Data)
			from, err := p.header.AddressList("From")
			must(t, err)
			if len(from) != 1 || from[0].Name != "Firma Vertrieb" || from[0].Address != smtpUser {
				t.Fatalf("From = %v, want the configuration's display name and address", from)
			}
			if subj, _ := p.header.Subject(); subj != "Angebot Nr. 4711 – Übersicht" {
				t.Fatalf("Subject = %q", subj)
			}
			if p.attachments["Angebot 4711.pdf"] != attachBody {
				t.Fatalf("attachments = %q", p.attachments)
			}
			if !strings.Contains(p.text, "anbei unser Angebot.") || !strings.Contains(p.html, "<p>anbei unser Angebot.</p>") {
				t.Fatalf("text %q html %q", p.text, p.html)
			}
			id, err := p.header.MessageID()
			must(t, err)
			got := f.get(a.ID)
			if id == "" || got.GlobalID != id {
				t.Fatalf("activity global id %q, mail Message-ID %q", got.GlobalID, id)
			}
			if !got.GroupwareLock {
				t.Fatal("external recipient: the activity is not write-protected")
			}
			if !strings.Contains(strings.Join(rec.Log, "\n"), id) {
				t.Fatalf("run log does not name the Message-ID: %q", rec.Log)
			}
			recJSON, err := json.Marshal(rec)
			must(t, err)
			if !strings.Contains(f.logs.String(), id) || strings.Contains(f.logs.String()+string(recJSON), smtpPass) {
				t.Fatalf("log %q: want the Message-ID and no password", f.logs.String())
			}
		})
	}
}

func TestInternalRecipientsDoNotLock(t *testing.T) {
	f := newFixture(t, mailtest.SMTPOptions{})
	a := f.activity(store.TypeMailOut, []string{colleague}, []string{"team@vertrieb.firma.example"})
	if _, err := f.run(a.ID); err != nil {
		t.Fatal(err)
	}
	got := f.get(a.ID)
	if got.GroupwareLock || got.GlobalID == "" {
		t.Fatalf("internal mail: lock %v global id %q; want no lock and the Message-ID", got.GroupwareLock, got.GlobalID)
	}
	// lock-mail=false switches the lock off for external mail too (docs/REQUIREMENTS.md R28)
	must(t, f.st.SetSetting(f.ctx, "lock-mail", "false"))
	b := f.activity(store.TypeMailOut, []string{customer}, nil)
	if _, err := f.run(b.ID); err != nil {
		t.Fatal(err)
	}
	if f.get(b.ID).GroupwareLock {
		t.Fatal("lock-mail=false: external mail was locked")
	}
}

func TestFailureClassification(t *testing.T) {
	cases := []struct {
		name       string
		rcpt, data int
		password   string
		class      engine.ErrorClass
		locked     bool
	}{
		{name: "temporary RCPT 451", rcpt: 451, class: engine.ClassRetryable},
		{name: "temporary DATA 452", data: 452, class: engine.ClassRetryable},
		{name: "permanent RCPT 550", rcpt: 550, class: engine.ClassPermanent},
		{name: "wrong password", password: "wrong", class: engine.ClassPermanent, locked: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, mailtest.SMTPOptions{FailRcpt: c.rcpt, FailData: c.data})
			if c.password != "" {
				f.cfg.Password = c.password
				must(t, f.st.UpdateMailConfig(f.ctx, f.cfg))
			}
			a := f.activity(store.TypeMailOut, []string{customer}, nil)
			rec, err := f.run(a.ID)
			if err == nil {
				t.Fatal("run succeeded")
			}
			if rec.ErrorClass != c.class || engine.ClassOf(err) != c.class {
				t.Fatalf("run record class %q, error class %q, want %q (%v)", rec.ErrorClass, engine.ClassOf(err), c.class, err)
			}
			if rec.Status == "" || !strings.Contains(rec.Error, "activity") {
				t.Fatalf("run record status %q error %q", rec.Status, rec.Error)
			}
			got := f.get(a.ID)
			if got.GlobalID != "" || got.GroupwareLock {
				t.Fatalf("failed send recorded: global id %q lock %v", got.GlobalID, got.GroupwareLock)
			}
			cfg, err := f.st.GetMailConfig(f.ctx, f.cfg.ID)
			must(t, err)
			if cfg.AutoLocked != c.locked {
				t.Fatalf("configuration auto-locked %v, want %v (%s)", cfg.AutoLocked, c.locked, cfg.AutoLockedReason)
			}
			if c.locked {
				if strings.Contains(cfg.AutoLockedReason, c.password) {
					t.Fatalf("lock reason holds the password: %q", cfg.AutoLockedReason)
				}
				// the next run does not even connect
				before := len(f.srv.Messages())
				_, err := f.run(a.ID)
				if !errors.Is(err, mailconn.ErrLocked) || len(f.srv.Messages()) != before {
					t.Fatalf("locked configuration: %v", err)
				}
			}
		})
	}
}

func TestSendWorkSpaceAndDryRun(t *testing.T) {
	f := newFixture(t, mailtest.SMTPOptions{})
	a := f.activity(store.TypeMailOut, []string{customer}, nil)
	res, err := sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: a.ID, MatchCode: "OUT", RunAs: f.emp, DryRun: true})
	must(t, err)
	if !res.DryRun || len(f.srv.Messages()) != 0 || f.get(a.ID).GlobalID != "" {
		t.Fatalf("dry run sent or recorded: %+v", res)
	}
	if !strings.Contains(res.Summary(), "would go") || res.To[0] != customer {
		t.Fatalf("dry run summary %q", res.Summary())
	}
	// without a match code the activity's own configuration is used
	_, err = sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: a.ID, RunAs: f.emp})
	if err == nil || !strings.Contains(err.Error(), "name one") {
		t.Fatalf("no configuration: %v", err)
	}
	id := f.cfg.ID
	a2 := &store.Activity{Type: store.TypeMailOut, Subject: "x", To: store.StringList{colleague}, MailConfigID: &id}
	must(t, f.st.CreateActivity(f.ctx, a2))
	res, err = sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: a2.ID})
	must(t, err)
	if res.MailConfig != "OUT" || res.MessageID == "" {
		t.Fatalf("own configuration: %+v", res)
	}
	// no recipient is a permanent error
	a3 := &store.Activity{Type: store.TypeMailOut, Subject: "x"}
	must(t, f.st.CreateActivity(f.ctx, a3))
	_, err = sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: a3.ID, MatchCode: "OUT"})
	if !errors.Is(err, sendmail.ErrNoRecipient) || engine.ClassOf(err) != engine.ClassPermanent {
		t.Fatalf("no recipient: %v", err)
	}
}

func TestSendXOAUTH2(t *testing.T) {
	p := mailtest.StartOAuthProvider(t)
	f := newFixture(t, mailtest.SMTPOptions{Security: "starttls", XOAUTH2: func(user, tok string) bool {
		return user == smtpUser && p.ValidAccessToken(tok)
	}})
	f.cfg.Password = ""
	f.cfg.OAuthClientID, f.cfg.OAuthClientSecret = p.ClientID, p.ClientSecret
	f.cfg.OAuthAuthURL, f.cfg.OAuthTokenURL = p.AuthURL, p.TokenURL
	// an access token with less than 10 s left counts as expired: the
	// send refreshes it first
	p.SetExpiresIn(1)
	f.cfg.OAuthToken = signIn(t, p)
	must(t, f.st.UpdateMailConfig(f.ctx, f.cfg))
	p.SetExpiresIn(3600)
	stored := f.cfg.OAuthToken

	a := f.activity(store.TypeMailOut, []string{customer}, nil)
	if _, err := f.run(a.ID); err != nil {
		t.Fatal(err)
	}
	if m := f.srv.Messages(); len(m) != 1 || m[0].User != smtpUser {
		t.Fatalf("received %+v", m)
	}
	if p.Refreshes() != 1 {
		t.Fatalf("refreshes = %d, want 1", p.Refreshes())
	}
	cfg, err := f.st.GetMailConfig(f.ctx, f.cfg.ID)
	must(t, err)
	if cfg.OAuthToken == stored {
		t.Fatal("the refreshed (rotated) token was not saved")
	}
	for _, secret := range []string{p.ClientSecret, cfg.OAuthToken} {
		if strings.Contains(f.logs.String(), secret) {
			t.Fatal("log holds a secret")
		}
	}

	// a revoked sign-in locks the configuration: "sign-in needed"
	p.SetExpiresIn(1)
	f.cfg.OAuthToken = signIn(t, p)
	must(t, f.st.UpdateMailConfig(f.ctx, f.cfg))
	var tok struct {
		RefreshToken string `json:"refresh_token"`
	}
	must(t, json.Unmarshal([]byte(f.cfg.OAuthToken), &tok))
	p.Revoke(tok.RefreshToken)
	b := f.activity(store.TypeMailOut, []string{customer}, nil)
	rec, err := f.run(b.ID)
	if !errors.Is(err, mailbox.ErrSignInNeeded) || !errors.Is(err, mailconn.ErrLocked) || rec.ErrorClass != engine.ClassPermanent {
		t.Fatalf("revoked: %v (%s)", err, rec.ErrorClass)
	}
	cfg, err = f.st.GetMailConfig(f.ctx, f.cfg.ID)
	must(t, err)
	if !cfg.AutoLocked || !strings.HasPrefix(cfg.AutoLockedReason, mailconn.ReasonSignInNeeded) {
		t.Fatalf("auto lock %v reason %q", cfg.AutoLocked, cfg.AutoLockedReason)
	}
}
