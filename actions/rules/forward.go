package rules

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
	"github.com/wfehq/wfe/store/outbox"
)

// Forward is ForwardMailAction: the mails the Rule selects are imported
// and forwarded, with their documents, to an employee or a distribution
// list over the configuration's SMTP server.
type Forward struct{ base }

var (
	_ engine.Action         = (*Forward)(nil)
	_ engine.LiteralChecker = (*Forward)(nil)
)

// Spec implements engine.Action.
func (a *Forward) Spec() engine.ActionSpec {
	params := append(commonParams(store.TypeMailIn, store.StatusOpen),
		engine.Param{Name: "ForwardTo", Type: engine.TypeString, Required: true, Description: "addresses (comma separated) of the employee or distribution list to forward to"},
		engine.Param{Name: "From", Type: engine.TypeString, Description: "sender address of the forwarded mail; empty = the configuration's user name when it is an address"},
	)
	return engine.ActionSpec{
		Name:        ForwardName,
		Description: "Mailbox rule: imports the mails the Rule selects as activities and forwards them with their documents to an employee or distribution list over SMTP.",
		Params:      params,
		Outputs:     importOutputs,
	}
}

// CheckLiteral implements engine.LiteralChecker: the rule compiles and
// ForwardTo holds addresses.
func (a *Forward) CheckLiteral(param string, value any) error {
	if param == "ForwardTo" {
		s, _ := value.(string)
		_, err := addressList(s)
		return err
	}
	if param == "From" {
		if s, _ := value.(string); strings.TrimSpace(s) != "" {
			_, err := addressList(s)
			return err
		}
	}
	return checkRule(param, value)
}

// addressList parses comma or semicolon separated addresses.
func addressList(s string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		a, err := mail.ParseAddress(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an e-mail address", f)
		}
		out = append(out, strings.ToLower(a.Address))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no address given")
	}
	return out, nil
}

// senderAddress is the From of mail the rules send: the parameter, else
// the configuration's user name when it is an address.
func senderAddress(cfg *store.MailConfig, param string) (string, error) {
	if strings.TrimSpace(param) != "" {
		l, err := addressList(param)
		if err != nil {
			return "", engine.Permanent(fmt.Errorf("parameter From: %w", err))
		}
		return l[0], nil
	}
	if u := strings.TrimSpace(cfg.UserName); strings.Contains(u, "@") {
		return strings.ToLower(u), nil
	}
	return "", engine.Permanent(fmt.Errorf("mail configuration %s: its user name %q is no address: give the parameter From", cfg.MatchCode, cfg.UserName))
}

// Run implements engine.Action.
func (a *Forward) Run(ctx context.Context, call *engine.Call) error {
	j, err := a.prepare(ctx, ForwardName, call)
	if err != nil {
		return err
	}
	to, err := addressList(call.String("ForwardTo"))
	if err != nil {
		return engine.Permanent(fmt.Errorf("parameter ForwardTo: %w", err))
	}
	from, err := senderAddress(j.cfg, call.String("From"))
	if err != nil {
		return err
	}
	j.then = func(ctx context.Context, in *mailimport.Input, dec *mailimport.Decision) error {
		dec.Activity.MatchExplanation = append(dec.Activity.MatchExplanation, "forward to "+strings.Join(to, ", "))
		m := in.Mail
		original := fmt.Sprintf("---------- Forwarded message ----------\nFrom: %s\nDate: %s\nSubject: %s\nTo: %s\n\n",
			m.From.String(), formatDate(m.Date), m.Subject, joinAddrs(dec.Activity.To))
		text := original + m.Text
		subject := m.Subject
		dec.AfterCommit = func(ctx context.Context, activityID int64) error {
			msg := outbox.Message{FromName: j.cfg.DisplayName, From: from, To: to, Subject: prefixed("Fwd: ", subject), Text: text, AttachDocuments: true}
			what := fmt.Sprintf("activity %d: forward of %q to %s", activityID, subject, strings.Join(to, ", "))
			_, err := a.send(ctx, j, outbox.KindForward, activityID, msg, what)
			return err
		}
		return nil
	}
	return a.run(ctx, j)
}

func prefixed(prefix, subject string) string {
	if strings.HasPrefix(strings.ToLower(subject), strings.ToLower(prefix)) {
		return subject
	}
	return prefix + subject
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC1123Z)
}

func joinAddrs(l []string) string { return strings.Join(l, ", ") }
