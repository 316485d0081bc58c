package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

func TestAutoReplyLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2024, 3, 4, 10, 0, 0, 0, time.UTC)
		if err := s.RecordAutoReply(ctx, &store.AutoReply{MailConfigID: 1, Recipient: " Kunde@Example.COM", SentAt: at}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordAutoReply(ctx, &store.AutoReply{MailConfigID: 1, Recipient: ""}); err == nil {
			t.Error("empty recipient accepted")
		}
		r, err := s.LastAutoReply(ctx, 1, "kunde@example.com", at.Add(-24*time.Hour))
		if err != nil || r == nil || !r.SentAt.Equal(at) {
			t.Fatalf("last auto-reply = %+v, %v", r, err)
		}
		for _, c := range []struct {
			cfg   int64
			to    string
			since time.Time
		}{{2, "kunde@example.com", at.Add(-time.Hour)}, {1, "other@example.com", at.Add(-time.Hour)}, {1, "kunde@example.com", at.Add(time.Second)}} {
			if r, err := s.LastAutoReply(ctx, c.cfg, c.to, c.since); err != nil || r != nil {
				t.Errorf("%+v: got %+v, %v; want none", c, r, err)
			}
		}
	})
}
