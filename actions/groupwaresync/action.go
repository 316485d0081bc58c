package groupwaresync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// SyncGroupwareName is the action's name in workflow XML.
const SyncGroupwareName = "SyncGroupwareAction"

// ErrNoStore is the action's failure when it was registered without a
// store (a registry for compiling and listing only).
var ErrNoStore = errors.New("no store configured")

// Deps are what the action needs to run.
type Deps struct {
	Store *store.Store
	// HTTPClient carries groupware requests (nil: http.DefaultClient).
	HTTPClient *http.Client
}

// Register adds SyncGroupwareAction to reg. With a nil deps.Store the
// action can be listed and compiled, and fails at run time with ErrNoStore.
func Register(reg *engine.Registry, deps Deps) {
	reg.RegisterAction(&SyncGroupware{Deps: deps})
}

// SyncGroupware is SyncGroupwareAction: it runs a sync rule from a
// workflow (R59), for every employee in the rule's scope or the one named.
type SyncGroupware struct {
	Deps Deps
}

var _ engine.Action = (*SyncGroupware)(nil)

// Spec implements engine.Action.
func (a *SyncGroupware) Spec() engine.ActionSpec {
	return engine.ActionSpec{
		Name: SyncGroupwareName,
		Description: "Runs a groupware sync rule (wfe sync rule add) for every employee in its scope, or the one named: " +
			"signs in to each employee's groupware, plans and applies; a failing account is locked and skipped, the others go on. " +
			"In a dry run it only previews.",
		Params: []engine.Param{
			{Name: "RuleName", Type: engine.TypeString, Required: true, Description: "name of the sync rule"},
			{Name: "Employee", Type: engine.TypeString, Description: "login of the one employee to sync; empty = everyone in the rule's scope"},
		},
		Outputs: []engine.Output{{Name: "SyncReport", Type: engine.TypeString, Description: "the run's counts per employee as JSON"}},
	}
}

// Run implements engine.Action.
func (a *SyncGroupware) Run(ctx context.Context, call *engine.Call) error {
	if a.Deps.Store == nil {
		return engine.Permanent(fmt.Errorf("%s: %w", SyncGroupwareName, ErrNoStore))
	}
	runner := &Runner{Store: a.Deps.Store, HTTPClient: a.Deps.HTTPClient}
	rep, err := runner.Run(ctx, call.String("RuleName"), Options{Employee: call.String("Employee"), Preview: call.DryRun(), NoRecord: true})
	if err != nil {
		return engine.Permanent(fmt.Errorf("%s: %w", SyncGroupwareName, err))
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	call.SetOutput("SyncReport", string(body))
	var failed []string
	for _, e := range rep.Employees {
		call.Logf("%s", e.Summary())
		for _, msg := range e.Errors {
			call.Warnf("%s: %s", e.Login, msg)
		}
		if len(e.Errors) > 0 {
			failed = append(failed, e.Login)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("sync rule %s failed for %s (the other employees were synced)", rep.Rule, strings.Join(failed, ", "))
	}
	return nil
}
