// Package outbox keeps the outbox of outgoing mail: the forwards and
// automatic answers of mailbox rules, each with its state (pending until
// sent, failed when it cannot be sent), its attempts and the time of the
// next one; and the activities sent with `wfe send`, so that a second send
// of the same activity is noticed.
//
// An entry holds the mail as JSON (addresses, subject, text, headers, its
// Message-ID) and references the activity whose documents it attaches;
// credentials are never stored here, the mail configuration gives them at
// each attempt. The package only stores: when to try again and what
// counts as a permanent failure is decided by the sender (package
// sendmail).
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/wfehq/wfe/store/internal/sqldb"
)

// Kinds of outbox entries.
const (
	KindForward   = "forward"    // ForwardMailAction
	KindAutoReply = "auto_reply" // AutoReplyAction
	KindSend      = "send"       // an activity sent (wfe send, SendMailAction)
	KindWatchdog  = "watchdog"   // a failing source reported to its responsible employee
)

// States of outbox entries.
const (
	// StatePending: waiting for its next attempt (NextAttemptAt).
	StatePending = "pending"
	// StateSent: the server accepted the mail.
	StateSent = "sent"
	// StateFailed: a permanent failure, or retried too long; it is tried
	// again only when someone asks (Requeue).
	StateFailed = "failed"
)

// Message is an outgoing mail as the outbox keeps it: enough to build it
// again for every attempt. Documents are not copied: with
// AttachDocuments the activity's documents are attached.
type Message struct {
	FromName        string            `json:"from_name,omitempty"`
	From            string            `json:"from"`
	To              []string          `json:"to"`
	Cc              []string          `json:"cc,omitempty"`
	Subject         string            `json:"subject"`
	Text            string            `json:"text,omitempty"`
	HTML            string            `json:"html,omitempty"`
	Headers         map[string]string `json:"headers,omitempty"`
	MessageID       string            `json:"message_id"`
	AttachDocuments bool              `json:"attach_documents,omitempty"`
}

// Entry is one mail of the outbox.
type Entry struct {
	ID           int64  `gorm:"primaryKey" json:"id"`
	Kind         string `json:"kind"`
	MailConfigID int64  `json:"mail_config_id"`
	// EmployeeID is the employee the mail is sent for (whose login the
	// configuration may use); nil for none.
	EmployeeID    *int64           `json:"employee_id"`
	ActivityID    *int64           `json:"activity_id"`
	MessageID     string           `json:"message_id"`
	Recipients    sqldb.StringList `gorm:"type:text" json:"recipients"`
	Subject       string           `json:"subject"`
	Message       json.RawMessage  `gorm:"type:text;serializer:json" json:"-"`
	State         string           `json:"state"`
	Attempts      int              `json:"attempts"`
	LastError     string           `json:"last_error"`
	ErrorClass    string           `json:"error_class"`
	QueuedAt      time.Time        `json:"queued_at"`
	NextAttemptAt *time.Time       `json:"next_attempt_at"`
	SentAt        *time.Time       `json:"sent_at"`
	ClaimedBy     string           `json:"-"`
	ClaimedUntil  *time.Time       `json:"-"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

// TableName implements gorm's tabler.
func (Entry) TableName() string { return "outbox" }

// Mail decodes the entry's message.
func (e *Entry) Mail() (Message, error) {
	var m Message
	if len(e.Message) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(e.Message, &m); err != nil {
		return m, fmt.Errorf("outbox entry %d: message: %w", e.ID, err)
	}
	return m, nil
}

// Repo is the outbox part of the store.
type Repo struct{ db *sqldb.DB }

// New returns the outbox of db.
func New(db *sqldb.DB) *Repo { return &Repo{db: db} }

// Add stores a new entry: pending unless e.State says otherwise, queued
// at e.QueuedAt and due at e.NextAttemptAt (both default to now), held
// by e.ClaimedBy until e.ClaimedUntil when set (a sender that attempts it
// at once). The message, recipients and subject come from msg.
func (r *Repo) Add(ctx context.Context, e *Entry, msg Message) error {
	if e.Kind == "" || e.MailConfigID == 0 {
		return fmt.Errorf("add outbox entry: kind and mail configuration are required: %w", sqldb.ErrInvalid)
	}
	data, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("add outbox entry: %w", err)
	}
	now := r.db.Now()
	e.Message, e.MessageID, e.Subject = data, msg.MessageID, msg.Subject
	e.Recipients = append(append(sqldb.StringList{}, msg.To...), msg.Cc...)
	if e.State == "" {
		e.State = StatePending
	}
	if e.QueuedAt.IsZero() {
		e.QueuedAt = now
	}
	if e.State == StatePending && e.NextAttemptAt == nil {
		e.NextAttemptAt = &e.QueuedAt
	}
	e.QueuedAt, e.CreatedAt, e.UpdatedAt = e.QueuedAt.UTC(), now, now
	e.NextAttemptAt, e.SentAt, e.ClaimedUntil = utc(e.NextAttemptAt), utc(e.SentAt), utc(e.ClaimedUntil)
	return sqldb.Translate(r.db.WithContext(ctx).Omit("id").Create(e).Error, "add outbox entry")
}

// Get loads one entry.
func (r *Repo) Get(ctx context.Context, id int64) (*Entry, error) {
	var e Entry
	if err := r.db.WithContext(ctx).Where("id = ?", id).Take(&e).Error; err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("outbox entry %d", id))
	}
	return &e, nil
}

// Filter selects entries for List (newest first).
type Filter struct {
	State      string // "" = every state
	Kind       string // "" = every kind
	ActivityID int64  // 0 = any
	Limit      int    // 0 = no limit
}

// List returns entries, newest first.
func (r *Repo) List(ctx context.Context, f Filter) ([]Entry, error) {
	q := r.db.WithContext(ctx).Order("id DESC")
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", f.Kind)
	}
	if f.ActivityID != 0 {
		q = q.Where("activity_id = ?", f.ActivityID)
	}
	if f.Limit > 0 {
		q = q.Limit(f.Limit)
	}
	var out []Entry
	return out, sqldb.Translate(q.Find(&out).Error, "list outbox")
}

// Due returns the pending entries whose next attempt is at or before now
// and that nobody holds, oldest first; mailConfigIDs narrows them (none:
// every configuration).
func (r *Repo) Due(ctx context.Context, now time.Time, mailConfigIDs []int64, limit int) ([]Entry, error) {
	now = now.UTC()
	q := r.db.WithContext(ctx).Where("state = ? AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until < ?)",
		StatePending, now, now).Order("next_attempt_at, id")
	if len(mailConfigIDs) > 0 {
		q = q.Where("mail_config_id IN ?", mailConfigIDs)
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	var out []Entry
	return out, sqldb.Translate(q.Find(&out).Error, "due outbox entries")
}

// Claim takes the pending entry id for an attempt by node until until;
// false when it is not pending or someone else holds it. Only the holder
// of a claim sends, so two processes never send the same entry at once.
func (r *Repo) Claim(ctx context.Context, id int64, node string, now, until time.Time) (bool, error) {
	now, until = now.UTC(), until.UTC()
	res := r.db.WithContext(ctx).Model(&Entry{}).
		Where("id = ? AND state = ? AND (claimed_until IS NULL OR claimed_until < ?)", id, StatePending, now).
		Updates(map[string]any{"claimed_by": node, "claimed_until": until, "updated_at": r.db.Now()})
	if res.Error != nil {
		return false, sqldb.Translate(res.Error, fmt.Sprintf("claim outbox entry %d", id))
	}
	return res.RowsAffected == 1, nil
}

// MarkSent records that the server accepted the entry's mail.
func (r *Repo) MarkSent(ctx context.Context, id int64, messageID string, at time.Time) error {
	at = at.UTC()
	res := r.db.WithContext(ctx).Model(&Entry{}).Where("id = ?", id).Updates(map[string]any{
		"state": StateSent, "message_id": messageID, "sent_at": at, "attempts": gorm.Expr("attempts + 1"),
		"last_error": "", "error_class": "", "next_attempt_at": nil, "claimed_by": "", "claimed_until": nil, "updated_at": r.db.Now(),
	})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("outbox entry %d", id))
}

// Failure is the outcome of a failed attempt.
type Failure struct {
	Error string
	Class string
	// Next is the time of the next attempt; nil marks the entry failed
	// (no more attempts unless requeued).
	Next *time.Time
}

// MarkAttemptFailed records a failed attempt and releases the claim.
func (r *Repo) MarkAttemptFailed(ctx context.Context, id int64, f Failure) error {
	state := StatePending
	if f.Next == nil {
		state = StateFailed
	}
	res := r.db.WithContext(ctx).Model(&Entry{}).Where("id = ?", id).Updates(map[string]any{
		"state": state, "attempts": gorm.Expr("attempts + 1"), "last_error": f.Error, "error_class": f.Class,
		"next_attempt_at": utc(f.Next), "claimed_by": "", "claimed_until": nil, "updated_at": r.db.Now(),
	})
	return sqldb.RowsOrNotFound(res.Error, res.RowsAffected, fmt.Sprintf("outbox entry %d", id))
}

// Requeue makes failed entries pending again, due at now, queued anew
// at now (the retry period starts again); ids selects them (none: every
// failed entry). It returns how many were requeued. Sent entries are
// never requeued.
func (r *Repo) Requeue(ctx context.Context, now time.Time, ids []int64) (int64, error) {
	now = now.UTC()
	q := r.db.WithContext(ctx).Model(&Entry{}).Where("state = ?", StateFailed)
	if len(ids) > 0 {
		q = q.Where("id IN ?", ids)
	}
	res := q.Updates(map[string]any{"state": StatePending, "next_attempt_at": now, "queued_at": now, "updated_at": r.db.Now()})
	return res.RowsAffected, sqldb.Translate(res.Error, "requeue outbox entries")
}

// LastSent returns the latest sent entry of kind for the activity; nil
// when there is none.
func (r *Repo) LastSent(ctx context.Context, kind string, activityID int64) (*Entry, error) {
	var out []Entry
	err := r.db.WithContext(ctx).Where("kind = ? AND activity_id = ? AND state = ?", kind, activityID, StateSent).
		Order("sent_at DESC, id DESC").Limit(1).Find(&out).Error
	if err != nil {
		return nil, sqldb.Translate(err, fmt.Sprintf("sent mail of activity %d", activityID))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

// PendingTo reports whether a pending entry of kind of the configuration
// goes to recipient (an automatic answer waiting for its retry counts as
// given).
func (r *Repo) PendingTo(ctx context.Context, kind string, mailConfigID int64, recipient string) (bool, error) {
	var lists []sqldb.StringList
	err := r.db.WithContext(ctx).Model(&Entry{}).Where("kind = ? AND mail_config_id = ? AND state = ?", kind, mailConfigID, StatePending).
		Pluck("recipients", &lists).Error
	if err != nil {
		return false, sqldb.Translate(err, "pending outbox entries")
	}
	recipient = strings.ToLower(strings.TrimSpace(recipient))
	for _, l := range lists {
		for _, a := range l {
			if strings.EqualFold(a, recipient) {
				return true, nil
			}
		}
	}
	return false, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
