package sendmail_test

import (
	"bytes"
	"errors"
	"net/mail"
	"strings"
	"testing"

	"github.com/wfehq/wfe/actions/mailconn"
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
	f, fake := graphFixture(t, false)
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

// TestSendThroughGraphLocked: a configuration without an SMTP server
// whose groupware is Graph refuses to send while it is locked (by hand or
// after a refused sign-in) before Graph gets any request, and the
// activity keeps no Message-ID.
func TestSendThroughGraphLocked(t *testing.T) {
	for _, lock := range []string{"by hand", "automatically"} {
		t.Run(lock, func(t *testing.T) {
			f, fake := graphFixture(t, lock == "by hand")
			if lock == "automatically" {
				must(t, f.st.SetAutoLock(f.ctx, f.cfg.ID, "sign-in refused"))
			}
			a := f.activity(store.TypeMailOut, []string{customer}, nil)
			_, err := sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: a.ID, MatchCode: "OUT", RunAs: f.emp})
			if !errors.Is(err, mailconn.ErrLocked) {
				t.Fatalf("send with a configuration locked %s: %v, want ErrLocked", lock, err)
			}
			if n := fake.Requests(); n != 0 || len(fake.MessagesIn(f.emp.Email, "sentitems")) != 0 {
				t.Errorf("Graph got %d requests, want none", n)
			}
			got, err := f.st.GetActivity(f.ctx, a.ID)
			if err != nil || got.GlobalID != a.GlobalID {
				t.Errorf("activity after the refused send: global id %q (was %q), %v", got.GlobalID, a.GlobalID, err)
			}
		})
	}
}

// graphFixture is the fixture with its configuration OUT turned into one
// without an SMTP server whose groupware is the Graph fake (app
// registration client-1), locked by hand when asked.
func graphFixture(t *testing.T, lockedByHand bool) (*fixture, *groupwaretest.GraphFake) {
	t.Helper()
	f := newFixture(t, mailtest.SMTPOptions{})
	fake := groupwaretest.NewGraphFake(t)
	fake.AddApp("client-1", "app-s3cret")
	fake.AddMailbox(f.emp.Email)
	f.cfg.SMTPAddr, f.cfg.CalendarSystem = "", "graph"
	f.cfg.OAuthClientID, f.cfg.OAuthClientSecret, f.cfg.OAuthTokenURL = "client-1", "app-s3cret", fake.TokenURL
	f.cfg.IsLocked = lockedByHand
	must(t, f.st.UpdateMailConfig(f.ctx, f.cfg))
	must(t, f.st.Sync().SetGroupwareURL(f.ctx, f.cfg.ID, fake.Server.URL))
	return f, fake
}

// TestSendThroughGraphRefusedSignIn: a sign-in Graph refuses (a wrong
// client secret) locks the configuration, so the next send is refused
// before any sign-in.
func TestSendThroughGraphRefusedSignIn(t *testing.T) {
	f, fake := graphFixture(t, false)
	f.cfg.OAuthClientSecret = "wrong"
	must(t, f.st.UpdateMailConfig(f.ctx, f.cfg))
	a := f.activity(store.TypeMailOut, []string{customer}, nil)
	if _, err := sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: a.ID, MatchCode: "OUT", RunAs: f.emp}); !errors.Is(err, mailconn.ErrLocked) {
		t.Fatalf("send with a wrong secret: %v, want the refusal to lock", err)
	}
	cfg, err := f.st.GetMailConfig(f.ctx, f.cfg.ID)
	if err != nil || !cfg.AutoLocked {
		t.Fatalf("configuration after the refused sign-in: locked %v, %v", cfg.AutoLocked, err)
	}
	signIns := fake.SignIns()
	if _, err := sendmail.Send(f.ctx, f.deps, sendmail.Request{ActivityID: a.ID, MatchCode: "OUT", RunAs: f.emp}); !errors.Is(err, mailconn.ErrLocked) || fake.SignIns() != signIns {
		t.Errorf("second send: %v after %d more sign-ins; want ErrLocked and none", err, fake.SignIns()-signIns)
	}
	if len(fake.MessagesIn(f.emp.Email, "sentitems")) != 0 {
		t.Errorf("a refused sign-in sent mail")
	}
}
