package sendmail_test

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/groupware/groupwaretest"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
)

// TestSendThroughGraph: a configuration without an SMTP server whose
// groupware is Microsoft Graph sends the activity through sendMail; the
// message lands in the sender's Sent Items with the Message-ID Send
// returned, and nothing reaches the SMTP server.
func TestSendThroughGraph(t *testing.T) {
	f := newFixture(t, mailtest.SMTPOptions{})
	fake := groupwaretest.NewGraphFake(t)
	fake.AddApp("client-1", "app-s3cret")
	fake.AddMailbox(f.emp.Email)
	f.cfg.SMTPAddr, f.cfg.CalendarSystem = "", "graph"
	f.cfg.OAuthClientID, f.cfg.OAuthClientSecret, f.cfg.OAuthTokenURL = "client-1", "app-s3cret", fake.TokenURL
	must(t, f.st.UpdateMailConfig(f.ctx, f.cfg))
	must(t, f.st.Sync().SetGroupwareURL(f.ctx, f.cfg.ID, fake.Server.URL))
	a := f.activity(store.TypeMailOut, []string{customer}, nil)
	res, err := sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: a.ID, MatchCode: "OUT", RunAs: f.emp})
	if err != nil {
		t.Fatalf("send through Graph: %v", err)
	}
	sent := fake.MessagesIn(f.emp.Email, "sentitems")
	if len(sent) != 1 {
		t.Fatalf("Sent Items holds %d messages, want 1", len(sent))
	}
	msg, err := mail.ReadMessage(bytes.NewReader(sent[0]))
	if err != nil {
		t.Fatalf("sent message does not parse: %v", err)
	}
	if got := msg.Header.Get("Message-Id"); got != "<"+strings.Trim(res.MessageID, "<>")+">" {
		t.Errorf("Message-Id %q, Send returned %q", got, res.MessageID)
	}
	if !strings.Contains(msg.Header.Get("To"), customer) || !strings.Contains(string(sent[0]), "Angebot 4711.pdf") {
		t.Errorf("sent message lacks the recipient or the document:\n%s", sent[0])
	}
	if n := len(f.srv.Messages()); n != 0 {
		t.Errorf("SMTP server got %d messages, want none", n)
	}
}
