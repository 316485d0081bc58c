package sendmail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/outbox"
)

// ErrAlreadySent: the activity was sent before and the request did not
// ask to send it again (Request.Again).
var ErrAlreadySent = errors.New("already sent")

// checkNotSent refuses an activity that was sent before, unless again is
// set; a dry run only warns.
func checkNotSent(ctx context.Context, st *store.Store, actID int64, again, dryRun bool) (warning string, err error) {
	if again {
		return "", nil
	}
	prev, err := st.Outbox().LastSent(ctx, outbox.KindSend, actID)
	if err != nil {
		return "", engine.Retryable(fmt.Errorf("send activity %d: %w", actID, err))
	}
	if prev == nil {
		return "", nil
	}
	when := ""
	if prev.SentAt != nil {
		when = " at " + prev.SentAt.UTC().Format(time.RFC3339)
	}
	err = fmt.Errorf("activity %d was sent%s as <%s>: %w", actID, when, prev.MessageID, ErrAlreadySent)
	if dryRun {
		return err.Error() + "; it would be sent again only when asked to", nil
	}
	return "", engine.Permanent(err)
}

// recordSent notes in the outbox that act went out as res, so that a
// second send is noticed. The mail is out: a failure becomes a warning.
func recordSent(ctx context.Context, st *store.Store, cfg *store.MailConfig, emp *store.Employee, act *store.ActivityDetail, res *Result, at time.Time) {
	id := act.ID
	e := &outbox.Entry{Kind: outbox.KindSend, MailConfigID: cfg.ID, ActivityID: &id, State: outbox.StateSent, Attempts: 1, SentAt: &at}
	if emp != nil {
		e.EmployeeID = &emp.ID
	}
	msg := outbox.Message{FromName: res.FromName, From: res.From, To: res.To, Cc: res.Cc, Subject: res.Subject, MessageID: res.MessageID}
	if err := st.Outbox().Add(context.WithoutCancel(ctx), e, msg); err != nil {
		res.Warnings = append(res.Warnings, fmt.Sprintf("the mail was sent as <%s> but recording the send of activity %d failed: %v", res.MessageID, act.ID, err))
	}
}
