package mailimport

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// Action names as workflows write them.
const (
	ImportMailsName    = "ImportMailsAction"
	CloseWorkSpaceName = "CloseWorkSpaceAction"
)

// Register adds ImportMailsAction and CloseWorkSpaceAction to reg. With a
// nil deps.Store the actions can be listed and compiled, and fail at run
// time with ErrNoStore.
func Register(reg *engine.Registry, deps Deps) {
	reg.RegisterAction(&ImportMails{Deps: deps})
	reg.RegisterAction(CloseWorkSpace{})
}

// ImportMails is ImportMailsAction (docs/REQUIREMENTS.md R10): it imports all unseen mail
// of a folder of the mail configuration with the given match code as
// activities and returns them as the work space ImportResult.
type ImportMails struct {
	Deps Deps
}

var _ engine.Action = (*ImportMails)(nil)

// Spec implements engine.Action.
func (a *ImportMails) Spec() engine.ActionSpec {
	return engine.ActionSpec{
		Name: ImportMailsName,
		Description: "Imports every unseen mail of a mailbox folder as an activity, moves it to the configuration's import folder " +
			"(unparseable mail to its error folder) and returns the work space ImportResult; no output when there was no unseen mail.",
		Params: []engine.Param{
			{Name: "SessionId", Type: engine.TypeString, Description: "login of the employee the import runs as; empty = the run-as user of the run"},
			{Name: "MailConfigMatchCode", Type: engine.TypeString, Required: true, Description: "match code of the mail configuration; none or several with it is an error"},
			{Name: "Folder", Type: engine.TypeString, Default: "INBOX", Description: "folder to import from"},
			{Name: "BatchSize", Type: engine.TypeInteger, Default: strconv.Itoa(DefaultBatchSize), Description: "mails committed and moved together"},
			{Name: "DryRun", Type: engine.TypeBoolean, Default: "false", Description: "only list what would be imported; change nothing (a dry run of the whole run counts too)"},
			{Name: "ActivityType", Type: engine.TypeString, Default: DefaultActivityType, Description: "activity type of the imported mails (EMAILEINGANG = incoming mail)"},
			{Name: "ActivityStatus", Type: engine.TypeString, Default: DefaultActivityStatus, Description: "activity status: O (open, to be dealt with) or E (done); S_ACTSTATUS-O / S_ACTSTATUS-E are accepted"},
		},
		Outputs: []engine.Output{{Name: "ImportResult", Type: engine.TypeWorkSpace, Description: "the imported activities and per-mail outcomes; close it with CloseWorkSpaceAction"}},
	}
}

// Run implements engine.Action.
func (a *ImportMails) Run(ctx context.Context, call *engine.Call) error {
	st := a.Deps.Store
	if st == nil {
		return engine.Permanent(fmt.Errorf("%s: %w", ImportMailsName, ErrNoStore))
	}
	cfg, err := ResolveConfig(ctx, st, call.String("MailConfigMatchCode"))
	if err != nil {
		return err
	}
	login := call.String("SessionId")
	if login == "" {
		login = call.RunAs()
	}
	emp, err := ResolveEmployee(ctx, st, login)
	if err != nil {
		return err
	}
	if emp == nil {
		call.Warnf("no run-as employee: the imported activities are not delegated to anyone")
	}
	p := &Pipeline{Deps: a.Deps, Mapper: IncomingMapper{Type: call.String("ActivityType"), Status: call.String("ActivityStatus")}}
	_, err = RunForCall(ctx, call, p, Request{Config: cfg, RunAs: emp})
	return err
}

// Summary is a one-line account of the result.
func (r *Result) Summary() string {
	if r.Unseen == 0 {
		return fmt.Sprintf("mail configuration %s folder %s: no unseen mail", r.MatchCode, r.Folder)
	}
	if r.DryRun {
		return fmt.Sprintf("mail configuration %s folder %s: dry run, %d unseen mail(s), nothing changed", r.MatchCode, r.Folder, r.Unseen)
	}
	s := fmt.Sprintf("mail configuration %s folder %s: %d unseen, %d imported, %d duplicate(s) skipped, %d quarantined",
		r.MatchCode, r.Folder, r.Unseen, r.Imported, r.Duplicates, r.Quarantined)
	if r.Skipped > 0 {
		s += fmt.Sprintf(", %d skipped", r.Skipped)
	}
	if r.Left > 0 {
		s += fmt.Sprintf(", %d left in the folder", r.Left)
	}
	if r.Recovered > 0 {
		s += fmt.Sprintf(", %d recorded before and only moved now", r.Recovered)
	}
	if r.ImportedNotListed > 0 {
		s += fmt.Sprintf(" (%d imported mails not listed one by one)", r.ImportedNotListed)
	}
	return s
}

// ResolveConfig returns the one mail configuration with that match code:
// none, or more than one (docs/REQUIREMENTS.md R10), is a permanent error.
func ResolveConfig(ctx context.Context, st *store.Store, matchCode string) (*store.MailConfig, error) {
	if strings.TrimSpace(matchCode) == "" {
		return nil, engine.Permanent(fmt.Errorf("no mail configuration match code given"))
	}
	cfgs, err := st.MailConfigsByMatchCode(ctx, matchCode)
	if err != nil {
		return nil, engine.Retryable(err)
	}
	switch len(cfgs) {
	case 0:
		return nil, engine.Permanent(fmt.Errorf("no mail configuration has match code %q: %w", matchCode, store.ErrNotFound))
	case 1:
		return &cfgs[0], nil
	}
	return nil, engine.Permanent(fmt.Errorf("%d mail configurations have match code %q; the import needs exactly one: %w", len(cfgs), matchCode, store.ErrConflict))
}

// ResolveEmployee finds the employee with the CRM login ("" gives nil).
func ResolveEmployee(ctx context.Context, st *store.Store, login string) (*store.Employee, error) {
	if login == "" {
		return nil, nil
	}
	emp, err := st.EmployeeByLogin(ctx, login)
	if errors.Is(err, store.ErrNotFound) {
		return nil, engine.Permanent(fmt.Errorf("run-as user %q is not an employee: %w", login, err))
	}
	if err != nil {
		return nil, engine.Retryable(err)
	}
	return emp, nil
}

// CloseWorkSpace is CloseWorkSpaceAction (docs/REQUIREMENTS.md R12): it saves and
// releases a work space.
type CloseWorkSpace struct{}

var _ engine.Action = CloseWorkSpace{}

// Spec implements engine.Action.
func (CloseWorkSpace) Spec() engine.ActionSpec {
	return engine.ActionSpec{
		Name:        CloseWorkSpaceName,
		Description: "Saves pending changes of a work space (e.g. ImportResult) and releases it; closing twice is harmless.",
		Params: []engine.Param{
			{Name: "SessionId", Type: engine.TypeString, Description: "session; empty = the run-as user"},
			{Name: "WorkSpace", Type: engine.TypeWorkSpace, Required: true, Description: "the work space to close"},
		},
	}
}

// Run implements engine.Action.
func (CloseWorkSpace) Run(ctx context.Context, call *engine.Call) error {
	ws := call.WorkSpace("WorkSpace")
	if ws == nil {
		return engine.Permanent(fmt.Errorf("parameter WorkSpace holds no work space"))
	}
	if err := ws.Close(ctx); err != nil {
		return engine.Retryable(fmt.Errorf("close work space %s: %w", ws.WorkSpaceName(), err))
	}
	call.Logf("closed work space %s", ws.WorkSpaceName())
	return nil
}
