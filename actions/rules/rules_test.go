package rules_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/actions/rules"
	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/schema"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

const pass = "secret"

// env: a store with employee anna (run-as), internal domain firma.example,
// an IMAP server with the given users and an SMTP server; one mail
// configuration per IMAP user (match code = upper-case user name, user
// name = the mailbox's address).
type env struct {
	t    *testing.T
	ctx  context.Context
	st   *store.Store
	imap *mailtest.IMAPServer
	smtp *mailtest.SMTPServer
	cfgs map[string]*store.MailConfig
	// delivered counts the SMTP messages already put into mailboxes
	delivered int
	// now is the actions' clock (nil: time.Now)
	now func() time.Time
}

func newEnv(t *testing.T, users ...string) *env {
	t.Helper()
	return newEnvOn(t, storetest.Open(t), users...)
}

// newEnvOn is newEnv on the store st.
func newEnvOn(t *testing.T, st *store.Store, users ...string) *env {
	t.Helper()
	pw := map[string]string{}
	for _, u := range users {
		pw[u] = pass
	}
	e := &env{t: t, ctx: context.Background(), st: st, imap: mailtest.StartIMAP(t, mailtest.IMAPOptions{Users: pw}),
		smtp: mailtest.StartSMTP(t, mailtest.SMTPOptions{}), cfgs: map[string]*store.MailConfig{}}
	if err := e.st.CreateEmployee(e.ctx, &store.Employee{Login: "anna", Email: "anna.schmidt@firma.example"}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetSetting(e.ctx, store.SettingInternalDomains, "firma.example"); err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		cfg := &store.MailConfig{MatchCode: strings.ToUpper(u), UserName: u, Password: pass,
			IMAPAddr: e.imap.Addr, IMAPSecurity: "none", SMTPAddr: e.smtp.Addr, SMTPSecurity: "none", DisplayName: "Service " + u}
		if err := e.st.CreateMailConfig(e.ctx, cfg); err != nil {
			t.Fatal(err)
		}
		e.cfgs[u] = cfg
	}
	return e
}

func (e *env) registry() *engine.Registry {
	reg := engine.NewRegistry()
	conditions.Register(reg)
	deps := mailimport.Deps{Store: e.st, TempDir: e.t.TempDir(), Now: e.now}
	mailimport.Register(reg, deps)
	rules.Register(reg, deps)
	return reg
}

// workflow builds a one-step workflow running action with params.
func workflow(id, action string, params map[string]string) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<WorkFlowMapping WorkFlowID=%q>\n<Step No=\"1\">\n<Event Name=\"TimerWFEvent\"/>\n<Actions>\n<Action Name=%q>\n<ContextToActionMap>\n", id, action)
	names := make([]string, 0, len(params))
	for n := range params {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var v bytes.Buffer
		_ = xmlEscape(&v, params[n])
		fmt.Fprintf(&b, "<ValueMapping Name=%q><Parameter Name=%q DataType=\"java.lang.String\" Value=\"%s\"/></ValueMapping>\n", n, n, v.String())
	}
	fmt.Fprintf(&b, "</ContextToActionMap>\n</Action>\n</Actions>\n<FollowingSteps><No>2</No></FollowingSteps>\n</Step>\n")
	// step 2 closes the work space, as the shipped workflows do
	fmt.Fprintf(&b, `<Step No="2">
<Event Name=%q/>
<Conditions><Condition Name="WFConditionIsNotNull"><ContextToConditionMap>
<SimpleMapping FromName="ImportResult" ToName="WFConditionNull.IN_VALUE"/>
</ContextToConditionMap></Condition></Conditions>
<Actions><Action Name="CloseWorkSpaceAction"><ContextToActionMap>
<ValueMapping Name="ImportResult"><Parameter Name="WorkSpace" DataType="de.cursor.jevi.server.system.WorkSpace" Value=""/></ValueMapping>
</ContextToActionMap></Action></Actions>
</Step>
</WorkFlowMapping>
`, action)
	return b.Bytes()
}

func xmlEscape(w *bytes.Buffer, s string) error {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	_, err := w.WriteString(r.Replace(s))
	return err
}

func (e *env) compile(id, action string, params map[string]string) *engine.Program {
	e.t.Helper()
	p, err := engine.CompileBytes(id+".xml", workflow(id, action, params), e.registry())
	if err != nil {
		e.t.Fatalf("compile %s: %v", id, err)
	}
	return p
}

// runEvent and runOpts are how the tests fire a workflow.
var (
	runEvent = engine.Event{Name: "TimerWFEvent"}
	runOpts  = engine.RunOptions{RunAs: "anna", Trigger: "test"}
)

func (e *env) run(p *engine.Program) *engine.RunRecord {
	e.t.Helper()
	rec, err := p.Run(e.ctx, runEvent, runOpts)
	if err != nil {
		e.t.Fatalf("run %s: %v\n%s", p.WorkflowID(), err, strings.Join(rec.Log, "\n"))
	}
	if len(rec.Warnings) > 0 {
		e.t.Fatalf("run %s warnings: %v", p.WorkflowID(), rec.Warnings)
	}
	return rec
}

// deliver puts every mail the SMTP server received since the last call
// into the INBOX of each envelope recipient that has a mailbox here (the
// test plays the mail transfer agent).
func (e *env) deliver() int {
	e.t.Helper()
	msgs := e.smtp.Messages()
	n := 0
	for _, m := range msgs[e.delivered:] {
		for _, rcpt := range m.To {
			if _, ok := e.cfgs[rcpt]; ok {
				e.imap.Append(e.t, rcpt, "INBOX", m.Data)
				n++
			}
		}
	}
	e.delivered = len(msgs)
	return n
}

func (e *env) activity(msgID string) *store.ActivityDetail {
	e.t.Helper()
	as, err := e.st.ListActivities(e.ctx, store.ActivityFilter{GlobalID: msgID})
	if err != nil {
		e.t.Fatal(err)
	}
	if len(as) != 1 {
		e.t.Fatalf("%d activities with Message-ID %s, want 1", len(as), msgID)
	}
	d, err := e.st.GetActivity(e.ctx, as[0].ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

func textMail(from, to, subject, msgID string, extra ...string) []byte {
	var b bytes.Buffer
	b.WriteString("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nDate: Mon, 04 Mar 2024 09:15:00 +0100\r\nMessage-ID: <" + msgID + ">\r\n")
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHallo.\r\n")
	return b.Bytes()
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "mails", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func hasLine(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// header reads a header field of a sent message.
func header(t *testing.T, raw []byte, name string) string {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return r.Header.Get(name)
}

// attachments lists the file names of a sent message's attachments.
func attachments(t *testing.T, raw []byte) []string {
	t.Helper()
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var names []string
	for {
		p, err := r.NextPart()
		if err != nil {
			break
		}
		if h, ok := p.Header.(*mail.AttachmentHeader); ok {
			n, _ := h.Filename()
			names = append(names, n)
		}
	}
	return names
}

func TestBrokenRuleIsACompileError(t *testing.T) {
	e := newEnv(t, "info@service.example")
	for _, c := range []struct {
		action string
		params map[string]string
		want   string
	}{
		{rules.ImportName, map[string]string{"MailConfigMatchCode": "INFO@SERVICE.EXAMPLE", "Rule": `mail.sender == "x"`}, "line 1, column 6"},
		{rules.TicketName, map[string]string{"MailConfigMatchCode": "INFO@SERVICE.EXAMPLE", "Pattern": `[Ticket#(`}, "ticket pattern"},
		{rules.ForwardName, map[string]string{"MailConfigMatchCode": "INFO@SERVICE.EXAMPLE", "ForwardTo": "not an address"}, `"not an address" is not an e-mail address`},
	} {
		_, err := engine.CompileBytes("r.xml", workflow("R", c.action, c.params), e.registry())
		var ds schema.Diagnostics
		if !errors.As(err, &ds) || len(ds) != 1 || ds[0].Code != engine.CodeBadLiteral || !strings.Contains(ds[0].Message, c.want) {
			t.Errorf("%s %v: got %v, want one bad-literal diagnostic with %q", c.action, c.params, err, c.want)
		}
	}
}

// docs/REQUIREMENTS.md R16: the mail as an activity with status EMAILEINGANG and its
// attached documents, selected by a rule.
func TestImportByRuleWithDocuments(t *testing.T) {
	e := newEnv(t, "info@service.example")
	e.imap.Append(t, "info@service.example", "INBOX", fixture(t, "07-mixed-pdf.eml"))
	e.imap.Append(t, "info@service.example", "INBOX", textMail("x@elsewhere.example", "info@service.example", "Werbung", "ad-1@elsewhere.example"))
	p := e.compile("Rule_Import", rules.ImportName, map[string]string{"MailConfigMatchCode": "INFO@SERVICE.EXAMPLE", "Rule": `mail.header("Content-Type") startsWith "multipart/mixed"`})
	e.run(p)
	as, err := e.st.ListActivities(e.ctx, store.ActivityFilter{})
	if err != nil || len(as) != 1 {
		t.Fatalf("activities %d, %v; want 1", len(as), err)
	}
	a, _ := e.st.GetActivity(e.ctx, as[0].ID)
	if a.Type != store.TypeMailIn || a.Status != store.StatusOpen || len(a.Documents) != 2 {
		t.Errorf("activity %s/%s with %d documents, want EMAILEINGANG/O with the PDF and the .eml", a.Type, a.Status, len(a.Documents))
	}
	if !hasLine(a.MatchExplanation, "rule selected the mail") {
		t.Errorf("explanation %v", a.MatchExplanation)
	}
	inbox := e.imap.Folder(t, "info@service.example", "INBOX")
	if len(inbox) != 1 || inbox[0].Subject != "Werbung" || inbox[0].Seen() {
		t.Errorf("the mail the rule did not select should stay unseen in the inbox: %+v", inbox)
	}
}

func TestForwardMailOfSender(t *testing.T) {
	e := newEnv(t, "info@service.example")
	e.imap.Append(t, "info@service.example", "INBOX", textMail("Chef <Boss@Kunde.example>", "info@service.example", "Angebot 4711", "boss-1@kunde.example"))
	e.imap.Append(t, "info@service.example", "INBOX", fixture(t, "07-mixed-pdf.eml"))
	p := e.compile("Rule_Forward", rules.ForwardName, map[string]string{"MailConfigMatchCode": "INFO@SERVICE.EXAMPLE",
		"Rule": `mail.from == "boss@kunde.example" && mail.subject contains "Angebot"`, "ForwardTo": "vertrieb@firma.example, anna.schmidt@firma.example"})
	e.run(p)
	a := e.activity("boss-1@kunde.example")
	if !hasLine(a.MatchExplanation, "forward to vertrieb@firma.example, anna.schmidt@firma.example") {
		t.Errorf("explanation %v", a.MatchExplanation)
	}
	msgs := e.smtp.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d mails sent, want 1", len(msgs))
	}
	m := msgs[0]
	if m.From != "info@service.example" || strings.Join(m.To, ",") != "vertrieb@firma.example,anna.schmidt@firma.example" {
		t.Errorf("envelope %s -> %v", m.From, m.To)
	}
	if s := header(t, m.Data, "Subject"); s != "Fwd: Angebot 4711" {
		t.Errorf("subject %q", s)
	}
	if !bytes.Contains(m.Data, []byte("---------- Forwarded message ----------")) || !bytes.Contains(m.Data, []byte("boss@kunde.example")) {
		t.Errorf("forwarded text lacks the original header block:\n%s", m.Data)
	}
	if atts := attachments(t, m.Data); len(atts) != 1 || !strings.HasSuffix(atts[0], ".eml") {
		t.Errorf("attachments %v, want the original .eml", atts)
	}
	if n := len(e.imap.Folder(t, "info@service.example", "INBOX")); n != 1 {
		t.Errorf("%d mails in the inbox, want the one the rule did not select", n)
	}
}

func TestTicketLink(t *testing.T) {
	e := newEnv(t, "support@service.example")
	tk := &store.Ticket{Number: "2024-00042", Subject: "Drucker 2. OG"}
	if err := e.st.CreateTicket(e.ctx, tk); err != nil {
		t.Fatal(err)
	}
	e.imap.Append(t, "support@service.example", "INBOX", fixture(t, "23-ticket-subject.eml"))
	e.imap.Append(t, "support@service.example", "INBOX", textMail("k.meier@kunde-meier.example", "support@service.example", "[Ticket#2024-99999] Unbekannt", "t-2@kunde-meier.example"))
	e.imap.Append(t, "support@service.example", "INBOX", textMail("k.meier@kunde-meier.example", "support@service.example", "Frage ohne Ticket", "t-3@kunde-meier.example"))
	e.run(e.compile("Rule_Ticket", rules.TicketName, map[string]string{"MailConfigMatchCode": "SUPPORT@SERVICE.EXAMPLE"}))
	a := e.activity("ticket-0019@kunde-meier.example")
	if a.TicketID == nil || *a.TicketID != tk.ID || !hasLine(a.MatchExplanation, "linked to ticket 2024-00042") {
		t.Errorf("ticket %v, explanation %v", a.TicketID, a.MatchExplanation)
	}
	u := e.activity("t-2@kunde-meier.example")
	if u.TicketID != nil || !hasLine(u.MatchExplanation, "ticket 2024-99999: no such ticket") {
		t.Errorf("unknown ticket: %v %v", u.TicketID, u.MatchExplanation)
	}
	inbox := e.imap.Folder(t, "support@service.example", "INBOX")
	if len(inbox) != 1 || inbox[0].Subject != "Frage ohne Ticket" {
		t.Errorf("inbox %+v, want the mail without a ticket number", inbox)
	}
}

// Two auto-responders answering each other stop after one answer each; a
// sender gets one answer per day; no answer to machine-sent mail or our
// own addresses.
func TestAutoReplyLoopStops(t *testing.T) {
	alpha, beta := "service@alpha.example", "service@beta.example"
	e := newEnv(t, alpha, beta)
	responder := func(user string) *engine.Program {
		return e.compile("AutoReply_"+e.cfgs[user].MatchCode, rules.AutoReplyName, map[string]string{
			"MailConfigMatchCode": e.cfgs[user].MatchCode, "ReplyText": "Vielen Dank, wir melden uns."})
	}
	pa, pb := responder(alpha), responder(beta)
	// a person at each side writes to the other once
	e.imap.Append(t, alpha, "INBOX", textMail(beta, alpha, "Frage an Alpha", "q-1@beta.example"))
	e.imap.Append(t, beta, "INBOX", textMail(alpha, beta, "Frage an Beta", "q-2@alpha.example"))
	for round := 0; round < 4; round++ {
		e.run(pa)
		e.run(pb)
		e.deliver()
	}
	msgs := e.smtp.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d answers sent, want 2 (one each)", len(msgs))
	}
	for _, m := range msgs {
		if h := header(t, m.Data, "Auto-Submitted"); h != "auto-replied" {
			t.Errorf("answer to %v: Auto-Submitted %q", m.To, h)
		}
	}
	byTo := map[string][]byte{}
	for _, m := range msgs {
		byTo[m.To[0]] = m.Data
	}
	if h := header(t, byTo[beta], "In-Reply-To"); h != "<q-1@beta.example>" {
		t.Errorf("In-Reply-To %q", h)
	}
	if h := header(t, byTo[beta], "References"); h != "<q-1@beta.example>" {
		t.Errorf("References %q", h)
	}
	if s := header(t, byTo[beta], "Subject"); s != "Re: Frage an Alpha" {
		t.Errorf("Subject %q", s)
	}
	// the answers were imported, not answered
	for _, m := range msgs {
		id := strings.Trim(header(t, m.Data, "Message-Id"), "<>")
		a := e.activity(id)
		if !hasLine(a.MatchExplanation, "no auto-reply: machine-sent mail (Auto-Submitted: auto-replied)") {
			t.Errorf("answer %s: explanation %v", id, a.MatchExplanation)
		}
	}
	if a := e.activity("q-1@beta.example"); !hasLine(a.MatchExplanation, "auto-reply to "+beta) {
		t.Errorf("question: explanation %v", a.MatchExplanation)
	}

	// one answer per sender per day
	e.imap.Append(t, alpha, "INBOX", textMail(beta, alpha, "Noch eine Frage", "q-3@beta.example"))
	// never to machine-sent mail or our own addresses
	e.imap.Append(t, alpha, "INBOX", fixture(t, "17-mailing-list.eml"))
	e.imap.Append(t, alpha, "INBOX", textMail("thomas.weber@firma.example", alpha, "Intern", "i-1@firma.example"))
	e.imap.Append(t, alpha, "INBOX", textMail("Anna <anna.schmidt@FIRMA.example>", alpha, "Von Anna", "i-2@firma.example"))
	e.imap.Append(t, alpha, "INBOX", textMail(alpha, alpha, "An mich selbst", "self-1@alpha.example"))
	e.run(pa)
	if n := len(e.smtp.Messages()); n != 2 {
		t.Fatalf("%d answers sent, want still 2", n)
	}
	for id, want := range map[string]string{
		"q-3@beta.example":     "one answer per day",
		"i-1@firma.example":    "thomas.weber@firma.example is in an internal domain",
		"i-2@firma.example":    "is in an internal domain",
		"self-1@alpha.example": alpha + " is this mailbox's own address",
	} {
		if a := e.activity(id); !hasLine(a.MatchExplanation, "no auto-reply: ") || !hasLine(a.MatchExplanation, want) {
			t.Errorf("%s: explanation %v, want %q", id, a.MatchExplanation, want)
		}
	}
}
