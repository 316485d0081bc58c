package main

import (
	"log/slog"

	"wfe/actions/basic"
	"wfe/actions/bccimport"
	"wfe/actions/mailimport"
	"wfe/actions/rules"
	"wfe/actions/sendmail"
	"wfe/conditions"
	"wfe/engine"
	"wfe/store"
)

// runtimeDeps are what actions need to run: the store and where their
// warnings go. The zero value is enough to compile and list workflows.
type runtimeDeps struct {
	Store  *store.Store
	Logger *slog.Logger // nil: slog.Default()
	Node   string       // holder name of import leases ("" = hostname:pid)
}

// newRegistry returns the registry every command compiles workflows with
// (actions registered without a store: they compile and list, but do not
// run). Commands that run workflows use newRunRegistry.
func newRegistry() *engine.Registry { return newRunRegistry(runtimeDeps{}) }

// newRunRegistry returns the full registry with the actions wired to d.
// Data types are built into engine.NewRegistry; each action package adds
// its actions with one Register call in the list below.
func newRunRegistry(d runtimeDeps) *engine.Registry {
	reg := engine.NewRegistry()
	conditions.Register(reg)
	basic.Register(reg)
	mailimport.Register(reg, mailimport.Deps{Store: d.Store, Logger: d.Logger, Node: d.Node})
	sendmail.Register(reg, sendmail.Deps{Store: d.Store, Logger: d.Logger})
	bccimport.Register(reg, mailimport.Deps{Store: d.Store, Logger: d.Logger, Node: d.Node})
	rules.Register(reg, mailimport.Deps{Store: d.Store, Logger: d.Logger, Node: d.Node})
	return reg
}
