package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

func TestMailPushSettingAndState(t *testing.T) {
	st := storetest.Open(t)
	ctx := context.Background()
	cfg := &store.MailConfig{MatchCode: "P1", UserName: "u", Password: "p", IMAPAddr: "127.0.0.1:1", Push: true}
	if err := st.CreateMailConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetMailConfig(ctx, cfg.ID)
	if err != nil || !got.Push {
		t.Fatalf("push setting not stored: %+v, %v", got, err)
	}
	since := time.Date(2026, 12, 6, 5, 0, 0, 0, time.UTC)
	for _, s := range []store.MailPushState{
		{MailConfigID: cfg.ID, Node: "a", State: store.PushWatching, Since: since},
		{MailConfigID: cfg.ID, Node: "b", State: store.PushPolled, Detail: "no IDLE", Since: since.Add(time.Minute)},
	} {
		if err := st.SetMailPushState(ctx, &s); err != nil {
			t.Fatal(err)
		}
	}
	states, err := st.MailPushStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := states[cfg.ID]
	if len(states) != 1 || s.Node != "b" || s.State != store.PushPolled || s.Detail != "no IDLE" || !s.Since.Equal(since.Add(time.Minute)) {
		t.Fatalf("states %+v: want the second state replacing the first", states)
	}
}
