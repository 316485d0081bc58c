package main

import (
	"wfe/actions/basic"
	"wfe/conditions"
	"wfe/engine"
)

// newRegistry returns the registry every command compiles workflows with.
// Data types are built into engine.NewRegistry; each action package adds
// its actions with one Register call in the list below.
func newRegistry() *engine.Registry {
	reg := engine.NewRegistry()
	conditions.Register(reg)
	basic.Register(reg)
	return reg
}
