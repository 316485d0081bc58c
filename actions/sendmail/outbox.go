package sendmail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/wfehq/wfe/actions/mailconn"
	"github.com/wfehq/wfe/errclass"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/outbox"
)

// The outbox's retry policy: a mail that failed with a failure that may
// pass (SMTP 4xx, network, or a failure nobody classified) is tried again
// after RetryBase, then twice as long each time up to RetryCap, each wait
// drawn between half and all of it so that many queued mails do not hit
// the server at the same moment. A mail still not sent GiveUpAfter after
// it was queued fails for good, like a mail transfer agent's bounce. A
// permanent failure (login refused, recipient refused, locked
// configuration) is not retried.
const (
	RetryBase   = time.Minute
	RetryCap    = time.Hour
	GiveUpAfter = 5 * 24 * time.Hour
	// claimFor is how long an attempt holds its entry: longer than any
	// SMTP exchange, so that no other process sends it meanwhile.
	claimFor = 15 * time.Minute
)

// RetryDelay is the wait before attempt number attempt+1 after attempt
// failed attempts: RetryBase doubled per attempt up to RetryCap, scaled
// into [1/2, 1] by jitter (a number in [0, 1)).
func RetryDelay(attempts int, jitter float64) time.Duration {
	d := RetryBase
	for i := 1; i < attempts && d < RetryCap; i++ {
		d *= 2
	}
	if attempts < 1 || d > RetryCap {
		d = RetryCap
	}
	return d/2 + time.Duration(jitter*float64(d/2))
}

// Queued is a mail for the outbox.
type Queued struct {
	Kind       string // outbox.KindForward, outbox.KindAutoReply
	Config     *store.MailConfig
	RunAs      *store.Employee // whose login the configuration may use; nil: none
	ActivityID int64           // the activity the mail is about (0: none)
	Message    outbox.Message
}

// Attempt is the outcome of one try to send an outbox entry.
type Attempt struct {
	EntryID   int64
	State     string // outbox.StateSent, StatePending (retry at Next) or StateFailed
	MessageID string
	Next      *time.Time
	// Err is the failure of the attempt (nil when sent).
	Err error
	// Warning is bookkeeping that failed after the mail was sent.
	Warning string
}

// SendQueued stores q in the outbox and sends it at once. A failure that
// may pass leaves it pending for RetryDue; a permanent one marks it
// failed. The returned error is for what could not be stored; the
// outcome of the sending is in the Attempt.
func SendQueued(ctx context.Context, d Deps, q Queued) (Attempt, error) {
	st := d.Store
	if st == nil {
		return Attempt{}, fmt.Errorf("outbox: %w", ErrNoStore)
	}
	if q.Message.MessageID == "" {
		q.Message.MessageID = newMessageID(q.Message.From)
	}
	// stored as held by this process, so that no retry elsewhere sends it
	// while its first attempt is under way
	now := d.now()
	until := now.Add(claimFor)
	e := &outbox.Entry{Kind: q.Kind, MailConfigID: q.Config.ID, QueuedAt: now, NextAttemptAt: &now, ClaimedBy: d.node(), ClaimedUntil: &until}
	if q.RunAs != nil {
		e.EmployeeID = &q.RunAs.ID
	}
	if q.ActivityID != 0 {
		e.ActivityID = &q.ActivityID
	}
	if err := st.Outbox().Add(ctx, e, q.Message); err != nil {
		return Attempt{}, err
	}
	return attemptClaimed(ctx, d, e, q.Config, q.RunAs)
}

// RetryOptions select the entries RetryDue tries.
type RetryOptions struct {
	// MailConfigIDs narrows the retry to these configurations (none:
	// every configuration).
	MailConfigIDs []int64
	// Limit bounds the entries tried in one call (0: 100).
	Limit int
}

// RetryReport says what RetryDue did.
type RetryReport struct {
	Attempted int      `json:"attempted"`
	Sent      int      `json:"sent"`
	Pending   int      `json:"pending"` // failed again, tried later
	Failed    int      `json:"failed"`  // failed for good
	Lines     []string `json:"lines,omitempty"`
}

// RetryDue tries the outbox entries whose next attempt is due. An entry
// another process holds is left to it. The error is for the outbox
// itself (the database); failed attempts are in the report.
func RetryDue(ctx context.Context, d Deps, opts RetryOptions) (RetryReport, error) {
	var rep RetryReport
	st := d.Store
	if st == nil {
		return rep, fmt.Errorf("outbox: %w", ErrNoStore)
	}
	limit := opts.Limit
	if limit <= 0 {
		limit = 100
	}
	due, err := st.Outbox().Due(ctx, d.now(), opts.MailConfigIDs, limit)
	if err != nil {
		return rep, err
	}
	for i := range due {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		a, ok, err := retryEntry(ctx, d, &due[i])
		if err != nil {
			return rep, err
		}
		if ok {
			rep.add(&due[i], a)
		}
	}
	return rep, nil
}

// Retry tries one entry now, whatever its next attempt time; it must be
// pending (Requeue makes a failed one pending).
func Retry(ctx context.Context, d Deps, id int64) (Attempt, error) {
	e, err := d.Store.Outbox().Get(ctx, id)
	if err != nil {
		return Attempt{}, err
	}
	if e.State != outbox.StatePending {
		return Attempt{}, fmt.Errorf("outbox entry %d is %s, not pending: %w", id, e.State, store.ErrInvalid)
	}
	a, ok, err := retryEntry(ctx, d, e)
	if err == nil && !ok {
		err = fmt.Errorf("outbox entry %d is being sent by another process: %w", id, store.ErrConflict)
	}
	return a, err
}

// retryEntry claims e and attempts it; ok is false when another process
// holds it.
func retryEntry(ctx context.Context, d Deps, e *outbox.Entry) (Attempt, bool, error) {
	now := d.now()
	won, err := d.Store.Outbox().Claim(ctx, e.ID, d.node(), now, now.Add(claimFor))
	if err != nil || !won {
		return Attempt{}, false, err
	}
	cfg, emp, err := entrySender(ctx, d.Store, e)
	if err != nil {
		a, ferr := recordFailure(ctx, d, e, err)
		return a, true, ferr
	}
	a, err := attemptClaimed(ctx, d, e, cfg, emp)
	return a, true, err
}

// entrySender loads the configuration and employee of e.
func entrySender(ctx context.Context, st *store.Store, e *outbox.Entry) (*store.MailConfig, *store.Employee, error) {
	cfg, err := st.GetMailConfig(ctx, e.MailConfigID)
	if err != nil {
		return nil, nil, storeError(fmt.Errorf("mail configuration %d: %w", e.MailConfigID, err))
	}
	if e.EmployeeID == nil {
		return cfg, nil, nil
	}
	emp, err := st.GetEmployee(ctx, *e.EmployeeID)
	if err != nil {
		return nil, nil, storeError(fmt.Errorf("employee %d: %w", *e.EmployeeID, err))
	}
	return cfg, emp, nil
}

// attemptClaimed sends e (held by this process) and records the outcome.
func attemptClaimed(ctx context.Context, d Deps, e *outbox.Entry, cfg *store.MailConfig, emp *store.Employee) (Attempt, error) {
	msg, err := outgoingOf(ctx, d.Store, e)
	if err != nil {
		return recordFailure(ctx, d, e, err)
	}
	id, err := mailconn.Send(ctx, d.Store, cfg, emp, msg, mailconn.SendOptions{Now: d.Now, Timeout: d.Timeout})
	if err != nil {
		return recordFailure(ctx, d, e, err)
	}
	a := Attempt{EntryID: e.ID, State: outbox.StateSent, MessageID: id}
	ctx = context.WithoutCancel(ctx)
	now := d.now()
	if err := d.Store.Outbox().MarkSent(ctx, e.ID, id, now); err != nil {
		return a, fmt.Errorf("outbox entry %d was sent as <%s> but not marked sent: %w", e.ID, id, err)
	}
	if e.Kind == outbox.KindAutoReply && len(msg.To) > 0 {
		r := &store.AutoReply{MailConfigID: cfg.ID, Recipient: msg.To[0], MessageID: id, ActivityID: e.ActivityID, SentAt: now}
		if err := d.Store.RecordAutoReply(ctx, r); err != nil {
			a.Warning = fmt.Sprintf("auto-reply to %s sent as <%s> but not recorded: %v", msg.To[0], id, err)
		}
	}
	d.logger().Info("outbox: sent", "entry", e.ID, "kind", e.Kind, "mail_config", cfg.MatchCode, "message_id", id, "attempts", e.Attempts+1)
	return a, nil
}

// recordFailure records a failed attempt of e: pending with the next
// attempt after the backoff, or failed for good when the failure is
// permanent or the entry has waited GiveUpAfter.
func recordFailure(ctx context.Context, d Deps, e *outbox.Entry, cause error) (Attempt, error) {
	now := d.now()
	class := errclass.Of(cause)
	a := Attempt{EntryID: e.ID, State: outbox.StatePending, Err: cause}
	msg := cause.Error()
	switch {
	case class == errclass.Permanent:
		a.State = outbox.StateFailed
	case now.Sub(e.QueuedAt) >= GiveUpAfter:
		a.State = outbox.StateFailed
		msg = fmt.Sprintf("gave up after %d attempts since %s: %s", e.Attempts+1, e.QueuedAt.UTC().Format(time.RFC3339), msg)
		a.Err = fmt.Errorf("gave up after %d attempts: %w", e.Attempts+1, cause)
	default:
		next := now.Add(RetryDelay(e.Attempts+1, jitter()))
		a.Next = &next
	}
	f := outbox.Failure{Error: msg, Class: string(class), Next: a.Next}
	if err := d.Store.Outbox().MarkAttemptFailed(context.WithoutCancel(ctx), e.ID, f); err != nil {
		return a, err
	}
	d.logger().Warn("outbox: sending failed", "entry", e.ID, "kind", e.Kind, "state", a.State, "class", string(class), "err", msg)
	return a, nil
}

// outgoingOf builds the mail of e, with the activity's documents when it
// attaches them.
func outgoingOf(ctx context.Context, st *store.Store, e *outbox.Entry) (*mailbox.Outgoing, error) {
	m, err := e.Mail()
	if err != nil {
		return nil, errclass.Mark(errclass.Permanent, err)
	}
	out := &mailbox.Outgoing{FromName: m.FromName, From: m.From, To: m.To, Cc: m.Cc, Subject: m.Subject,
		Text: m.Text, HTML: m.HTML, Headers: m.Headers, MessageID: m.MessageID}
	if !m.AttachDocuments || e.ActivityID == nil {
		return out, nil
	}
	act, err := st.GetActivity(ctx, *e.ActivityID)
	if err != nil {
		return nil, storeError(fmt.Errorf("documents of activity %d: %w", *e.ActivityID, err))
	}
	out.Attachments = attachmentsOf(st, act.Documents)
	return out, nil
}

// attachmentsOf attaches docs, read from the blob store while they are
// sent.
func attachmentsOf(st *store.Store, docs []store.Document) []mailbox.Attachment {
	var out []mailbox.Attachment
	for _, doc := range docs {
		key := doc.BlobKey
		if key == "" {
			key = doc.SHA256
		}
		out = append(out, mailbox.Attachment{Name: doc.Name, ContentType: doc.ContentType,
			Open: func() (io.ReadCloser, error) { return st.OpenBlob(key) }})
	}
	return out
}

func (r *RetryReport) add(e *outbox.Entry, a Attempt) {
	r.Attempted++
	what := describe(e)
	switch a.State {
	case outbox.StateSent:
		r.Sent++
		r.Lines = append(r.Lines, fmt.Sprintf("%s: sent as <%s>", what, a.MessageID))
	case outbox.StatePending:
		r.Pending++
		r.Lines = append(r.Lines, fmt.Sprintf("%s: failed again, next attempt at %s: %v", what, a.Next.UTC().Format(time.RFC3339), a.Err))
	default:
		r.Failed++
		r.Lines = append(r.Lines, fmt.Sprintf("%s: failed for good (%s): %v", what, errclass.Of(a.Err), a.Err))
	}
	if a.Warning != "" {
		r.Lines = append(r.Lines, what+": warning: "+a.Warning)
	}
}

// describe names an entry in report lines.
func describe(e *outbox.Entry) string {
	s := fmt.Sprintf("outbox %d (%s", e.ID, strings.ReplaceAll(e.Kind, "_", "-"))
	if e.ActivityID != nil {
		s += fmt.Sprintf(" of activity %d", *e.ActivityID)
	}
	return s + " to " + strings.Join(e.Recipients, ", ") + ")"
}

// newMessageID is a Message-ID for a queued mail, fixed before the first
// attempt so that every retry carries the same one: 128 random bits at
// the sender's domain.
func newMessageID(from string) string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	domain := "wfe.invalid"
	if i := strings.LastIndex(from, "@"); i >= 0 && i < len(from)-1 {
		domain = strings.Trim(from[i+1:], "<> ")
	}
	return hex.EncodeToString(b) + "@" + domain
}

// jitter spreads the retries of many queued mails.
func jitter() float64 { return mrand.Float64() }

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d Deps) node() string {
	if d.Node != "" {
		return d.Node
	}
	h, _ := os.Hostname()
	return fmt.Sprintf("%s:%d", h, os.Getpid())
}
