package mailconn

import (
	"context"
	"errors"
	"time"

	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

// SendOptions tune Send.
type SendOptions struct {
	// Now stamps the lock reason; nil means time.Now.
	Now func() time.Time
	// Timeout overrides the endpoint's dial and command timeout.
	Timeout time.Duration
}

// Send delivers msg over the SMTP server of cfg run as emp and returns the
// Message-ID (without angle brackets). A locked configuration or employee
// is refused before any connection is made; a rejected login or a refused
// refresh token locks it like DialIMAP does. Other failures are mailbox's
// classified errors (mailbox.IsRetryable tells temporary ones).
func Send(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, msg *mailbox.Outgoing, opts SendOptions) (string, error) {
	if err := Usable(cfg, emp); err != nil {
		return "", err
	}
	ep, auth, err := SMTP(ctx, st, cfg, emp)
	if err != nil {
		return "", err
	}
	if opts.Timeout > 0 {
		ep.Timeout = opts.Timeout
	}
	id, err := mailbox.Send(ctx, ep, auth, msg)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, mailbox.ErrAuth) || st == nil {
		return "", withHint(cfg, "--smtp", "--smtp-security", err)
	}
	return "", lockAfterAuthFailure(ctx, st, cfg, emp, err, opts.Now)
}
