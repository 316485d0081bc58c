package mailimport_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/actions/mailparse"
	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

const (
	matchCode   = "123"
	runAsLogin  = "anna"
	imapUser    = "alice"
	imapPass    = "secret"
	importDir   = store.DefaultImportFolder
	errorDir    = store.DefaultErrorFolder
	muellerAddr = "j.mueller@kunde-mueller.example"
)

// env is one store, one IMAP server and a mail configuration "123" for it,
// with run-as employee anna, a customer contact and internal domain
// firma.example.
type env struct {
	t   testing.TB
	st  *store.Store
	srv *mailtest.IMAPServer // nil on Dovecot
	// mail is the server the test talks to (srv or a Dovecot)
	mail    mailServer
	dovecot *mailtest.Dovecot
	cfg     *store.MailConfig
	emp     *store.Employee
	contact *store.Contact
	partner *store.BusinessPartner
	faults  func(point string) error
	ctx     context.Context
}

func newEnv(t testing.TB, st *store.Store, opts mailtest.IMAPOptions) *env {
	t.Helper()
	if opts.Users == nil {
		opts.Users = map[string]string{imapUser: imapPass}
	}
	srv := mailtest.StartIMAP(t, opts)
	e := &env{t: t, st: st, srv: srv, mail: srv, ctx: context.Background()}
	e.setup(srv.Addr, srv.Security, srv.CAFile)
	return e
}

// mailServer is what the tests need of the in-process server and Dovecot.
type mailServer interface {
	Append(t testing.TB, user, folder string, raw []byte, flags ...string)
	Folder(t testing.TB, user, folder string) []mailtest.MessageInfo
	Folders(t testing.TB, user string) []string
}

// newDovecotEnv is an env on a private Dovecot reached with security
// "starttls" (Addr) or "tls" (TLSAddr), trusting the test CA.
func newDovecotEnv(t testing.TB, st *store.Store, security string) *env {
	t.Helper()
	d := mailtest.StartDovecot(t, mailtest.DovecotOptions{Users: map[string]string{imapUser: imapPass}})
	e := &env{t: t, st: st, mail: d, dovecot: d, ctx: context.Background()}
	addr := d.Addr
	if security == "tls" {
		addr = d.TLSAddr
	}
	e.setup(addr, security, d.CAFile)
	return e
}

func (e *env) setup(addr, security, caFile string) {
	t, ctx := e.t, e.ctx
	t.Helper()
	e.emp = &store.Employee{Login: runAsLogin, Name: "Anna Schmidt", Email: "anna.schmidt@firma.example"}
	if err := e.st.CreateEmployee(ctx, e.emp); err != nil {
		t.Fatal(err)
	}
	e.partner = &store.BusinessPartner{Name: "Müller GmbH", Roles: store.StringList{"Kunde"}}
	if err := e.st.CreatePartner(ctx, e.partner); err != nil {
		t.Fatal(err)
	}
	// mixed case on purpose: matching is case-insensitive
	e.contact = &store.Contact{PartnerID: e.partner.ID, FirstName: "Jürgen", LastName: "Müller", Email: "J.Mueller@Kunde-Mueller.example"}
	if err := e.st.CreateContact(ctx, e.contact); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetSetting(ctx, store.SettingInternalDomains, "firma.example"); err != nil {
		t.Fatal(err)
	}
	e.cfg = &store.MailConfig{MatchCode: matchCode, UserName: imapUser, Password: imapPass,
		IMAPAddr: addr, IMAPSecurity: security, CAFile: caFile}
	if err := e.st.CreateMailConfig(ctx, e.cfg); err != nil {
		t.Fatal(err)
	}
}

func (e *env) deps() mailimport.Deps {
	return mailimport.Deps{Store: e.st, TempDir: e.t.TempDir(), Fault: e.faults}
}

func (e *env) appendRaw(raws ...[]byte) {
	e.t.Helper()
	if e.dovecot != nil && len(raws) > 1 {
		if err := e.dovecot.AppendMany(imapUser, "INBOX", raws); err != nil {
			e.t.Fatal(err)
		}
		return
	}
	for _, r := range raws {
		e.mail.Append(e.t, imapUser, "INBOX", r)
	}
}

// importOnce runs the plain importer for configuration 123 as anna.
func (e *env) importOnce(dry bool, batch int) (*mailimport.Result, error) {
	e.t.Helper()
	rs, err := mailimport.ImportAll(e.ctx, e.deps(), runAsLogin, mailimport.ImportOptions{MatchCode: matchCode, DryRun: dry, BatchSize: batch})
	if len(rs) == 0 {
		return nil, err
	}
	return &rs[0], err
}

func (e *env) inbox() []mailtest.MessageInfo { return e.mail.Folder(e.t, imapUser, "INBOX") }

func (e *env) folder(name string) []mailtest.MessageInfo {
	e.t.Helper()
	for _, f := range e.mail.Folders(e.t, imapUser) {
		if f == name {
			return e.mail.Folder(e.t, imapUser, name)
		}
	}
	return nil
}

func (e *env) activities() []store.ActivitySummary {
	e.t.Helper()
	as, err := e.st.ListActivities(e.ctx, store.ActivityFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return as
}

func (e *env) ledger() []store.LedgerEntry {
	e.t.Helper()
	l, err := e.st.ListLedger(e.ctx, 0, "", 0)
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// registry holds the real mail import actions and the built-in conditions.
func (e *env) registry() *engine.Registry {
	reg := engine.NewRegistry()
	conditions.Register(reg)
	mailimport.Register(reg, e.deps())
	return reg
}

func repoPath(t testing.TB, rel string) string {
	t.Helper()
	return filepath.Join("..", "..", rel)
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// seedProgram compiles testdata/workflows/ImportMails.xml.
func (e *env) seedProgram() *engine.Program {
	e.t.Helper()
	path := repoPath(e.t, "testdata/workflows/ImportMails.xml")
	p, err := engine.CompileBytes(path, readFile(e.t, path), e.registry())
	if err != nil {
		e.t.Fatalf("compile seed workflow: %v", err)
	}
	return p
}

func (e *env) runSeed(p *engine.Program, dry bool) (*engine.RunRecord, error) {
	return p.Run(e.ctx, engine.Event{Name: "TimerWFEvent"}, engine.RunOptions{RunAs: runAsLogin, Trigger: "test", DryRun: dry})
}

// fixtureMails returns the raw fixture mails of testdata/mails by name.
func fixtureMails(t testing.TB) map[string][]byte {
	t.Helper()
	dir := repoPath(t, "testdata/mails")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, de := range ents {
		if filepath.Ext(de.Name()) == ".eml" {
			out[de.Name()] = readFile(t, filepath.Join(dir, de.Name()))
		}
	}
	return out
}

func sortedNames(m map[string][]byte) []string {
	var names []string
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// simpleMail builds a small mail.
func simpleMail(from, to, subject, msgID, body string) []byte {
	var b bytes.Buffer
	b.WriteString("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n")
	b.WriteString("Date: Mon, 04 Mar 2024 09:15:00 +0100\r\n")
	if msgID != "" {
		b.WriteString("Message-ID: <" + msgID + ">\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n")
	return b.Bytes()
}

func largeMail(t testing.TB, size int64) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := mailparse.GenerateLargeMail(&b, size); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func contentHash(raw []byte) string {
	h, _, _ := mailparse.ContentHash(bytes.NewReader(raw))
	return h
}

var _ = time.Now

func errLockedSentinel() error { return mailconn.ErrLocked }

func engineTimerEvent() engine.Event { return engine.Event{Name: "TimerWFEvent"} }

func runOptions(dry bool, observe func(string)) engine.RunOptions {
	return engine.RunOptions{RunAs: runAsLogin, Trigger: "test", DryRun: dry, Observer: observe}
}
