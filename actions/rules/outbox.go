package rules

import (
	"context"
	"fmt"
	"time"

	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/store/outbox"
)

// sendDeps are the outbox's dependencies, taken from the import's.
func (b *base) sendDeps() sendmail.Deps {
	d := b.Deps
	return sendmail.Deps{Store: d.Store, Logger: d.Logger, Now: d.Now, Node: d.Node}
}

// retryOutbox sends the forwards and answers of the job's configuration
// whose retry is due, before the import, and notes each in the run
// record. A failing outbox does not stop the import.
func (b *base) retryOutbox(ctx context.Context, j *job) {
	rep, err := sendmail.RetryDue(ctx, b.sendDeps(), sendmail.RetryOptions{MailConfigIDs: []int64{j.cfg.ID}})
	for _, l := range rep.Lines {
		j.call.Logf("%s", l)
	}
	if err != nil {
		j.call.Warnf("outbox of mail configuration %s: %v", j.cfg.MatchCode, err)
	}
}

// send puts msg about the activity into the outbox and sends it at once.
// A failure that may pass leaves it for a retry (the next run of a rule of
// this configuration, wfe import-mail, wfe outbox retry) and is noted in
// the run's log; a permanent failure is a warning of the run. The error
// is for a mail that could not even be queued (what names the mail in
// messages).
func (b *base) send(ctx context.Context, j *job, kind string, activityID int64, msg outbox.Message, what string) (sendmail.Attempt, error) {
	q := sendmail.Queued{Kind: kind, Config: j.cfg, RunAs: j.emp, ActivityID: activityID, Message: msg}
	a, err := sendmail.SendQueued(ctx, b.sendDeps(), q)
	if err != nil {
		return a, fmt.Errorf("%s: not queued: %w", what, err)
	}
	if a.Warning != "" {
		j.call.Warnf("%s: %s", what, a.Warning)
	}
	switch a.State {
	case outbox.StateSent:
		j.call.Logf("%s: sent as <%s>", what, a.MessageID)
	case outbox.StatePending:
		j.call.Logf("%s: sending failed, outbox entry %d is retried from %s on: %v", what, a.EntryID, a.Next.UTC().Format(time.RFC3339), a.Err)
	default:
		j.call.Warnf("%s failed for good (outbox entry %d): %v", what, a.EntryID, a.Err)
	}
	return a, nil
}
