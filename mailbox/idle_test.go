package mailbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/mailbox/mailtest"
)

// idleUntilChange calls Idle with a short renewal until it reports a
// change, as a watcher does; it gives up after limit renewals.
func idleUntilChange(ctx context.Context, c *mailbox.IMAP, limit int) (renewals int, err error) {
	for ; renewals < limit; renewals++ {
		changed, err := c.Idle(ctx, 200*time.Millisecond)
		if err != nil || changed {
			return renewals, err
		}
	}
	return renewals, errors.New("no change reported")
}

func TestIdleReportsNewMail(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{})
	c := dial(t, endpoint(srv), alice, mailbox.WithUpdates())
	ctx := context.Background()
	if !c.SupportsIdle() {
		t.Fatal("the in-process server offers IDLE")
	}
	if _, err := c.Select(ctx, "INBOX"); err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond) // let IDLE start
		srv.Append(t, "alice", "INBOX", testMail(1))
	}()
	start := time.Now()
	n, err := idleUntilChange(ctx, c, 100)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("change reported after %s (%d renewals)", time.Since(start).Round(time.Millisecond), n)
	changed, err := c.Idle(ctx, 50*time.Millisecond)
	if err != nil || changed {
		t.Errorf("second Idle without new mail: changed %v, err %v", changed, err)
	}
}

func TestIdleWithoutUpdatesRefused(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{})
	c := dial(t, endpoint(srv), alice)
	if _, err := c.Idle(context.Background(), time.Second); err == nil {
		t.Fatal("Idle on a connection dialed without WithUpdates must fail")
	}
}

func TestIdleContextEnds(t *testing.T) {
	srv := mailtest.StartIMAP(t, mailtest.IMAPOptions{})
	c := dial(t, endpoint(srv), alice, mailbox.WithUpdates())
	if _, err := c.Select(context.Background(), "INBOX"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	_, err := c.Idle(ctx, time.Minute)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Idle after cancel: %v", err)
	}
}
