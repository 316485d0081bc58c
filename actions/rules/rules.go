// Package rules holds the Postfach-Manager's mailbox rules (docs/REQUIREMENTS.md R16) as
// workflow actions an admin combines in customised workflows:
//
//   - ImportMailsByRuleAction: matching mails become activities (default
//     EMAILEINGANG, open) with their attached documents;
//   - ForwardMailAction: matching mails are imported and forwarded over
//     SMTP to an employee or a distribution list;
//   - AutoReplyAction: matching mails are imported and answered with a
//     preset text, following RFC 3834 (never to machine-sent mail, never
//     to our own addresses, at most one answer per sender per day);
//   - TicketLinkAction: mails whose subject carries a support ticket number
//     are imported and linked to that ticket.
//
// Every rule action reads the unseen mail of one mail configuration on
// the import pipeline of package mailimport and selects mails with the
// expression parameter Rule over `mail` (conditions.Mail: from, to, cc,
// subject, header(name)), e.g.
// `mail.from == "boss@example.com" && mail.subject contains "Angebot"`.
// The rule is compiled when the workflow is compiled (a broken rule is an
// import error with its position); an empty rule selects every mail. A
// mail the rule does not select is left unseen in the folder, untouched,
// for other rules and importers. Work that talks to servers (forwarding,
// answering) runs only after the activity was committed and the mail
// moved, and never in a dry run. What they send goes through the outbox:
// a failure that may pass (server busy, network) is retried with backoff
// by the next run of a rule of the same configuration (which first sends
// what is due), by wfe import-mail and by wfe outbox retry.
package rules

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/actions/mailparse"
	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// Action names as workflows write them.
const (
	ImportName    = "ImportMailsByRuleAction"
	ForwardName   = "ForwardMailAction"
	AutoReplyName = "AutoReplyAction"
	TicketName    = "TicketLinkAction"
)

// DefaultTicketPattern finds a support ticket number in a subject; the
// first group is the number.
const DefaultTicketPattern = `\[Ticket#(\d{4}-\d{5})\]`

// Register adds the rule actions to reg. With a nil deps.Store they
// compile and list, and fail at run time.
func Register(reg *engine.Registry, deps mailimport.Deps) {
	reg.RegisterAction(&ImportByRule{base{deps}})
	reg.RegisterAction(&Forward{base{deps}})
	reg.RegisterAction(&AutoReply{base: base{deps}})
	reg.RegisterAction(&TicketLink{base{deps}})
}

// base holds what every rule action shares: the parameters, the compiled
// rules and the run on the import pipeline.
type base struct {
	Deps mailimport.Deps
}

// commonParams are the parameters of every rule action.
func commonParams(typ, status string) []engine.Param {
	return []engine.Param{
		{Name: "SessionId", Type: engine.TypeString, Description: "login of the employee the rule runs as; empty = the run-as user of the run"},
		{Name: "MailConfigMatchCode", Type: engine.TypeString, Required: true, Description: "match code of the mailbox's mail configuration"},
		{Name: "Rule", Type: engine.TypeString, Description: `expression over mail (from, to, cc, subject, header(name)) selecting the mails, e.g. mail.from == "boss@example.com"; empty = every mail`},
		{Name: "ActivityType", Type: engine.TypeString, Default: typ, Description: "activity type of the imported mails"},
		{Name: "ActivityStatus", Type: engine.TypeString, Default: status, Description: "activity status: O (open) or E (done); S_ACTSTATUS-O / S_ACTSTATUS-E are accepted"},
		{Name: "Folder", Type: engine.TypeString, Default: "INBOX", Description: "folder to read"},
		{Name: "BatchSize", Type: engine.TypeInteger, Default: strconv.Itoa(mailimport.DefaultBatchSize), Description: "mails committed and moved together"},
		{Name: "DryRun", Type: engine.TypeBoolean, Default: "false", Description: "only list what would be done; change nothing and send nothing"},
	}
}

var ruleCache sync.Map // source -> *conditions.MailRule

// compileRule compiles a rule once per source ("" gives nil: every mail).
func compileRule(src string) (*conditions.MailRule, error) {
	if strings.TrimSpace(src) == "" {
		return nil, nil
	}
	if r, ok := ruleCache.Load(src); ok {
		return r.(*conditions.MailRule), nil
	}
	r, err := conditions.CompileMailRule(src)
	if err != nil {
		return nil, err
	}
	ruleCache.Store(src, r)
	return r, nil
}

// checkRule implements the Rule part of engine.LiteralChecker.
func checkRule(param string, value any) error {
	if param != "Rule" {
		return nil
	}
	s, _ := value.(string)
	_, err := compileRule(s)
	return err
}

// MailEnv is the rule environment of a parsed mail.
func MailEnv(m *mailparse.Mail) conditions.Mail {
	env := conditions.Mail{From: strings.ToLower(m.From.Addr), Subject: m.Subject, Header: m.Header, To: []string{}, Cc: []string{}}
	for _, a := range m.To {
		env.To = append(env.To, strings.ToLower(a.Addr))
	}
	for _, a := range m.Cc {
		env.Cc = append(env.Cc, strings.ToLower(a.Addr))
	}
	return env
}

// job is one run of a rule action: what the specific action adds to the
// common import of a selected mail.
type job struct {
	cfg  *store.MailConfig
	emp  *store.Employee
	call *engine.Call
	// then completes the decision for a selected mail (nil: plain import).
	then func(ctx context.Context, in *mailimport.Input, dec *mailimport.Decision) error
	// leaveUnless, when set, leaves a selected mail unless it returns "".
	leaveUnless func(in *mailimport.Input) string
}

// prepare resolves the configuration and the run-as employee.
func (b *base) prepare(ctx context.Context, name string, call *engine.Call) (*job, error) {
	st := b.Deps.Store
	if st == nil {
		return nil, engine.Permanent(fmt.Errorf("%s: %w", name, mailimport.ErrNoStore))
	}
	cfg, err := mailimport.ResolveConfig(ctx, st, call.String("MailConfigMatchCode"))
	if err != nil {
		return nil, err
	}
	login := call.String("SessionId")
	if login == "" {
		login = call.RunAs()
	}
	emp, err := mailimport.ResolveEmployee(ctx, st, login)
	if err != nil {
		return nil, err
	}
	return &job{cfg: cfg, emp: emp, call: call}, nil
}

// run imports the selected mails of the job's configuration.
func (b *base) run(ctx context.Context, j *job) error {
	call := j.call
	rule, err := compileRule(call.String("Rule"))
	if err != nil {
		return engine.Permanent(err)
	}
	if !call.DryRun() && !call.Bool("DryRun") {
		b.retryOutbox(ctx, j)
	}
	typ := strings.TrimSpace(call.String("ActivityType"))
	status := mailimport.NormalizeStatus(call.String("ActivityStatus"))
	m := mailimport.MapperFunc(func(ctx context.Context, in *mailimport.Input) (mailimport.Decision, error) {
		var why string
		if rule != nil {
			ok, err := rule.Match(MailEnv(in.Mail))
			if err != nil {
				return mailimport.Decision{Kind: mailimport.Leave, Reason: err.Error()}, nil
			}
			if !ok {
				return mailimport.Decision{Kind: mailimport.Leave, Reason: "rule does not select it: " + rule.Source}, nil
			}
			why = "rule selected the mail: " + rule.Source
		}
		if j.leaveUnless != nil {
			if reason := j.leaveUnless(in); reason != "" {
				return mailimport.Decision{Kind: mailimport.Leave, Reason: reason}, nil
			}
		}
		dec, err := mailimport.IncomingMapper{Type: typ, Status: status}.Map(ctx, in)
		if err != nil {
			return dec, err
		}
		if why != "" {
			dec.Activity.MatchExplanation = append([]string{why}, dec.Activity.MatchExplanation...)
		}
		if j.then != nil {
			if err := j.then(ctx, in, &dec); err != nil {
				return dec, err
			}
		}
		return dec, nil
	})
	p := &mailimport.Pipeline{Deps: b.Deps, Mapper: m}
	_, err = mailimport.RunForCall(ctx, call, p, mailimport.Request{Config: j.cfg, RunAs: j.emp})
	return err
}

var importOutputs = []engine.Output{{Name: "ImportResult", Type: engine.TypeWorkSpace, Description: "the imported activities and per-mail outcomes; close it with CloseWorkSpaceAction"}}

// ImportByRule is ImportMailsByRuleAction: selected mails become
// activities (default incoming mail, open) with their documents.
type ImportByRule struct{ base }

var (
	_ engine.Action         = (*ImportByRule)(nil)
	_ engine.LiteralChecker = (*ImportByRule)(nil)
)

// Spec implements engine.Action.
func (a *ImportByRule) Spec() engine.ActionSpec {
	return engine.ActionSpec{
		Name:        ImportName,
		Description: "Mailbox rule: imports the mails the Rule selects as activities (default EMAILEINGANG, open) with their attached documents; other mails stay unseen in the folder.",
		Params:      commonParams(store.TypeMailIn, store.StatusOpen),
		Outputs:     importOutputs,
	}
}

// CheckLiteral implements engine.LiteralChecker.
func (a *ImportByRule) CheckLiteral(param string, value any) error { return checkRule(param, value) }

// Run implements engine.Action.
func (a *ImportByRule) Run(ctx context.Context, call *engine.Call) error {
	j, err := a.prepare(ctx, ImportName, call)
	if err != nil {
		return err
	}
	return a.run(ctx, j)
}
