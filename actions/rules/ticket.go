package rules

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// TicketLink is TicketLinkAction: a mail whose subject carries a support
// ticket number (Pattern; its first group, else the whole match, is the
// number) is imported and linked to that ticket. Mails without a number
// stay in the folder for other rules. A number no ticket has is imported
// unlinked, and the explanation says so.
type TicketLink struct{ base }

var (
	_ engine.Action         = (*TicketLink)(nil)
	_ engine.LiteralChecker = (*TicketLink)(nil)
)

// Spec implements engine.Action.
func (a *TicketLink) Spec() engine.ActionSpec {
	params := append(commonParams(store.TypeMailIn, store.StatusOpen),
		engine.Param{Name: "Pattern", Type: engine.TypeString, Default: DefaultTicketPattern, Description: "regular expression finding the ticket number in the subject; its first group is the number"},
	)
	return engine.ActionSpec{
		Name:        TicketName,
		Description: "Mailbox rule: imports mails whose subject carries a support ticket number as activities linked to that ticket; other mails stay in the folder.",
		Params:      params,
		Outputs:     importOutputs,
	}
}

var patternCache sync.Map // source -> *regexp.Regexp

func compilePattern(src string) (*regexp.Regexp, error) {
	if strings.TrimSpace(src) == "" {
		return nil, errors.New("empty ticket pattern")
	}
	if re, ok := patternCache.Load(src); ok {
		return re.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, fmt.Errorf("ticket pattern: %w", err)
	}
	patternCache.Store(src, re)
	return re, nil
}

// CheckLiteral implements engine.LiteralChecker.
func (a *TicketLink) CheckLiteral(param string, value any) error {
	if param == "Pattern" {
		s, _ := value.(string)
		_, err := compilePattern(s)
		return err
	}
	return checkRule(param, value)
}

// TicketNumber returns the ticket number re finds in subject ("" for none).
func TicketNumber(re *regexp.Regexp, subject string) string {
	m := re.FindStringSubmatch(subject)
	switch {
	case m == nil:
		return ""
	case len(m) > 1:
		return m[1]
	}
	return m[0]
}

// Run implements engine.Action.
func (a *TicketLink) Run(ctx context.Context, call *engine.Call) error {
	j, err := a.prepare(ctx, TicketName, call)
	if err != nil {
		return err
	}
	re, err := compilePattern(call.String("Pattern"))
	if err != nil {
		return engine.Permanent(err)
	}
	j.leaveUnless = func(in *mailimport.Input) string {
		if TicketNumber(re, in.Mail.Subject) == "" {
			return "no ticket number in the subject (pattern " + re.String() + ")"
		}
		return ""
	}
	j.then = func(ctx context.Context, in *mailimport.Input, dec *mailimport.Decision) error {
		no := TicketNumber(re, in.Mail.Subject)
		t, err := in.Store.TicketByNumber(ctx, no)
		if errors.Is(err, store.ErrNotFound) {
			dec.Activity.MatchExplanation = append(dec.Activity.MatchExplanation, fmt.Sprintf("ticket %s: no such ticket, not linked", no))
			return nil
		}
		if err != nil {
			return err
		}
		id := t.ID
		dec.Activity.TicketID = &id
		dec.Activity.MatchExplanation = append(dec.Activity.MatchExplanation, fmt.Sprintf("linked to ticket %s (%d: %s)", t.Number, t.ID, t.Subject))
		return nil
	}
	return a.run(ctx, j)
}
