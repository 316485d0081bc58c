package sendmail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"
	"golang.org/x/oauth2"

	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

const (
	smtpUser   = "vertrieb@firma.example"
	smtpPass   = "smtp-password-7Qx"
	customer   = "max.muster@kunde.example"
	colleague  = "chef@firma.example"
	attachBody = "%PDF-1.4 offer body\n"
)

// fixture is a store with employee anna, a customer contact with partner,
// internal domain firma.example, an SMTP server and mail configuration OUT
// for it, and an outgoing mail activity with one document.
type fixture struct {
	t       *testing.T
	ctx     context.Context
	st      *store.Store
	srv     *mailtest.SMTPServer
	cfg     *store.MailConfig
	emp     *store.Employee
	partner *store.BusinessPartner
	contact *store.Contact
	logs    *bytes.Buffer
	deps    sendmail.Deps
}

func newFixture(t *testing.T, opts mailtest.SMTPOptions) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	if opts.Users == nil && opts.XOAUTH2 == nil {
		opts.Users = map[string]string{smtpUser: smtpPass}
	}
	srv := mailtest.StartSMTP(t, opts)
	f := &fixture{t: t, ctx: ctx, st: st, srv: srv, logs: &bytes.Buffer{}}
	f.deps = sendmail.Deps{Store: st, Logger: slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	must(t, st.SetSetting(ctx, "internal-domains", "firma.example"))
	f.emp = &store.Employee{Login: "anna", Name: "Anna Beispiel", Email: "anna@firma.example"}
	must(t, st.CreateEmployee(ctx, f.emp))
	f.partner = &store.BusinessPartner{Name: "Kunde GmbH", Roles: store.StringList{"Kunde"}, Fax: "+49 30 9999-0"}
	must(t, st.CreatePartner(ctx, f.partner))
	f.contact = &store.Contact{PartnerID: f.partner.ID, FirstName: "Max", LastName: "Muster", Email: customer, Fax: "+49 (30) 123 45-67"}
	must(t, st.CreateContact(ctx, f.contact))
	f.cfg = &store.MailConfig{MatchCode: "OUT", UserName: smtpUser, Password: smtpPass, DisplayName: "Firma Vertrieb",
		SMTPAddr: srv.Addr, SMTPSecurity: srv.Security, SMTPAuth: true, CAFile: srv.CAFile}
	must(t, st.CreateMailConfig(ctx, f.cfg))
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// activity creates an activity of type typ to the given recipients,
// linked to the contact, with one PDF document.
func (f *fixture) activity(typ string, to, cc []string) *store.Activity {
	f.t.Helper()
	a := &store.Activity{Type: typ, Status: store.StatusOpen, Subject: "Angebot Nr. 4711 – Übersicht",
		Text: "Guten Tag,\nanbei unser Angebot.", HTML: "<p>Guten Tag,</p><p>anbei unser Angebot.</p>",
		To: to, Cc: cc, ContactIDs: []int64{f.contact.ID}, PartnerIDs: []int64{f.partner.ID}}
	sha, size, err := f.st.PutBlob(f.ctx, strings.NewReader(attachBody))
	must(f.t, err)
	must(f.t, f.st.CreateActivity(f.ctx, a, &store.Document{Name: "Angebot 4711.pdf", ContentType: "application/pdf", Size: size, SHA256: sha}))
	return a
}

// workflow is a one-step workflow sending activity id with configuration OUT.
func (f *fixture) workflow(id int64) *engine.Program {
	f.t.Helper()
	reg := engine.NewRegistry()
	sendmail.Register(reg, f.deps)
	xml := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<WorkFlowMapping WorkFlowID="SendActivity" Description="send one activity" ExecutionType="100">
<InternalDescription>test</InternalDescription>
<Step No="1">
<Event Name="TimerWFEvent"><EventToContextMap/></Event>
<Actions>
<Action Name="SendMailAction">
<ContextToActionMap>
<ValueMapping Name="SessionId"><Parameter Name="SessionId" DataType="java.lang.String" Value=""/></ValueMapping>
<ValueMapping Name="ActivityId"><Parameter Name="ActivityId" DataType="java.lang.Long" Value="%d"/></ValueMapping>
<ValueMapping Name="MailConfigMatchCode"><Parameter Name="MailConfigMatchCode" DataType="java.lang.String" Value="OUT"/></ValueMapping>
</ContextToActionMap>
</Action>
</Actions>
</Step>
</WorkFlowMapping>`, id)
	prog, err := engine.CompileBytes("send.xml", []byte(xml), reg)
	must(f.t, err)
	return prog
}

func (f *fixture) run(id int64) (*engine.RunRecord, error) {
	f.t.Helper()
	return f.workflow(id).Run(f.ctx, engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: "anna", Trigger: "test"})
}

func (f *fixture) get(id int64) *store.ActivityDetail {
	f.t.Helper()
	a, err := f.st.GetActivity(f.ctx, id)
	must(f.t, err)
	return a
}

// parsed is a received mail taken apart.
type parsed struct {
	header      mail.Header
	text, html  string
	attachments map[string]string
}

func parse(t testing.TB, raw []byte) parsed {
	t.Helper()
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	must(t, err)
	p := parsed{header: mr.Header, attachments: map[string]string{}}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		must(t, err)
		body, err := io.ReadAll(part.Body)
		must(t, err)
		switch h := part.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := h.ContentType()
			if ct == "text/html" {
				p.html = string(body)
			} else {
				p.text = string(body)
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			p.attachments[name] = string(body)
		}
	}
	return p
}

// signIn plays the user's browser through mailbox.OAuthLogin against the
// test provider and returns the token JSON as the store keeps it.
func signIn(t testing.TB, p *mailtest.OAuthProvider) string {
	t.Helper()
	tok, err := mailbox.OAuthLogin(context.Background(), oauthConfig(p), "127.0.0.1:0", func(u string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Errorf("browser: %v", err)
			return
		}
		resp.Body.Close()
	})
	must(t, err)
	return tokenJSON(t, tok)
}

func oauthConfig(p *mailtest.OAuthProvider) mailbox.OAuthConfig {
	return mailbox.OAuthConfig{ClientID: p.ClientID, ClientSecret: p.ClientSecret, AuthURL: p.AuthURL, TokenURL: p.TokenURL}
}

func tokenJSON(t testing.TB, tok *oauth2.Token) string {
	b, err := json.Marshal(tok)
	must(t, err)
	return string(b)
}
