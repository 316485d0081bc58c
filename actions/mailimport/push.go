package mailimport

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

// Defaults of PushOptions.
const (
	DefaultPushRenew  = 25 * time.Minute
	DefaultPushRetry  = 30 * time.Second
	DefaultPushReload = time.Minute
)

// PushOptions say how configurations are watched with IMAP IDLE.
type PushOptions struct {
	// Import imports one configuration once (required); it is called when
	// the watcher starts, after every new-mail report, and again after
	// Retry when it failed.
	Import func(ctx context.Context, cfg *store.MailConfig) error
	// RunAs is the login whose credentials a configuration without its
	// own falls back to ("" = none).
	RunAs string
	// Renew is how long one IDLE command runs before it is renewed (0 =
	// DefaultPushRenew; at most mailbox.MaxIdle, 29 minutes).
	Renew time.Duration
	// Retry is the wait before a dropped connection is dialed again or a
	// failed import is tried again (0 = DefaultPushRetry).
	Retry time.Duration
	// Reload is how often the configurations to watch are read again (0
	// = DefaultPushReload).
	Reload time.Duration
	// State is told each change of a watcher: store.PushWatching, or
	// store.PushPolled with the reason (may be nil).
	State func(cfg *store.MailConfig, state, detail string)
}

func (o PushOptions) renew() time.Duration { return orDefault(o.Renew, DefaultPushRenew) }
func (o PushOptions) retry() time.Duration { return orDefault(o.Retry, DefaultPushRetry) }

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// watcher watches one configuration's inbox with IDLE and imports what
// arrives. The timer's polling stays on: the watcher only comes earlier.
type watcher struct {
	deps Deps
	cfg  *store.MailConfig
	emp  *store.Employee
	opts PushOptions
}

func (w *watcher) state(state, detail string) {
	if w.opts.State != nil {
		w.opts.State(w.cfg, state, detail)
	}
}

// run watches until ctx ends, or until the server turns out to offer no
// IDLE or to refuse the credentials (the timer polls such a configuration).
func (w *watcher) run(ctx context.Context) {
	for {
		err := w.session(ctx)
		if ctx.Err() != nil {
			return
		}
		switch {
		case errors.Is(err, mailbox.ErrNoIdle):
			w.state(store.PushPolled, "the server offers no IDLE")
			return
		case errors.Is(err, mailbox.ErrAuth) || errors.Is(err, mailconn.ErrLocked):
			w.state(store.PushPolled, fmt.Sprintf("sign-in failed: %v", err))
			return
		}
		w.state(store.PushPolled, fmt.Sprintf("connection lost, dialing again in %s: %v", w.opts.retry(), err))
		w.deps.logger().Warn("mail push: watching stopped; polling until the connection is back",
			"match_code", w.cfg.MatchCode, "err", err)
		if !sleep(ctx, w.opts.retry()) {
			return
		}
	}
}

// session is one connection: select the inbox, import, then import after
// each change IDLE reports, until the connection fails.
func (w *watcher) session(ctx context.Context) error {
	imapOpts := append(append([]mailbox.IMAPOption(nil), w.deps.IMAPOptions...), mailbox.WithUpdates())
	c, err := mailconn.DialIMAP(ctx, w.deps.Store, w.cfg, w.emp, mailconn.DialOptions{NoLock: true, IMAP: imapOpts})
	if err != nil {
		return err
	}
	defer c.Close()
	if !c.SupportsIdle() {
		return mailbox.ErrNoIdle
	}
	if _, err := c.Select(ctx, "INBOX"); err != nil {
		return err
	}
	w.state(store.PushWatching, "")
	pending := true // import what arrived while nobody watched
	for {
		if pending {
			pending = w.importOnce(ctx)
		}
		renew := w.opts.renew()
		if pending {
			renew = min(renew, w.opts.retry())
		}
		changed, err := c.Idle(ctx, renew)
		if err != nil {
			return err
		}
		pending = pending || changed
	}
}

// importOnce imports the configuration and reports whether it must be
// tried again (it failed, e.g. because a timer's import held the lease).
func (w *watcher) importOnce(ctx context.Context) (again bool) {
	if err := w.opts.Import(ctx, w.cfg); err != nil && ctx.Err() == nil {
		w.deps.logger().Warn("mail push: import failed; trying again", "match_code", w.cfg.MatchCode,
			"retry", w.opts.retry().String(), "err", err)
		return true
	}
	return false
}

// sleep waits d or until ctx ends; it reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
