package rules_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/rules"
	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/actions/sendmail/sendmailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/outbox"
	"github.com/wfehq/wfe/store/storetest"
)

// sendVia points every mail configuration of e at the SMTP server addr
// and gives the actions a clock the test moves.
func (e *env) sendVia(addr string) *time.Time {
	e.t.Helper()
	for u, cfg := range e.cfgs {
		c, err := e.st.GetMailConfig(e.ctx, cfg.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		c.SMTPAddr = addr
		if err := e.st.UpdateMailConfig(e.ctx, c); err != nil {
			e.t.Fatal(err)
		}
		e.cfgs[u] = c
	}
	now := time.Now()
	e.now = func() time.Time { return now }
	return &now
}

func (e *env) outbox(state string) []outbox.Entry {
	e.t.Helper()
	l, err := e.st.Outbox().List(e.ctx, outbox.Filter{State: state})
	if err != nil {
		e.t.Fatal(err)
	}
	return l
}

// A forward the server refuses with "try later" is queued; the next run
// of the rule before the retry is due leaves it, the run after it sends
// it, and later runs never send it again.
func TestForwardRetriedByALaterRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st, "info@service.example")
		srv := sendmailtest.StartFlakySMTP(t, 1, 451)
		now := e.sendVia(srv.Addr)
		e.imap.Append(t, "info@service.example", "INBOX", textMail("Chef <boss@kunde.example>", "info@service.example", "Angebot 4711", "boss-1@kunde.example"))
		p := e.compile("Rule_Forward", rules.ForwardName, map[string]string{"MailConfigMatchCode": "INFO@SERVICE.EXAMPLE",
			"Rule": `mail.from == "boss@kunde.example"`, "ForwardTo": "vertrieb@firma.example"})
		rec := e.run(p)
		if !hasLine(rec.Log, "sending failed, outbox entry") || srv.Attempts() != 1 || len(srv.Received()) != 0 {
			t.Fatalf("first run: %d attempts, log:\n%s", srv.Attempts(), strings.Join(rec.Log, "\n"))
		}
		pending := e.outbox(outbox.StatePending)
		if len(pending) != 1 || pending[0].ActivityID == nil || *pending[0].ActivityID != e.activity("boss-1@kunde.example").ID {
			t.Fatalf("pending %+v", pending)
		}
		e.run(p) // not due yet
		if srv.Attempts() != 1 {
			t.Fatalf("retried before its time: %d attempts", srv.Attempts())
		}
		*now = now.Add(sendmail.RetryBase)
		rec = e.run(p)
		if got := srv.Received(); len(got) != 1 || !hasLine(rec.Log, "sent as <"+pending[0].MessageID+">") {
			t.Fatalf("retry: %d received, log:\n%s", len(got), strings.Join(rec.Log, "\n"))
		}
		*now = now.Add(24 * time.Hour)
		e.run(p)
		if n := len(srv.Received()); n != 1 || srv.Attempts() != 2 {
			t.Fatalf("%d mails delivered in %d attempts, want 1 in 2", n, srv.Attempts())
		}
		if a := attachments(t, srv.Received()[0].Data); len(a) != 1 || !strings.HasSuffix(a[0], ".eml") {
			t.Errorf("the retried forward carries %v, want the original .eml", a)
		}
	})
}

// An automatic answer that waits for its retry counts as given: a second
// mail of the sender gets none; when the server refuses the answer for
// good, it is not tried again and the run shows the reason.
func TestAutoReplyOutbox(t *testing.T) {
	e := newEnv(t, "service@alpha.example")
	srv := sendmailtest.StartFlakySMTP(t, 1, 451)
	now := e.sendVia(srv.Addr)
	p := e.compile("AutoReply", rules.AutoReplyName, map[string]string{"MailConfigMatchCode": "SERVICE@ALPHA.EXAMPLE", "ReplyText": "Danke."})
	e.imap.Append(t, "service@alpha.example", "INBOX", textMail("kunde@kunde.example", "service@alpha.example", "Frage 1", "q-1@kunde.example"))
	e.run(p)
	e.imap.Append(t, "service@alpha.example", "INBOX", textMail("kunde@kunde.example", "service@alpha.example", "Frage 2", "q-2@kunde.example"))
	e.run(p)
	if a := e.activity("q-2@kunde.example"); !hasLine(a.MatchExplanation, "waits in the outbox") {
		t.Errorf("second question: %v", a.MatchExplanation)
	}
	*now = now.Add(sendmail.RetryCap)
	e.run(p)
	if n := len(srv.Received()); n != 1 {
		t.Fatalf("%d answers, want 1", n)
	}
	last, err := e.st.LastAutoReply(e.ctx, e.cfgs["service@alpha.example"].ID, "kunde@kunde.example", now.Add(-time.Hour))
	if err != nil || last == nil || last.MessageID == "" {
		t.Fatalf("the answer sent by the retry is not recorded: %+v %v", last, err)
	}

	srv.FailNext(1, 550)
	e.imap.Append(t, "service@alpha.example", "INBOX", textMail("other@kunde.example", "service@alpha.example", "Frage 3", "q-3@kunde.example"))
	rec, err := p.Run(e.ctx, runEvent, runOpts)
	if err != nil || !hasLine(rec.Warnings, "failed for good") {
		t.Fatalf("permanent failure: %v, warnings %v", err, rec.Warnings)
	}
	failed := e.outbox(outbox.StateFailed)
	if len(failed) != 1 || failed[0].ErrorClass != "permanent" || !strings.Contains(failed[0].LastError, "550") {
		t.Fatalf("failed entries %+v", failed)
	}
	*now = now.Add(24 * time.Hour)
	e.run(p)
	if srv.Attempts() != 3 {
		t.Fatalf("%d delivery attempts, want 3 (the refused answer is not retried)", srv.Attempts())
	}
}
