package outbox_test

import (
	"context"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/outbox"
	"github.com/wfehq/wfe/store/storetest"
)

func msg(to, subject string) outbox.Message {
	return outbox.Message{From: "info@service.example", To: []string{to}, Subject: subject, Text: "Hallo", MessageID: "m-" + subject + "@service.example"}
}

// The life of an entry: due at once, claimed by one node only, a failed
// attempt reschedules it, a sent one is never due again; failed entries
// come back only when requeued.
func TestOutboxLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ob := s.Outbox()
		act := int64(7)
		e := &outbox.Entry{Kind: outbox.KindForward, MailConfigID: 3, ActivityID: &act}
		if err := ob.Add(ctx, e, msg("vertrieb@firma.example", "Angebot")); err != nil {
			t.Fatal(err)
		}
		now := time.Now().Add(time.Second)
		due, err := ob.Due(ctx, now, nil, 0)
		if err != nil || len(due) != 1 || due[0].ID != e.ID || due[0].State != outbox.StatePending {
			t.Fatalf("due %+v %v", due, err)
		}
		m, err := due[0].Mail()
		if err != nil || m.Subject != "Angebot" || m.To[0] != "vertrieb@firma.example" || due[0].Recipients[0] != "vertrieb@firma.example" {
			t.Fatalf("message %+v %v", m, err)
		}
		if due, _ := ob.Due(ctx, now, []int64{4}, 0); len(due) != 0 {
			t.Fatalf("due for another configuration: %+v", due)
		}
		won, err := ob.Claim(ctx, e.ID, "a", now, now.Add(time.Minute))
		if err != nil || !won {
			t.Fatalf("first claim %v %v", won, err)
		}
		if won, _ := ob.Claim(ctx, e.ID, "b", now, now.Add(time.Minute)); won {
			t.Fatal("a second node claimed an entry held by another")
		}
		if due, _ := ob.Due(ctx, now, nil, 0); len(due) != 0 {
			t.Fatalf("a claimed entry is due: %+v", due)
		}
		next := now.Add(10 * time.Minute)
		if err := ob.MarkAttemptFailed(ctx, e.ID, outbox.Failure{Error: "451 try later", Class: "retryable", Next: &next}); err != nil {
			t.Fatal(err)
		}
		if due, _ := ob.Due(ctx, now.Add(9*time.Minute), nil, 0); len(due) != 0 {
			t.Fatalf("due before its next attempt: %+v", due)
		}
		if due, _ := ob.Due(ctx, now.Add(11*time.Minute), nil, 0); len(due) != 1 || due[0].Attempts != 1 || due[0].LastError != "451 try later" {
			t.Fatalf("due after its next attempt: %+v", due)
		}
		if pend, err := ob.PendingTo(ctx, outbox.KindForward, 3, "Vertrieb@Firma.example"); err != nil || !pend {
			t.Fatalf("PendingTo %v %v", pend, err)
		}
		if sent, _ := ob.LastSent(ctx, outbox.KindForward, act); sent != nil {
			t.Fatalf("LastSent before sending: %+v", sent)
		}
		if err := ob.MarkSent(ctx, e.ID, "m-Angebot@service.example", now); err != nil {
			t.Fatal(err)
		}
		if due, _ := ob.Due(ctx, now.Add(48*time.Hour), nil, 0); len(due) != 0 {
			t.Fatalf("a sent entry is due: %+v", due)
		}
		sent, err := ob.LastSent(ctx, outbox.KindForward, act)
		if err != nil || sent == nil || sent.Attempts != 2 || sent.SentAt == nil || sent.LastError != "" {
			t.Fatalf("LastSent %+v %v", sent, err)
		}
		if n, err := ob.Requeue(ctx, time.Now(), []int64{e.ID}); err != nil || n != 0 {
			t.Fatalf("requeue of a sent entry: %d %v", n, err)
		}

		f := &outbox.Entry{Kind: outbox.KindAutoReply, MailConfigID: 3}
		if err := ob.Add(ctx, f, msg("kunde@kunde.example", "Re: Frage")); err != nil {
			t.Fatal(err)
		}
		if err := ob.MarkAttemptFailed(ctx, f.ID, outbox.Failure{Error: "550 no such user", Class: "permanent"}); err != nil {
			t.Fatal(err)
		}
		if due, _ := ob.Due(ctx, now.Add(48*time.Hour), nil, 0); len(due) != 0 {
			t.Fatalf("a failed entry is due: %+v", due)
		}
		failed, _ := ob.List(ctx, outbox.Filter{State: outbox.StateFailed})
		if len(failed) != 1 || failed[0].ErrorClass != "permanent" || failed[0].LastError != "550 no such user" {
			t.Fatalf("failed entries %+v", failed)
		}
		if n, err := ob.Requeue(ctx, time.Now(), nil); err != nil || n != 1 {
			t.Fatalf("requeue %d %v", n, err)
		}
		if due, _ := ob.Due(ctx, time.Now().Add(time.Minute), nil, 0); len(due) != 1 || due[0].ID != f.ID {
			t.Fatalf("due after requeue: %+v", due)
		}
	})
}

func TestOutboxAddRefusesIncompleteEntries(t *testing.T) {
	s := storetest.Open(t)
	err := s.Outbox().Add(context.Background(), &outbox.Entry{Kind: outbox.KindForward}, msg("a@b.example", "x"))
	if err == nil {
		t.Fatal("an entry without mail configuration was stored")
	}
}
