package bccimport_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/bccimport"
	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
	"github.com/wfehq/wfe/workflows"
)

const (
	botLogin   = "bccbot" // the technical run-as user
	collector  = "bcc"    // IMAP user of the BCCIMPORTER mailbox
	collector2 = "bccopen"
	imapPass   = "secret"
	supplierPK = "31m47d216nrsh550ExtendedSearch"
)

// mailServer is what the tests need of the in-process server and Dovecot.
type mailServer interface {
	Append(t testing.TB, user, folder string, raw []byte, flags ...string)
	Folder(t testing.TB, user, folder string) []mailtest.MessageInfo
	Folders(t testing.TB, user string) []string
}

// env: a store with employees anna and thomas (senders), the technical
// run-as user bccbot, customers Müller and Meier, supplier Schmidt, the
// internal domain firma.example and a BCCIMPORTER configuration.
type env struct {
	t        testing.TB
	ctx      context.Context
	st       *store.Store
	mail     mailServer
	srv      *mailtest.IMAPServer // nil on Dovecot
	cfg      *store.MailConfig
	bot      *store.Employee
	mueller  *store.Contact // Kunde
	meier    *store.Contact // Kunde
	schmidt  *store.Contact // Lieferant
	partners map[string]*store.BusinessPartner
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: map[string]string{collector: imapPass, collector2: imapPass}})
	e := &env{t: t, ctx: context.Background(), st: storetest.Open(t), mail: srv, srv: srv, partners: map[string]*store.BusinessPartner{}}
	e.setup()
	e.cfg = e.addConfig(bccimport.DefaultMatchCode, collector, srv.Addr, srv.Security, srv.CAFile)
	return e
}

func (e *env) setup() {
	t := e.t
	t.Helper()
	e.bot = &store.Employee{Login: botLogin, Name: "BCC Import", Email: "crm-technik@firma.example"}
	for _, emp := range []*store.Employee{
		e.bot,
		{Login: "anna", Name: "Anna Schmidt", Email: "Anna.Schmidt@firma.example"}, // case on purpose
		{Login: "thomas", Name: "Thomas Weber", Email: "thomas.weber@firma.example"},
	} {
		if err := e.st.CreateEmployee(e.ctx, emp); err != nil {
			t.Fatal(err)
		}
	}
	e.mueller = e.contact("Müller GmbH", "Kunde", "Jürgen", "Müller", "J.Mueller@Kunde-Mueller.example")
	e.meier = e.contact("Meier KG", "Kunde", "Klaus", "Meier", "k.meier@kunde-meier.example")
	e.schmidt = e.contact("Schmidt Zulieferung", "Lieferant", "Petra", "Schmidt", "p.schmidt@lieferant-schmidt.example")
	if err := e.st.SetSetting(e.ctx, store.SettingInternalDomains, "firma.example"); err != nil {
		t.Fatal(err)
	}
}

func (e *env) contact(partner, role, first, last, email string) *store.Contact {
	e.t.Helper()
	p := e.partners[partner]
	if p == nil {
		p = &store.BusinessPartner{Name: partner, Roles: store.StringList{role}}
		if err := e.st.CreatePartner(e.ctx, p); err != nil {
			e.t.Fatal(err)
		}
		e.partners[partner] = p
	}
	c := &store.Contact{PartnerID: p.ID, FirstName: first, LastName: last, Email: email}
	if err := e.st.CreateContact(e.ctx, c); err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) addConfig(matchCode, user, addr, security, caFile string) *store.MailConfig {
	e.t.Helper()
	cfg := &store.MailConfig{MatchCode: matchCode, UserName: user, Password: imapPass, IMAPAddr: addr, IMAPSecurity: security, CAFile: caFile}
	if err := e.st.CreateMailConfig(e.ctx, cfg); err != nil {
		e.t.Fatal(err)
	}
	return cfg
}

func (e *env) deps() mailimport.Deps {
	return mailimport.Deps{Store: e.st, TempDir: e.t.TempDir()}
}

func (e *env) registry() *engine.Registry {
	reg := engine.NewRegistry()
	conditions.Register(reg)
	mailimport.Register(reg, e.deps())
	bccimport.Register(reg, e.deps())
	return reg
}

// shipped returns the shipped WKF_ImportMailsByBCC.xml.
func shipped(t testing.TB) []byte {
	t.Helper()
	for _, f := range workflows.Files() {
		if f.Name == "WKF_ImportMailsByBCC.xml" {
			return f.Data
		}
	}
	t.Fatal("WKF_ImportMailsByBCC.xml is not shipped")
	return nil
}

// program compiles the shipped workflow after the replacements (old, new
// pairs), as an admin edits an exported copy.
func (e *env) program(replace ...string) *engine.Program {
	e.t.Helper()
	data := string(shipped(e.t))
	for i := 0; i+1 < len(replace); i += 2 {
		if !strings.Contains(data, replace[i]) {
			e.t.Fatalf("workflow has no %q to replace", replace[i])
		}
		data = strings.ReplaceAll(data, replace[i], replace[i+1])
	}
	p, err := engine.CompileBytes("WKF_ImportMailsByBCC.xml", []byte(data), e.registry())
	if err != nil {
		e.t.Fatalf("compile: %v", err)
	}
	return p
}

func (e *env) run(p *engine.Program, dry bool) *engine.RunRecord {
	e.t.Helper()
	rec, err := p.Run(e.ctx, engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: botLogin, Trigger: "test", DryRun: dry})
	if err != nil {
		e.t.Fatalf("run: %v\nlog: %s", err, strings.Join(rec.Log, "\n"))
	}
	return rec
}

func (e *env) appendTo(user string, raws ...[]byte) {
	e.t.Helper()
	for _, r := range raws {
		e.mail.Append(e.t, user, "INBOX", r)
	}
}

// activity returns the activity with that Message-ID (exactly one).
func (e *env) activity(msgID string) *store.ActivityDetail {
	e.t.Helper()
	as, err := e.st.ListActivities(e.ctx, store.ActivityFilter{GlobalID: msgID})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(as) != 1 {
		e.t.Fatalf("activities with Message-ID %s: %d, want 1", msgID, len(as))
	}
	d, err := e.st.GetActivity(e.ctx, as[0].ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func (e *env) countActivities() int {
	e.t.Helper()
	as, err := e.st.ListActivities(e.ctx, store.ActivityFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(as)
}

// ledgerOutcome returns the ledger row of the message with that Message-ID.
func (e *env) ledgerOutcome(msgID string) store.LedgerEntry {
	e.t.Helper()
	l, err := e.st.ListLedger(e.ctx, 0, "", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range l {
		if r.MessageID == msgID {
			return r
		}
	}
	e.t.Fatalf("no ledger row for %s", msgID)
	return store.LedgerEntry{}
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mails", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bccMail builds a mail as an employee's client sends it, with the
// collector's copy marked by Delivered-To.
func bccMail(from, to, cc, subject, msgID, deliveredTo string) []byte {
	var b bytes.Buffer
	if deliveredTo != "" {
		b.WriteString("Delivered-To: " + deliveredTo + "\r\n")
	}
	b.WriteString("From: " + from + "\r\nTo: " + to + "\r\n")
	if cc != "" {
		b.WriteString("Cc: " + cc + "\r\n")
	}
	b.WriteString("Subject: " + subject + "\r\nDate: Mon, 04 Mar 2024 09:15:00 +0100\r\nMessage-ID: <" + msgID + ">\r\n")
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo.\r\n")
	return b.Bytes()
}

func hasLine(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

func ids(cs []store.ContactMatch) []int64 {
	var out []int64
	for _, c := range cs {
		out = append(out, c.Contact.ID)
	}
	return out
}
