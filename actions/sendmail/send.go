// Package sendmail sends CRM activities as mail over SMTP: SendMailAction
// for workflows and Send for the command line (`wfe send`). An activity of
// the fax activity type goes to the fax server instead (docs/REQUIREMENTS.md R29, R30).
//
// The mail configuration gives the SMTP server, its security, the login
// (password or OAuth2 XOAUTH2, see package mailconn) and the sender: the
// From address is the configuration's user name when it is an address,
// else the run-as employee's e-mail address or groupware login, else the
// activity's sender; the configuration's display name is the From name
// (docs/REQUIREMENTS.md R24). To and Cc are the activity's recipients, the subject, text
// and HTML its own, and its documents are attached, streamed from the
// blob store. After the server accepted the mail its Message-ID is
// recorded as the activity's global id, and an activity with an external
// recipient gets the GroupwareLock (docs/REQUIREMENTS.md R25, R28).
package sendmail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	netmail "net/mail"
	"strings"
	"time"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/mailbox"
	"github.com/wfehq/wfe/store"
)

// ErrNoStore: the action was registered without a store.
var ErrNoStore = errors.New("no store configured")

// ErrNoRecipient: the activity names nobody to send it to.
var ErrNoRecipient = errors.New("no recipient")

// Deps are what sending needs.
type Deps struct {
	Store  *store.Store
	Logger *slog.Logger     // nil: slog.Default()
	Now    func() time.Time // nil: time.Now
	// Timeout overrides the SMTP dial and command timeout (0: mailbox's).
	Timeout time.Duration
	// Node names this process as the holder of the outbox entries it
	// sends ("" = hostname:pid).
	Node string
}

func (d Deps) logger() *slog.Logger {
	if d.Logger != nil {
		return d.Logger
	}
	return slog.Default()
}

// Request says which activity to send and how.
type Request struct {
	ActivityID int64
	// MatchCode names the mail configuration to send with; empty means the
	// configuration the activity belongs to (its mail configuration id).
	MatchCode string
	// RunAs is the employee the mail is sent for (nil: none); it gives the
	// credentials when the configuration leaves them to the employee.
	RunAs *store.Employee
	// FaxNumber, for a fax, is used instead of the contact's or partner's
	// number (the user typed it in place of the placeholder, docs/REQUIREMENTS.md R30).
	FaxNumber string
	// DryRun composes the mail and reports it without sending or changing
	// anything.
	DryRun bool
	// Again sends an activity that was sent before; without it such a
	// send fails with ErrAlreadySent.
	Again bool
}

// Result is what was sent.
type Result struct {
	ActivityID  int64    `json:"activity_id"`
	MailConfig  string   `json:"mail_config"`
	MessageID   string   `json:"message_id,omitempty"`
	FromName    string   `json:"from_name,omitempty"`
	From        string   `json:"from"`
	To          []string `json:"to"`
	Cc          []string `json:"cc"`
	Subject     string   `json:"subject"`
	Attachments []string `json:"attachments"`
	// Fax: the activity is of the fax activity type and went to the fax
	// server; FaxSource names whose number was used.
	Fax       bool   `json:"fax"`
	FaxSource string `json:"fax_source,omitempty"`
	// Locked: the activity got the GroupwareLock (external recipient).
	Locked bool `json:"groupware_lock"`
	DryRun bool `json:"dry_run,omitempty"`
	// Warnings are things the sender should know (the mail went out).
	Warnings []string `json:"warnings,omitempty"`
}

// Summary is a one-line account of r.
func (r *Result) Summary() string {
	what := "mail"
	if r.Fax {
		what = "fax (number of " + r.FaxSource + ")"
	}
	rcpt := strings.Join(append(append([]string(nil), r.To...), r.Cc...), ", ")
	if r.DryRun {
		return fmt.Sprintf("dry run: activity %d would go as %s via mail configuration %s from %s to %s with %d attachment(s)",
			r.ActivityID, what, r.MailConfig, r.From, rcpt, len(r.Attachments))
	}
	lock := ""
	if r.Locked {
		lock = "; external recipient: GroupwareLock set"
	}
	return fmt.Sprintf("sent activity %d as %s <%s> via mail configuration %s from %s to %s with %d attachment(s)%s",
		r.ActivityID, what, r.MessageID, r.MailConfig, r.From, rcpt, len(r.Attachments), lock)
}

// Send sends one activity. Errors carry their class (errclass): a
// temporary SMTP failure (4xx, network) is retryable; bad credentials,
// locked configuration, refused recipient, missing fax number are
// permanent; a transport failure of no known kind stays unclassified.
// An activity sent before (by Send or SendMailAction, as the outbox
// records) is refused with ErrAlreadySent unless req.Again is set. Once
// the server has accepted the mail no error is returned for the
// bookkeeping that follows (Message-ID, lock, the outbox's record of the
// send); it shows in Result.Warnings, so a retry never sends the mail
// twice.
func Send(ctx context.Context, d Deps, req Request) (*Result, error) {
	st := d.Store
	if st == nil {
		return nil, engine.Permanent(fmt.Errorf("send activity %d: %w", req.ActivityID, ErrNoStore))
	}
	act, err := st.GetActivity(ctx, req.ActivityID)
	if err != nil {
		return nil, storeError(err)
	}
	cfg, err := resolveConfig(ctx, st, req.MatchCode, act)
	if err != nil {
		return nil, err
	}
	set, err := st.Settings(ctx)
	if err != nil {
		return nil, engine.Retryable(err)
	}
	warning, err := checkNotSent(ctx, st, act.ID, req.Again, req.DryRun)
	if err != nil {
		return nil, err
	}
	msg, res, err := compose(ctx, st, set, cfg, req, act)
	if err != nil {
		return nil, engine.Permanent(fmt.Errorf("send activity %d: %w", act.ID, err))
	}
	if req.DryRun {
		res.DryRun = true
		if warning != "" {
			res.Warnings = append(res.Warnings, warning)
		}
		return res, nil
	}
	id, err := transmit(ctx, d, cfg, req.RunAs, msg)
	if err != nil {
		return nil, fmt.Errorf("send activity %d: %w", act.ID, err) // the transport error carries its class
	}
	res.MessageID = id
	recipients := append(append([]string(nil), res.To...), res.Cc...)
	res.Locked = set.IsExternal(recipients...) && locksType(set, act.Type) && !act.GroupwareLock
	record(ctx, st, act, res)
	recordSent(ctx, st, cfg, req.RunAs, act, res, d.now())
	d.logger().Info("activity sent", "activity", act.ID, "mail_config", cfg.MatchCode, "message_id", id,
		"recipients", len(recipients), "attachments", len(res.Attachments), "fax", res.Fax, "groupware_lock", res.Locked)
	return res, nil
}

// record writes the Message-ID and the lock onto the sent activity. The
// mail is out: failures become warnings.
func record(ctx context.Context, st *store.Store, act *store.ActivityDetail, res *Result) {
	ctx = context.WithoutCancel(ctx)
	ch := store.ActivityChanges{GlobalID: &res.MessageID}
	if res.Locked {
		lock := true
		ch.GroupwareLock = &lock
	}
	err := st.UpdateActivity(ctx, act.ID, ch)
	if errors.Is(err, store.ErrGroupwareLocked) {
		// a write-protected meeting keeps its global id
		ch.GlobalID = nil
		err = st.UpdateActivity(ctx, act.ID, ch)
		res.Warnings = append(res.Warnings, fmt.Sprintf("activity %d is write-protected: its global id %s was kept, the new Message-ID is %s", act.ID, act.GlobalID, res.MessageID))
	}
	if err != nil {
		res.Locked = false
		res.Warnings = append(res.Warnings, fmt.Sprintf("the mail was sent as <%s> but recording it on activity %d failed: %v", res.MessageID, act.ID, err))
	}
}

// locksType: GroupwareLockPreferences.lockMail / lockMeetingRequest (docs/REQUIREMENTS.md R28).
func locksType(set store.Settings, actType string) bool {
	if store.IsMeetingType(actType) {
		return set.LockMeetingRequest
	}
	return set.LockMail
}

func storeError(err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrConflict) {
		return engine.Permanent(err)
	}
	return engine.Retryable(err)
}

// resolveConfig finds the mail configuration: by match code (exactly one
// must have it), else the activity's own.
func resolveConfig(ctx context.Context, st *store.Store, matchCode string, act *store.ActivityDetail) (*store.MailConfig, error) {
	if mc := strings.TrimSpace(matchCode); mc != "" {
		cfg, err := st.MailConfigByMatchCode(ctx, mc)
		if err != nil {
			return nil, storeError(fmt.Errorf("send activity %d: %w", act.ID, err))
		}
		return cfg, nil
	}
	if act.MailConfigID == nil {
		return nil, engine.Permanent(fmt.Errorf("send activity %d: no mail configuration: the activity belongs to none, so name one (MailConfigMatchCode, --config)", act.ID))
	}
	cfg, err := st.GetMailConfig(ctx, *act.MailConfigID)
	if err != nil {
		return nil, storeError(fmt.Errorf("send activity %d: its mail configuration: %w", act.ID, err))
	}
	return cfg, nil
}

// compose builds the outgoing mail of act (a fax when its type is the fax
// activity type).
func compose(ctx context.Context, st *store.Store, set store.Settings, cfg *store.MailConfig, req Request, act *store.ActivityDetail) (*mailbox.Outgoing, *Result, error) {
	from, err := senderAddress(cfg, req.RunAs, act)
	if err != nil {
		return nil, nil, err
	}
	msg := &mailbox.Outgoing{FromName: cfg.DisplayName, From: from, Subject: oneLine(act.Subject)}
	res := &Result{ActivityID: act.ID, MailConfig: cfg.MatchCode, FromName: cfg.DisplayName, From: from, Subject: msg.Subject}
	if IsFax(set, act.Type) {
		var addr, source string
		if strings.TrimSpace(req.FaxNumber) != "" {
			source = "the number given"
			addr, err = faxTo(set, act, req.FaxNumber)
		} else {
			addr, source, err = FaxAddress(ctx, st, set, act)
		}
		if err != nil {
			return nil, nil, err
		}
		msg.To = []string{addr}
		res.Fax, res.FaxSource = true, source
	} else {
		msg.To, msg.Cc = nonEmpty(act.To), nonEmpty(act.Cc)
		msg.Text, msg.HTML = act.Text, act.HTML
		if len(msg.To)+len(msg.Cc) == 0 {
			return nil, nil, fmt.Errorf("activity %d has no To or Cc recipient: %w", act.ID, ErrNoRecipient)
		}
	}
	msg.Attachments = attachmentsOf(st, act.Documents)
	for _, doc := range act.Documents {
		res.Attachments = append(res.Attachments, doc.Name)
	}
	res.To, res.Cc = nonNil(msg.To), nonNil(msg.Cc)
	res.Attachments = nonNil(res.Attachments)
	return msg, res, nil
}

// senderAddress is the From address: the configuration's user name when
// it is an address, else the employee's e-mail address or groupware login,
// else the activity's sender.
func senderAddress(cfg *store.MailConfig, emp *store.Employee, act *store.ActivityDetail) (string, error) {
	cands := []string{cfg.UserName}
	if emp != nil {
		cands = append(cands, emp.Email, emp.GroupwareLogin)
	}
	cands = append(cands, act.Sender)
	for _, c := range cands {
		if a, err := netmail.ParseAddress(strings.TrimSpace(c)); err == nil && strings.Contains(a.Address, "@") {
			return a.Address, nil
		}
	}
	who := "no run-as employee"
	if emp != nil {
		who = "employee " + emp.Login + " has no e-mail address"
	}
	return "", fmt.Errorf("no sender address: the user name of mail configuration %s is not an address, %s, and activity %d has no sender", cfg.MatchCode, who, act.ID)
}

func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}

func nonEmpty(l []string) []string {
	var out []string
	for _, s := range l {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}
