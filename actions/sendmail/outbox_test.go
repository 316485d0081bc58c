package sendmail_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/actions/sendmail/sendmailtest"
	"github.com/wfehq/wfe/errclass"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/outbox"
	"github.com/wfehq/wfe/store/storetest"
)

// queueFixture: a store, a flaky SMTP server, a mail configuration INFO
// for it (no login) and an activity with one document; the clock is the
// test's.
type queueFixture struct {
	t   *testing.T
	ctx context.Context
	st  *store.Store
	srv *sendmailtest.FlakySMTP
	cfg *store.MailConfig
	act *store.Activity
	now time.Time
	d   sendmail.Deps
}

func newQueueFixture(t *testing.T, st *store.Store, failFirst, code int) *queueFixture {
	f := &queueFixture{t: t, ctx: context.Background(), st: st, srv: sendmailtest.StartFlakySMTP(t, failFirst, code),
		now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	f.d = sendmail.Deps{Store: st, Now: func() time.Time { return f.now }, Node: "test", Logger: slog.New(slog.DiscardHandler)}
	f.cfg = &store.MailConfig{MatchCode: "INFO", UserName: "info@service.example", DisplayName: "Service", SMTPAddr: f.srv.Addr, SMTPSecurity: "none"}
	must(t, st.CreateMailConfig(f.ctx, f.cfg))
	sha, size, err := st.PutBlob(f.ctx, strings.NewReader(attachBody))
	must(t, err)
	f.act = &store.Activity{Type: store.TypeMailIn, Status: store.StatusOpen, Subject: "Angebot", To: []string{"info@service.example"}}
	must(t, st.CreateActivity(f.ctx, f.act, &store.Document{Name: "Angebot.pdf", ContentType: "application/pdf", Size: size, SHA256: sha}))
	return f
}

func (f *queueFixture) forward() sendmail.Queued {
	return sendmail.Queued{Kind: outbox.KindForward, Config: f.cfg, ActivityID: f.act.ID, Message: outbox.Message{
		FromName: "Service", From: "info@service.example", To: []string{"vertrieb@firma.example"}, Subject: "Fwd: Angebot",
		Text: "weitergeleitet", AttachDocuments: true}}
}

func (f *queueFixture) retry() sendmail.RetryReport {
	f.t.Helper()
	rep, err := sendmail.RetryDue(f.ctx, f.d, sendmail.RetryOptions{})
	must(f.t, err)
	return rep
}

// A forward the server refuses twice with "try later" waits in the
// outbox, is not tried before its time, and is delivered exactly once by
// the retry after the backoff, with the same Message-ID and its document.
func TestQueuedForwardDeliveredOnceByRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newQueueFixture(t, st, 2, 451)
		a, err := sendmail.SendQueued(f.ctx, f.d, f.forward())
		must(t, err)
		if a.State != outbox.StatePending || a.Next == nil || !errclass.Is(a.Err, errclass.Retryable) {
			t.Fatalf("first attempt %+v", a)
		}
		if wait := a.Next.Sub(f.now); wait < sendmail.RetryBase/2 || wait > sendmail.RetryBase {
			t.Fatalf("first retry after %s, want between %s and %s", wait, sendmail.RetryBase/2, sendmail.RetryBase)
		}
		if rep := f.retry(); rep.Attempted != 0 {
			t.Fatalf("retried before its time: %+v", rep)
		}
		f.now = *a.Next
		if rep := f.retry(); rep.Attempted != 1 || rep.Pending != 1 {
			t.Fatalf("second attempt %+v", rep)
		}
		e, err := st.Outbox().Get(f.ctx, a.EntryID)
		must(t, err)
		if e.Attempts != 2 || e.ErrorClass != string(errclass.Retryable) || !strings.Contains(e.LastError, "451") {
			t.Fatalf("entry after two attempts %+v", e)
		}
		f.now = *e.NextAttemptAt
		// two processes retry at once: one of them sends
		var wg sync.WaitGroup
		reps := make([]sendmail.RetryReport, 2)
		for i := range reps {
			wg.Add(1)
			go func() { defer wg.Done(); reps[i] = f.retry() }()
		}
		wg.Wait()
		if reps[0].Sent+reps[1].Sent != 1 {
			t.Fatalf("concurrent retries: %+v %+v", reps[0], reps[1])
		}
		f.now = f.now.Add(48 * time.Hour)
		if rep := f.retry(); rep.Attempted != 0 {
			t.Fatalf("a sent mail was tried again: %+v", rep)
		}
		got := f.srv.Received()
		if len(got) != 1 || f.srv.Attempts() != 3 {
			t.Fatalf("%d mails received in %d attempts, want 1 in 3", len(got), f.srv.Attempts())
		}
		p := parse(t, got[0].Data)
		e, _ = st.Outbox().Get(f.ctx, a.EntryID)
		if id, _ := p.header.MessageID(); id != e.MessageID || e.State != outbox.StateSent {
			t.Errorf("Message-ID %q, entry %+v", id, e)
		}
		if p.attachments["Angebot.pdf"] != attachBody {
			t.Errorf("attachments %v", p.attachments)
		}
	})
}

// A permanent failure (550) ends the retries at once and shows its
// reason; requeued by hand, the entry is sent.
func TestPermanentFailureStopsRetrying(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newQueueFixture(t, st, 1, 550)
		a, err := sendmail.SendQueued(f.ctx, f.d, f.forward())
		must(t, err)
		if a.State != outbox.StateFailed || a.Next != nil || !errclass.Is(a.Err, errclass.Permanent) {
			t.Fatalf("attempt %+v", a)
		}
		f.now = f.now.Add(24 * time.Hour)
		if rep := f.retry(); rep.Attempted != 0 || f.srv.Attempts() != 1 {
			t.Fatalf("a permanent failure was retried: %+v, %d attempts", rep, f.srv.Attempts())
		}
		failed, err := st.Outbox().List(f.ctx, outbox.Filter{State: outbox.StateFailed})
		must(t, err)
		if len(failed) != 1 || failed[0].ErrorClass != "permanent" || !strings.Contains(failed[0].LastError, "550") {
			t.Fatalf("failed entries %+v", failed)
		}
		if n, err := st.Outbox().Requeue(f.ctx, f.now, []int64{a.EntryID}); err != nil || n != 1 {
			t.Fatalf("requeue %d %v", n, err)
		}
		r, err := sendmail.Retry(f.ctx, f.d, a.EntryID)
		if err != nil || r.State != outbox.StateSent || len(f.srv.Received()) != 1 {
			t.Fatalf("retry after requeue %+v %v", r, err)
		}
	})
}

// A mail that keeps failing with "try later" is given up after
// GiveUpAfter, with the reason.
func TestRetriesGiveUpAfterTheirPeriod(t *testing.T) {
	f := newQueueFixture(t, storetest.Open(t), 1000, 451)
	a, err := sendmail.SendQueued(f.ctx, f.d, f.forward())
	must(t, err)
	for a.State == outbox.StatePending {
		f.now = *a.Next
		a, err = sendmail.Retry(f.ctx, f.d, a.EntryID)
		must(t, err)
	}
	e, err := f.st.Outbox().Get(f.ctx, a.EntryID)
	must(t, err)
	if e.State != outbox.StateFailed || !strings.Contains(e.LastError, "gave up after") || f.now.Sub(e.QueuedAt) < sendmail.GiveUpAfter {
		t.Fatalf("entry %+v at %s", e, f.now)
	}
	if e.Attempts != f.srv.Attempts() {
		t.Errorf("entry counts %d attempts, the server saw %d", e.Attempts, f.srv.Attempts())
	}
}

func TestRetryDelay(t *testing.T) {
	for _, c := range []struct {
		attempts int
		full     time.Duration
	}{{1, time.Minute}, {2, 2 * time.Minute}, {4, 8 * time.Minute}, {7, sendmail.RetryCap}, {40, sendmail.RetryCap}, {0, sendmail.RetryCap}} {
		lo, hi := sendmail.RetryDelay(c.attempts, 0), sendmail.RetryDelay(c.attempts, 0.999999)
		if lo != c.full/2 || hi > c.full || hi < c.full*99/100 {
			t.Errorf("attempt %d: delay between %s and %s, want %s to %s", c.attempts, lo, hi, c.full/2, c.full)
		}
	}
}

// wfe send's contract: an activity is sent once; a second send is
// refused unless asked (Again); a dry run only warns.
func TestSendTwiceNeedsAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		f := newQueueFixture(t, st, 0, 0)
		req := sendmail.Request{ActivityID: f.act.ID, MatchCode: "INFO"}
		first, err := sendmail.Send(f.ctx, f.d, req)
		must(t, err)
		_, err = sendmail.Send(f.ctx, f.d, req)
		if !errors.Is(err, sendmail.ErrAlreadySent) || !errclass.Is(err, errclass.Permanent) || !strings.Contains(err.Error(), first.MessageID) {
			t.Fatalf("second send: %v", err)
		}
		dry, err := sendmail.Send(f.ctx, f.d, sendmail.Request{ActivityID: f.act.ID, MatchCode: "INFO", DryRun: true})
		if err != nil || len(dry.Warnings) != 1 || !strings.Contains(dry.Warnings[0], "was sent") {
			t.Fatalf("dry run %+v %v", dry, err)
		}
		if n := len(f.srv.Received()); n != 1 {
			t.Fatalf("%d mails sent, want 1", n)
		}
		req.Again = true
		again, err := sendmail.Send(f.ctx, f.d, req)
		must(t, err)
		if n := len(f.srv.Received()); n != 2 || again.MessageID == first.MessageID {
			t.Fatalf("--again: %d mails, Message-IDs %s %s", n, first.MessageID, again.MessageID)
		}
		sent, err := st.Outbox().List(f.ctx, outbox.Filter{Kind: outbox.KindSend, ActivityID: f.act.ID})
		must(t, err)
		if len(sent) != 2 || sent[0].MessageID != again.MessageID || sent[0].State != outbox.StateSent {
			t.Fatalf("sends recorded %+v", sent)
		}
	})
}

// The outbox keeps no credential: neither the stored mail nor the error
// of a refused login holds the password; the refused login is permanent.
func TestOutboxKeepsNoSecret(t *testing.T) {
	f := newFixture(t, mailtest.SMTPOptions{})
	f.cfg.Password = "wrong-" + smtpPass
	must(t, f.st.UpdateMailConfig(f.ctx, f.cfg))
	q := sendmail.Queued{Kind: outbox.KindForward, Config: f.cfg, RunAs: f.emp, Message: outbox.Message{
		From: smtpUser, To: []string{colleague}, Subject: "Fwd: Angebot", Text: "siehe unten"}}
	a, err := sendmail.SendQueued(f.ctx, f.deps, q)
	must(t, err)
	if a.State != outbox.StateFailed || !errclass.Is(a.Err, errclass.Permanent) {
		t.Fatalf("attempt with a wrong password: %+v", a)
	}
	e, err := f.st.Outbox().Get(f.ctx, a.EntryID)
	must(t, err)
	stored, err := json.Marshal(e)
	must(t, err)
	for _, text := range []string{string(stored), string(e.Message), e.LastError, f.logs.String()} {
		if strings.Contains(text, smtpPass) {
			t.Fatalf("the password reached the outbox or its log: %s", text)
		}
	}
	if e.LastError == "" || e.ErrorClass != "permanent" {
		t.Fatalf("entry %+v", e)
	}
}

// A mail being sent for the first time is held by its sender: a retry
// elsewhere while the server has not yet answered does not send it too.
func TestFirstAttemptIsHeld(t *testing.T) {
	f := newQueueFixture(t, storetest.Open(t), 0, 0)
	other := sendmail.Deps{Store: f.st, Now: func() time.Time { return f.now.Add(time.Minute) }, Node: "other", Logger: slog.New(slog.DiscardHandler)}
	var (
		first atomic.Bool
		rep   sendmail.RetryReport
		err   error
	)
	f.srv.OnData = func() {
		if first.CompareAndSwap(false, true) {
			rep, err = sendmail.RetryDue(f.ctx, other, sendmail.RetryOptions{})
		}
	}
	a, serr := sendmail.SendQueued(f.ctx, f.d, f.forward())
	must(t, serr)
	must(t, err)
	if a.State != outbox.StateSent || rep.Attempted != 0 || len(f.srv.Received()) != 1 {
		t.Fatalf("attempt %+v, other process %+v, %d received", a, rep, len(f.srv.Received()))
	}
}
