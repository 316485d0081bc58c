package mailimport_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/mailbox/mailtest"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/storetest"
)

// TestPushImportsNewMail: with push, a mail appended to the inbox becomes
// an activity without waiting for a timer, and after the connection is
// dropped the watcher dials again and the next mail arrives as well. The
// delays are printed, not asserted. On a private Dovecot and on the
// in-process server (which can miss a mail stored right as IDLE starts:
// a renewal every second bounds that; Dovecot's IDLE is not renewed).
func TestPushImportsNewMail(t *testing.T) {
	t.Run("dovecot", func(t *testing.T) {
		// without TLS, so that the test's proxy sees IDLE being confirmed
		testPush(t, newDovecotEnv(t, storetest.Open(t), "none"), time.Hour)
	})
	t.Run("in-process", func(t *testing.T) {
		testPush(t, newEnv(t, storetest.Open(t), mailtest.IMAPOptions{}), time.Second)
	})
}

type pushState struct{ state, detail string }

// testPush runs the test on e, renewing IDLE every renew.
func testPush(t *testing.T, e *env, renew time.Duration) {
	proxy := startCountingProxy(t, e.cfg.IMAPAddr)
	e.cfg.IMAPAddr, e.cfg.AutoImport, e.cfg.Push = proxy.addr, true, true
	if err := e.st.UpdateMailConfig(e.ctx, e.cfg); err != nil {
		t.Fatal(err)
	}
	states := make(chan pushState, 100)
	imports := make(chan error, 100)
	opts := mailimport.PushOptions{
		RunAs: runAsLogin, Renew: renew, Retry: 200 * time.Millisecond, Reload: time.Hour,
		Import: func(ctx context.Context, cfg *store.MailConfig) error {
			_, err := mailimport.ImportAll(ctx, e.deps(), runAsLogin, mailimport.ImportOptions{ConfigID: cfg.ID})
			imports <- err
			return err
		},
		State: func(_ *store.MailConfig, state, detail string) { states <- pushState{state, detail} },
	}
	ctx, cancel := context.WithCancel(e.ctx)
	var pushErr error
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		pushErr = mailimport.Push(ctx, e.deps(), opts)
	}()
	defer func() {
		cancel()
		<-stopped
	}()

	waitState(t, states, store.PushWatching)
	deliverAndWait(t, e, imports, 1)
	proxy.waitIdling(t)
	if n := proxy.dropAll(); n == 0 {
		t.Fatal("no connection to drop")
	}
	lost := waitState(t, states, store.PushPolled)
	t.Logf("after the drop: %s", lost.detail)
	waitState(t, states, store.PushWatching)
	deliverAndWait(t, e, imports, 2)

	cancel()
	<-stopped
	if pushErr != nil {
		t.Fatal(pushErr)
	}
	if last := waitState(t, states, store.PushPolled); !strings.Contains(last.detail, "stopped") {
		t.Errorf("state after the end: %+v", last)
	}
}

// giveUp bounds a wait for something that must happen; reaching it fails
// the test (it is no timing assertion: the happy path takes milliseconds).
const giveUp = time.Minute

func waitState(t *testing.T, states <-chan pushState, want string) pushState {
	t.Helper()
	deadline := time.After(giveUp)
	for {
		select {
		case s := <-states:
			if s.state == want {
				return s
			}
		case <-deadline:
			t.Fatalf("the watcher never reported %q", want)
		}
	}
}

// deliverAndWait appends mail number n and waits until the imports made
// n activities; it prints how long that took.
func deliverAndWait(t *testing.T, e *env, imports <-chan error, n int) {
	t.Helper()
	e.appendRaw(numberedMails(n)[n-1])
	start := time.Now()
	deadline := time.After(giveUp)
	for len(e.activities()) < n {
		select {
		case err := <-imports:
			if err != nil {
				t.Logf("an import failed (the watcher tries again): %v", err)
			}
		case <-deadline:
			t.Fatalf("mail %d never became an activity", n)
		}
	}
	t.Logf("mail %d became an activity %s after it was appended", n, time.Since(start).Round(time.Millisecond))
}
