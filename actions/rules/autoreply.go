package rules

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/outbox"
)

// ReplyInterval is the time within which a sender gets at most one
// automatic answer from a mail configuration (RFC 3834 section 2: "at most
// once per a reasonable period", here one day).
const ReplyInterval = 24 * time.Hour

// AutoReply is AutoReplyAction: the mails the Rule selects are imported
// and answered with a preset text (RFC 3834). No answer goes to mail that
// a machine sent (Auto-Submitted, Precedence bulk/list/junk, list headers,
// no-reply and mailer-daemon senders, an empty Return-Path), to our own
// addresses (the sending address, employees, the internal domains), or to
// a sender answered within ReplyInterval. The answer carries
// Auto-Submitted: auto-replied, In-Reply-To and References.
type AutoReply struct {
	base
	// mu guards answered: senders answered during the runs in progress,
	// before the store knows of the answer.
	mu       sync.Mutex
	answered map[string]time.Time
}

var (
	_ engine.Action         = (*AutoReply)(nil)
	_ engine.LiteralChecker = (*AutoReply)(nil)
)

// Spec implements engine.Action.
func (a *AutoReply) Spec() engine.ActionSpec {
	params := append(commonParams(store.TypeMailIn, store.StatusOpen),
		engine.Param{Name: "ReplyText", Type: engine.TypeString, Required: true, Description: "text of the automatic answer"},
		engine.Param{Name: "ReplySubject", Type: engine.TypeString, Description: "subject of the answer; empty = \"Re: \" and the mail's subject"},
		engine.Param{Name: "From", Type: engine.TypeString, Description: "sender address of the answer; empty = the configuration's user name when it is an address"},
	)
	return engine.ActionSpec{
		Name: AutoReplyName,
		Description: "Mailbox rule: imports the mails the Rule selects as activities and answers each sender with a preset text " +
			"(RFC 3834: never to machine-sent mail or our own addresses, at most one answer per sender per day).",
		Params:  params,
		Outputs: importOutputs,
	}
}

// CheckLiteral implements engine.LiteralChecker.
func (a *AutoReply) CheckLiteral(param string, value any) error {
	if param == "From" {
		if s, _ := value.(string); strings.TrimSpace(s) != "" {
			_, err := addressList(s)
			return err
		}
	}
	return checkRule(param, value)
}

func (a *AutoReply) now() time.Time {
	if a.Deps.Now != nil {
		return a.Deps.Now()
	}
	return time.Now()
}

// claim reserves an answer to sender for this process; false when one
// was sent (or is being sent) within ReplyInterval.
func (a *AutoReply) claim(key string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.answered == nil {
		a.answered = map[string]time.Time{}
	}
	if t, ok := a.answered[key]; ok && now.Sub(t) < ReplyInterval {
		return false
	}
	a.answered[key] = now
	return true
}

func (a *AutoReply) release(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.answered, key)
}

// Run implements engine.Action.
func (a *AutoReply) Run(ctx context.Context, call *engine.Call) error {
	j, err := a.prepare(ctx, AutoReplyName, call)
	if err != nil {
		return err
	}
	from, err := senderAddress(j.cfg, call.String("From"))
	if err != nil {
		return err
	}
	text, subjectParam := call.String("ReplyText"), call.String("ReplySubject")
	dry := call.DryRun() || call.Bool("DryRun")
	j.then = func(ctx context.Context, in *mailimport.Input, dec *mailimport.Decision) error {
		act := dec.Activity
		m := in.Mail
		to := strings.ToLower(strings.TrimSpace(m.From.Addr))
		reason, err := a.refusal(ctx, in, from, to)
		if err != nil {
			return err
		}
		if reason != "" {
			act.MatchExplanation = append(act.MatchExplanation, "no auto-reply: "+reason)
			return nil
		}
		key := fmt.Sprintf("%d\x00%s", j.cfg.ID, to)
		now := a.now()
		if !dry && !a.claim(key, now) {
			act.MatchExplanation = append(act.MatchExplanation, fmt.Sprintf("no auto-reply: %s was answered less than %s ago", to, ReplyInterval))
			return nil
		}
		act.MatchExplanation = append(act.MatchExplanation, "auto-reply to "+to)
		subject := subjectParam
		if strings.TrimSpace(subject) == "" {
			subject = prefixed("Re: ", m.Subject)
		}
		headers := map[string]string{"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
		if m.MessageID != "" {
			headers["In-Reply-To"] = "<" + m.MessageID + ">"
			var refs []string
			for _, r := range m.References() {
				refs = append(refs, "<"+r+">")
			}
			headers["References"] = strings.Join(append(refs, "<"+m.MessageID+">"), " ")
		}
		dec.AfterCommit = func(ctx context.Context, activityID int64) error {
			msg := outbox.Message{FromName: j.cfg.DisplayName, From: from, To: []string{to}, Subject: subject, Text: text, Headers: headers}
			// a pending answer keeps the sender's claim: it is sent by a
			// retry, not answered again
			res, err := a.send(ctx, j, outbox.KindAutoReply, activityID, msg, fmt.Sprintf("activity %d: auto-reply to %s", activityID, to))
			if err != nil || res.State == outbox.StateFailed {
				a.release(key)
			}
			return err
		}
		return nil
	}
	return a.run(ctx, j)
}

// refusal says why a mail gets no automatic answer ("" when it may get
// one).
func (a *AutoReply) refusal(ctx context.Context, in *mailimport.Input, self, to string) (string, error) {
	m := in.Mail
	if r := m.AutoSubmittedReason(); r != "" {
		return "machine-sent mail (" + r + ")", nil
	}
	if to == "" {
		return "the mail has no sender address", nil
	}
	if to == self || strings.EqualFold(to, in.Config.UserName) {
		return to + " is this mailbox's own address", nil
	}
	if in.Settings.IsInternalAddress(to) {
		return to + " is in an internal domain", nil
	}
	emp, err := in.Store.EmployeeByEmail(ctx, to)
	switch {
	case err == nil:
		return fmt.Sprintf("%s is the address of employee %s", to, emp.Login), nil
	case !errors.Is(err, store.ErrNotFound):
		return "", err
	}
	waiting, err := in.Store.Outbox().PendingTo(ctx, outbox.KindAutoReply, in.Config.ID, to)
	if err != nil {
		return "", err
	}
	if waiting {
		return "an answer to " + to + " waits in the outbox for its retry", nil
	}
	last, err := in.Store.LastAutoReply(ctx, in.Config.ID, to, a.now().Add(-ReplyInterval))
	if err != nil {
		return "", err
	}
	if last != nil {
		return fmt.Sprintf("%s was answered at %s already (one answer per day)", to, last.SentAt.UTC().Format(time.RFC3339)), nil
	}
	return "", nil
}
