// Package bccimport is the Postfach-Manager's BCC importer (docs/REQUIREMENTS.md R13–R15):
// ImportMailsByBCCAction, run by the shipped workflow WKF_ImportMailsByBCC.
//
// Employees put a collector mailbox (mail configuration BCCIMPORTER) in
// BCC of the mails they send to customers. The importer reads that mailbox
// on the import pipeline of package mailimport and turns each copy into an
// outgoing-mail activity (MAILAUS, done) linked to the customers' contacts:
//
//   - the sender (From) must be an employee (address compared
//     case-insensitively), else the mail is quarantined with the reason
//     "sender x@y is no employee";
//   - an envelope recipient (Delivered-To, X-Original-To) that is not this
//     collector's address means the copy was meant for another collector:
//     the mail is skipped ("skipped: envelope recipient ...") and moved to
//     the import folder, so it is not looked at again;
//   - a mail whose recipients all lie in the internal domains is skipped
//     ("skipped: internal domain") unless the run-as employee's preference
//     "import internal mails" is on;
//   - every To/Cc recipient outside the internal domains is looked up as a
//     contact; with SearchPk only contacts that the stored ExtendedSearch
//     accepts are linked (with their business partners);
//   - every decision is written into the activity's match explanation, one
//     line per address ("linked a@x: contact 17 ... of partner Müller GmbH
//     (Lieferant)", "not linked b@y: no contact", "not linked c@z: excluded
//     by ExtendedSearch ..."); `wfe activity show ID` prints it. Skipped
//     and quarantined mails carry their reason in the import ledger and the
//     run record;
//   - a mail with no linked contact still becomes an activity, marked
//     unassigned;
//   - the activity is created by and delegated to and by the run-as user
//     (docs/REQUIREMENTS.md R11); the run-as employee's import folder preference, when
//     set, overrides the configuration's import folder.
package bccimport

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// Names as workflows write them.
const (
	ActionName       = "ImportMailsByBCCAction"
	DefaultMatchCode = "BCCIMPORTER"
	DefaultType      = store.TypeMailOut
	DefaultStatus    = "S_ACTSTATUS-E"
)

// Register adds ImportMailsByBCCAction to reg. With a nil deps.Store the
// action compiles and lists, and fails at run time; with a store, an
// unknown SearchPk literal is a compile error.
func Register(reg *engine.Registry, deps mailimport.Deps) {
	reg.RegisterAction(&Action{Deps: deps})
}

// Action is ImportMailsByBCCAction.
type Action struct {
	Deps mailimport.Deps
}

var (
	_ engine.Action         = (*Action)(nil)
	_ engine.LiteralChecker = (*Action)(nil)
)

// Spec implements engine.Action.
func (a *Action) Spec() engine.ActionSpec {
	return engine.ActionSpec{
		Name: ActionName,
		Description: "Postfach-Manager: imports the mails employees sent with the collector mailbox in BCC as activities " +
			"linked to the recipients' contacts (sender must be an employee; optional ExtendedSearch check) and returns the work space ImportResult.",
		Params: []engine.Param{
			{Name: "SessionId", Type: engine.TypeString, Description: "login of the employee the import runs as; empty = the run-as user of the run"},
			{Name: "MailConfigMatchCode", Type: engine.TypeString, Default: DefaultMatchCode, Description: "match code of the collector's mail configuration"},
			{Name: "ActivityType", Type: engine.TypeString, Default: DefaultType, Description: "activity type (MAILAUS = outgoing mail)"},
			{Name: "ActivityStatus", Type: engine.TypeString, Default: DefaultStatus, Description: "activity status: S_ACTSTATUS-E (done), S_ACTSTATUS-O (open), or the bare key"},
			{Name: "SearchPk", Type: engine.TypeString, Description: "primary key of a stored ExtendedSearch; only contacts it accepts are linked; empty = no check"},
			{Name: "CollectorAddresses", Type: engine.TypeString, Description: "addresses of the collector mailbox (comma separated) for the envelope check; the configuration's user name counts when it is an address"},
			{Name: "Folder", Type: engine.TypeString, Default: "INBOX", Description: "folder to import from"},
			{Name: "BatchSize", Type: engine.TypeInteger, Default: strconv.Itoa(mailimport.DefaultBatchSize), Description: "mails committed and moved together"},
			{Name: "DryRun", Type: engine.TypeBoolean, Default: "false", Description: "only list what would be imported and why; change nothing"},
		},
		Outputs: []engine.Output{{Name: "ImportResult", Type: engine.TypeWorkSpace, Description: "the imported activities and per-mail outcomes; close it with CloseWorkSpaceAction"}},
	}
}

// ErrUnknownSearch: SearchPk names no stored ExtendedSearch.
var ErrUnknownSearch = errors.New("unknown ExtendedSearch")

// CheckLiteral implements engine.LiteralChecker: with a store, a SearchPk
// that names no stored ExtendedSearch is refused when the workflow is
// compiled (imported).
func (a *Action) CheckLiteral(param string, value any) error {
	if param != "SearchPk" || a.Deps.Store == nil {
		return nil
	}
	pk, _ := value.(string)
	if strings.TrimSpace(pk) == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := a.matcher(ctx, pk)
	return err
}

func (a *Action) matcher(ctx context.Context, pk string) (*store.ContactMatcher, error) {
	m, err := a.Deps.Store.ContactMatcher(ctx, pk)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%w %q (add it with 'wfe search add %s --entity contact --expr ...'): %w", ErrUnknownSearch, pk, pk, err)
	}
	return m, err
}

// Run implements engine.Action.
func (a *Action) Run(ctx context.Context, call *engine.Call) error {
	st := a.Deps.Store
	if st == nil {
		return engine.Permanent(fmt.Errorf("%s: %w", ActionName, mailimport.ErrNoStore))
	}
	cfg, err := mailimport.ResolveConfig(ctx, st, call.String("MailConfigMatchCode"))
	if err != nil {
		return err
	}
	login := call.String("SessionId")
	if login == "" {
		login = call.RunAs()
	}
	emp, err := mailimport.ResolveEmployee(ctx, st, login)
	if err != nil {
		return err
	}
	m := &Mapper{
		Type:       firstNonEmpty(strings.TrimSpace(call.String("ActivityType")), DefaultType),
		Status:     firstNonEmpty(mailimport.NormalizeStatus(call.String("ActivityStatus")), store.StatusDone),
		Collectors: collectorAddresses(cfg, call.String("CollectorAddresses")),
	}
	if pk := strings.TrimSpace(call.String("SearchPk")); pk != "" {
		if m.Search, err = a.matcher(ctx, pk); err != nil {
			if errors.Is(err, ErrUnknownSearch) {
				return engine.Permanent(err)
			}
			return engine.Retryable(err)
		}
	}
	if emp == nil {
		call.Warnf("no run-as employee: the imported activities are not delegated to anyone")
	}
	p := &mailimport.Pipeline{Deps: a.Deps, Mapper: m}
	res, err := mailimport.RunForCall(ctx, call, p, mailimport.Request{
		Config:   cfg,
		RunAs:    emp,
		Delegate: emp, // docs/REQUIREMENTS.md R11: delegated to the run-as user
	})
	if err != nil {
		return err
	}
	for _, mo := range res.Mails {
		switch mo.Outcome {
		case store.OutcomeQuarantined, mailimport.OutcomeSkipped:
			call.Logf("UID %d %q from %s: %s: %s", mo.UID, mo.Subject, mo.From, mo.Outcome, mo.Reason)
		}
	}
	return nil
}

// collectorAddresses are the addresses that identify the collector
// mailbox: the configured ones and the configuration's user name when it
// is an address (Exchange: user@domain).
func collectorAddresses(cfg *store.MailConfig, configured string) []string {
	var out []string
	add := func(s string) {
		s = strings.ToLower(strings.TrimSpace(s))
		if strings.Contains(s, "@") && !contains(out, s) {
			out = append(out, s)
		}
	}
	for _, f := range strings.FieldsFunc(configured, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		add(f)
	}
	add(cfg.UserName)
	return out
}

func contains(l []string, v string) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
