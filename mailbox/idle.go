package mailbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// MaxIdle is the longest an IDLE command is left running before it is
// renewed: RFC 2177 asks clients to end IDLE within 29 minutes, since
// servers may log out an idle client after 30.
const MaxIdle = 29 * time.Minute

// ErrNoIdle is returned by Idle when the server does not offer IDLE.
var ErrNoIdle = errors.New("the server does not offer IDLE (RFC 2177)")

// WithUpdates makes the connection note the new messages the server
// reports on its own (EXISTS), which Idle waits for.
func WithUpdates() IMAPOption {
	return func(m *IMAP) { m.updates = make(chan struct{}, 1) }
}

// unilateral is the handler of the server's unsolicited data: a message
// count (EXISTS) signals updates when the connection notes them.
func (m *IMAP) unilateral() *imapclient.UnilateralDataHandler {
	if m.updates == nil {
		return nil
	}
	return &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				m.signalUpdate()
			}
		},
	}
}

func (m *IMAP) signalUpdate() {
	select {
	case m.updates <- struct{}{}:
	default: // one pending signal says it all
	}
}

// SupportsIdle reports whether the server offers IDLE.
func (m *IMAP) SupportsIdle() bool { return m.c.Caps().Has(imap.CapIdle) }

// Idle waits, on the selected folder, until the server reports a new
// message (changed is true), renew has passed (changed is false; the
// caller calls Idle again, which renews the command before the server's
// timeout) or ctx ends. renew is at most MaxIdle.
//
// Servers can miss a message stored right as IDLE starts, so Idle first
// sends NOOP and returns at once when that reports a change: a caller that
// imports after each change and calls Idle again loses no message. The
// connection must have been dialed WithUpdates. A dropped connection is a
// KindNetwork error.
func (m *IMAP) Idle(ctx context.Context, renew time.Duration) (changed bool, err error) {
	if m.updates == nil {
		return false, &Error{Kind: KindOther, Server: m.server, Op: "idle", Err: errors.New("connection dialed without WithUpdates")}
	}
	if !m.SupportsIdle() {
		return false, &Error{Kind: KindRejected, Server: m.server, Op: "idle", Err: ErrNoIdle}
	}
	if renew <= 0 || renew > MaxIdle {
		renew = MaxIdle
	}
	if err := m.do(ctx, "noop", func(*watch) error { return m.c.Noop().Wait() }); err != nil {
		return false, err
	}
	if m.takeUpdate() {
		return true, nil
	}
	var cmd *imapclient.IdleCommand
	if err := m.do(ctx, "idle", func(*watch) (err error) { cmd, err = m.c.Idle(); return err }); err != nil {
		return false, err
	}
	timer := time.NewTimer(renew)
	defer timer.Stop()
	select {
	case <-m.updates:
		changed = true
	case <-timer.C:
	case <-m.c.Closed():
		return false, m.wrap("idle", fmt.Errorf("the server closed the connection: %w", errors.Join(cmd.Wait(), errClosed)))
	case <-ctx.Done():
		m.abort(context.Cause(ctx))
		return false, m.wrap("idle", ctx.Err())
	}
	if err := m.do(ctx, "idle", func(*watch) error {
		if err := cmd.Close(); err != nil {
			return err
		}
		return cmd.Wait()
	}); err != nil {
		return false, err
	}
	return changed, nil
}

// errClosed marks a connection the server closed during IDLE.
var errClosed = errors.New("connection closed")

func (m *IMAP) takeUpdate() bool {
	select {
	case <-m.updates:
		return true
	default:
		return false
	}
}
