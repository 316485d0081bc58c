package wfecmd

import (
	"fmt"
	"log/slog"

	"github.com/wfehq/wfe/actions/basic"
	"github.com/wfehq/wfe/actions/bccimport"
	"github.com/wfehq/wfe/actions/groupwaresync"
	"github.com/wfehq/wfe/actions/mailimport"
	"github.com/wfehq/wfe/actions/rules"
	"github.com/wfehq/wfe/actions/sendmail"
	"github.com/wfehq/wfe/conditions"
	"github.com/wfehq/wfe/engine"
	"github.com/wfehq/wfe/store"
)

// Deps are what actions need to run: the store, where their warnings go and
// the node's name. The zero value is enough to compile and list workflows:
// an extension must register its actions even when Store is nil (the
// command only validates or lists then) and use Store only when they run.
type Deps struct {
	Store  *store.Store
	Logger *slog.Logger // nil: slog.Default()
	Node   string       // holder name of import leases ("" = hostname:pid)
}

// Extension adds actions, conditions or data types to a registry, wired to
// deps, with reg.AddAction, reg.AddCondition and reg.AddDataType, returning
// their error. It is called once for every registry a command builds, after
// the built-in ones are registered; an error (a duplicate name, a parameter
// without a data type, ...) stops the command with a message naming the
// extension's action.
type Extension func(reg *engine.Registry, deps Deps) error

// registry returns the registry every command compiles workflows with
// (actions registered without a store: they compile and list, but do not
// run). Commands that run workflows use runRegistry.
func (e *Env) registry() (*engine.Registry, error) { return e.runRegistry(Deps{}) }

// runRegistry returns the full registry with the actions wired to d: the
// built-in ones, each action package with one Register call in the list
// below, then the extensions given to Main.
func (e *Env) runRegistry(d Deps) (*engine.Registry, error) {
	reg := builtinRegistry(d)
	for i, ext := range e.Extensions {
		if err := ext(reg, d); err != nil {
			return nil, fmt.Errorf("extension %d: %w", i+1, err)
		}
	}
	return reg, nil
}

// builtinRegistry is the registry of the actions and conditions wfe ships.
func builtinRegistry(d Deps) *engine.Registry {
	reg := engine.NewRegistry()
	conditions.Register(reg)
	basic.Register(reg)
	mdeps := mailimport.Deps{Store: d.Store, Logger: d.Logger, Node: d.Node}
	mailimport.Register(reg, mdeps)
	sendmail.Register(reg, sendmail.Deps{Store: d.Store, Logger: d.Logger})
	bccimport.Register(reg, mdeps)
	rules.Register(reg, mdeps)
	groupwaresync.Register(reg, groupwaresync.Deps{Store: d.Store})
	return reg
}
