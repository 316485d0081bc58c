package mailimport_test

import (
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/bccimport"
	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/workflows"
)

// TestGraphWorkflowsUnchanged: the workflows that import mail run
// unchanged on configurations read over Graph: ImportMailsAction (the
// example workflow ImportMails, naming M365) and the shipped
// WKF_ImportMailsByBCC (its collector BCCIMPORTER a Microsoft 365 mailbox).
func TestGraphWorkflowsUnchanged(t *testing.T) {
	g := newGraphEnv(t)
	const collector = "bcc@firma.example"
	g.fake.AddMailbox(collector)
	bcc := &store.MailConfig{MatchCode: bccimport.DefaultMatchCode, UserName: collector, CalendarSystem: "graph",
		OAuthClientID: "client-1", OAuthClientSecret: "app-s3cret", OAuthTokenURL: g.fake.TokenURL}
	must(t, g.st.CreateMailConfig(g.ctx, bcc))
	must(t, g.st.Sync().SetGroupwareURL(g.ctx, bcc.ID, g.fake.Server.URL))
	g.fake.AddMessage(graphMailbox, "inbox", simpleMail("Jürgen Müller <"+muellerAddr+">", graphMailbox, "Reklamation", "r1@kunde-mueller.example", "Defekt"))
	g.fake.AddMessage(collector, "inbox", simpleMail("Anna Schmidt <anna.schmidt@firma.example>", "Jürgen Müller <"+muellerAddr+">",
		"Ihre Bestellung", "b1@firma.example", "Danke"))

	reg := engine.NewRegistry()
	conditions.Register(reg)
	mailimport.Register(reg, g.deps())
	bccimport.Register(reg, g.deps())
	seed := strings.Replace(string(readFile(t, repoPath(t, "testdata/workflows/ImportMails.xml"))), `Value="123"`, `Value="`+graphMatchCode+`"`, 1)
	for name, xml := range map[string]string{"ImportMails.xml": seed, "WKF_ImportMailsByBCC.xml": shippedWorkflow(t, "WKF_ImportMailsByBCC.xml")} {
		p, err := engine.CompileBytes(name, []byte(xml), reg)
		if err != nil {
			t.Fatalf("compile %s: %v", name, err)
		}
		if rec, err := p.Run(g.ctx, engineTimerEvent(), runOptions(false, nil)); err != nil {
			t.Fatalf("run %s: %v (%+v)", name, err, rec)
		}
	}
	in, out := g.activityBySubject("Reklamation"), g.activityBySubject("Ihre Bestellung")
	if in.Type != store.TypeMailIn || out.Type != store.TypeMailOut || len(out.ContactIDs) != 1 || out.ContactIDs[0] != g.contact.ID {
		t.Errorf("ImportMails gave %s, the BCC import %s linked to %v; want EMAILEINGANG and MAILAUS linked to Müller", in.Type, out.Type, out.ContactIDs)
	}
	if len(g.fake.MessagesIn(graphMailbox, "inbox")) != 0 || len(g.fake.MessagesIn(collector, "inbox")) != 0 {
		t.Errorf("the imported mails were not moved out of the inboxes")
	}
}

func shippedWorkflow(t *testing.T, name string) string {
	t.Helper()
	for _, f := range workflows.Files() {
		if f.Name == name {
			return string(f.Data)
		}
	}
	t.Fatalf("%s is not shipped", name)
	return ""
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
