package watchdog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/outbox"
)

// OutboxKind is the outbox kind of the watchdog's mails.
const OutboxKind = outbox.KindWatchdog

// configHeader names, in a watchdog mail, the id of the mail
// configuration it is about; the outbox keeps it with the message, so
// that the mails already sent for an incident are found again.
const configHeader = "X-Wfe-Watchdog-Config"

// mailsScanned bounds how many of the newest watchdog mails are read to
// find the ones of an incident.
const mailsScanned = 1000

// claimName is the claim a check takes per period, so that of several
// nodes only one checks at a time (not a valid timer name).
const claimName = "wfe:watchdog-mail"

// Notifier mails the responsible employee of a mail configuration whose
// automatic import is failing or locked, at most once per incident. An
// incident begins when the configuration stops importing and ends with
// its next successful import: a mail is sent when no watchdog mail about
// the configuration was queued since its last success, so a second mail
// comes only after a recovery and a new failure. The mails go through
// the outbox (retried like forwards when the server does not take them)
// and the SMTP server of the configuration Via.
type Notifier struct {
	Store  *store.Store
	Config Config
	// Via is the mail configuration whose SMTP server sends the mails;
	// its user name is the sender address.
	Via *store.MailConfig
	// Node names this process in the outbox and in claims.
	Node   string
	Logger *slog.Logger
	Now    func() time.Time
}

// Check judges the sources now and mails the responsible employee of
// each failing or locked mail configuration not yet told of its
// incident; it returns how many mails were queued. A mail that could not
// be queued is logged, and the others are still tried.
func (n *Notifier) Check(ctx context.Context) (int, error) {
	now := n.now()
	sources, err := Sources(ctx, n.Store, n.Config, now)
	if err != nil {
		return 0, fmt.Errorf("watchdog mail: %w", err)
	}
	queued := 0
	for _, s := range sources {
		if s.Kind != KindMailConfig || (s.State != StateFailing && s.State != StateLocked) {
			continue
		}
		sent, err := n.notify(ctx, s)
		if err != nil {
			n.logger().Warn("watchdog mail", "source", s.Name, "err", err)
		}
		if sent {
			queued++
		}
	}
	return queued, nil
}

// notify mails the responsible employee of s unless this incident was
// mailed already; sent tells whether a mail was queued.
func (n *Notifier) notify(ctx context.Context, s Source) (sent bool, err error) {
	cfg, err := n.Store.GetMailConfig(ctx, s.configID)
	if err != nil || cfg.ResponsibleID == nil {
		return false, err
	}
	emp, err := n.Store.GetEmployee(ctx, *cfg.ResponsibleID)
	if err != nil {
		return false, fmt.Errorf("responsible employee of mail configuration %s: %w", cfg.MatchCode, err)
	}
	if !strings.Contains(emp.Email, "@") {
		return false, fmt.Errorf("responsible employee %s of mail configuration %s has no e-mail address", emp.Login, cfg.MatchCode)
	}
	told, err := n.mailedSince(ctx, cfg.ID, s.LastSuccess)
	if err != nil || told {
		return false, err
	}
	from := strings.TrimSpace(n.Via.UserName)
	if !strings.Contains(from, "@") {
		return false, fmt.Errorf("mail configuration %s sends the watchdog's mails, but its user name %q is no address", n.Via.MatchCode, from)
	}
	msg := outbox.Message{FromName: "wfe watchdog", From: from, To: []string{emp.Email}, Subject: alertSubject(cfg, s),
		Text: alertText(cfg, s), Headers: map[string]string{configHeader: strconv.FormatInt(cfg.ID, 10), "Auto-Submitted": "auto-generated"}}
	deps := sendmail.Deps{Store: n.Store, Logger: n.logger(), Now: n.Now, Node: n.Node}
	a, err := sendmail.SendQueued(ctx, deps, sendmail.Queued{Kind: OutboxKind, Config: n.Via, Message: msg})
	if err != nil {
		return false, fmt.Errorf("mail about mail configuration %s not queued: %w", cfg.MatchCode, err)
	}
	n.logger().Info("watchdog mail", "source", s.Name, "state", s.State, "to", emp.Login, "outbox_entry", a.EntryID, "outbox_state", a.State)
	return true, nil
}

// mailedSince tells whether a watchdog mail about the configuration was
// queued at or after since (nil: ever).
func (n *Notifier) mailedSince(ctx context.Context, configID int64, since *time.Time) (bool, error) {
	entries, err := n.Store.Outbox().List(ctx, outbox.Filter{Kind: OutboxKind, Limit: mailsScanned})
	if err != nil {
		return false, err
	}
	for i := range entries {
		e := &entries[i]
		if since != nil && e.QueuedAt.Before(*since) {
			return false, nil // newest first: the rest is older still
		}
		msg, err := e.Mail()
		if err != nil {
			return false, err
		}
		if msg.Headers[configHeader] == strconv.FormatInt(configID, 10) {
			return true, nil
		}
	}
	return false, nil
}

// Run checks every period until ctx ends. Of several processes on one
// database only the one that claims a period checks in it.
func (n *Notifier) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		won, err := n.Store.ClaimTick(ctx, claimName, n.now().Truncate(every), n.Node)
		if err == nil && won {
			_, err = n.Check(ctx)
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			n.logger().Warn("watchdog mail", "err", err)
		}
	}
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

func (n *Notifier) logger() *slog.Logger {
	if n.Logger != nil {
		return n.Logger
	}
	return slog.New(slog.DiscardHandler)
}
