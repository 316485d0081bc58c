// Package enginetest provides stand-in actions with the specs of the mail
// actions (ImportMailsAction, CloseWorkSpaceAction) and a test work space,
// so engine behaviour can be tested without mail servers.
package enginetest

import (
	"context"
	"fmt"
	"sync"

	"github.com/wfehq/wfe/engine"
)

// ImportMailsSpec is the parameter spec the stand-in ImportMailsAction
// declares: the names, data types, required flags, defaults, secrets and
// outputs of the real action (actions/mailimport); a test outside the
// engine (standin_test.go) fails when the two drift apart.
func ImportMailsSpec() engine.ActionSpec {
	return engine.ActionSpec{
		Name:        "ImportMailsAction",
		Description: "stand-in: imports the unread mails of a mail configuration",
		Params: []engine.Param{
			{Name: "SessionId", Type: engine.TypeString, Description: "session; empty = the run-as user"},
			{Name: "MailConfigMatchCode", Type: engine.TypeString, Required: true, Description: "match code of the mail configuration"},
			{Name: "Folder", Type: engine.TypeString, Default: "INBOX", Description: "folder to import from"},
			{Name: "BatchSize", Type: engine.TypeInteger, Default: "200", Description: "mails per batch"},
			{Name: "DryRun", Type: engine.TypeBoolean, Default: "false", Description: "change nothing"},
			{Name: "ActivityType", Type: engine.TypeString, Default: "EMAILEINGANG", Description: "activity type of the imported mails"},
			{Name: "ActivityStatus", Type: engine.TypeString, Default: "O", Description: "activity status"},
		},
		Outputs: []engine.Output{{Name: "ImportResult", Type: engine.TypeWorkSpace, Description: "the imported data"}},
	}
}

// StandIns returns the specs of every stand-in action of this package, so
// that a test can hold each against the real action of the same name.
func StandIns() []engine.ActionSpec {
	return []engine.ActionSpec{ImportMailsSpec(), CloseWorkSpaceSpec()}
}

// CloseWorkSpaceSpec is the spec of the stand-in CloseWorkSpaceAction.
func CloseWorkSpaceSpec() engine.ActionSpec {
	return engine.ActionSpec{
		Name:        "CloseWorkSpaceAction",
		Description: "stand-in: closes a work space",
		Params: []engine.Param{
			{Name: "SessionId", Type: engine.TypeString, Description: "session; empty = the run-as user"},
			{Name: "WorkSpace", Type: engine.TypeWorkSpace, Required: true, Description: "the work space to close"},
		},
	}
}

// WorkSpace is a test work space that counts how often it was closed.
type WorkSpace struct {
	Name     string
	CloseErr error

	mu     sync.Mutex
	closes int
}

var _ engine.WorkSpace = (*WorkSpace)(nil)

func (w *WorkSpace) WorkSpaceName() string { return w.Name }

func (w *WorkSpace) Close(ctx context.Context) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closes++
	return w.CloseErr
}

func (w *WorkSpace) Closed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closes > 0
}

// Closes returns how often Close was called.
func (w *WorkSpace) Closes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closes
}

// ImportMails returns a stand-in ImportMailsAction whose Run calls f (when
// f is nil it returns a fresh open work space).
func ImportMails(f func(ctx context.Context, call *engine.Call) error) engine.Action {
	if f == nil {
		f = func(ctx context.Context, call *engine.Call) error {
			call.SetOutput("ImportResult", &WorkSpace{Name: "ImportResult " + call.String("MailConfigMatchCode")})
			return nil
		}
	}
	return engine.ActionFunc{S: ImportMailsSpec(), F: f}
}

// CloseWorkSpace returns a stand-in CloseWorkSpaceAction that closes its
// WorkSpace parameter.
func CloseWorkSpace() engine.Action {
	return engine.ActionFunc{S: CloseWorkSpaceSpec(), F: func(ctx context.Context, call *engine.Call) error {
		ws := call.WorkSpace("WorkSpace")
		if ws == nil {
			return engine.Permanent(fmt.Errorf("parameter WorkSpace holds no work space"))
		}
		return ws.Close(ctx)
	}}
}

// Registry returns a registry with the stand-in actions registered and the
// conditions given by reg functions (e.g. conditions.Register).
func Registry(register ...func(*engine.Registry)) *engine.Registry {
	r := engine.NewRegistry()
	r.RegisterAction(ImportMails(nil))
	r.RegisterAction(CloseWorkSpace())
	for _, f := range register {
		f(r)
	}
	return r
}
