package sendmail

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/groupware"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

// transmit sends msg over the configuration's SMTP server, or, when it
// has none, through Microsoft Graph's sendMail (saved to the sender's
// Sent Items) if its groupware is Graph. It returns the Message-ID.
func transmit(ctx context.Context, d Deps, cfg *store.MailConfig, runAs *store.Employee, msg *mailbox.Outgoing) (string, error) {
	if cfg.SMTPAddr != "" {
		return mailconn.Send(ctx, d.Store, cfg, runAs, msg, mailconn.SendOptions{Now: d.Now, Timeout: d.Timeout})
	}
	// a configuration (or employee) locked by hand or after a refused
	// sign-in sends nothing, as over SMTP
	if err := mailconn.Usable(cfg, runAs); err != nil {
		return "", err
	}
	emp := runAs
	if emp == nil {
		// the app registration acts for the sender's mailbox
		emp = &store.Employee{Email: msg.From}
	}
	conn, lock, err := groupwaresync.GraphMailLocking(ctx, d.Store, cfg, emp, nil)
	if err != nil {
		return "", engine.Permanent(err)
	}
	var raw bytes.Buffer
	id, err := mailbox.WriteMIME(&raw, msg)
	if err != nil {
		return "", engine.Permanent(fmt.Errorf("mail configuration %s (Graph): %w", cfg.MatchCode, err))
	}
	if err := conn.SendMIME(ctx, raw.Bytes()); err != nil {
		if !errors.Is(err, groupware.ErrAuth) {
			return "", fmt.Errorf("mail configuration %s (Graph): %w", cfg.MatchCode, err)
		}
		// a refused sign-in locks its owner, as a refused SMTP login does
		if lerr := lock(context.WithoutCancel(ctx), err); lerr != nil {
			return "", fmt.Errorf("mail configuration %s (Graph): %w (recording the lock failed: %v)", cfg.MatchCode, err, lerr)
		}
		return "", fmt.Errorf("mail configuration %s (Graph): %w; %w until its credentials change", cfg.MatchCode, err, mailconn.ErrLocked)
	}
	return id, nil
}
