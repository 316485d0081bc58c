// Package basic holds the built-in helper actions LogAction and
// SetContextAction.
package basic

import (
	"context"
	"fmt"

	"github.com/wfehq/wfe/engine"
)

// Register adds LogAction and SetContextAction to reg.
func Register(reg *engine.Registry) {
	reg.RegisterAction(Log{})
	reg.RegisterAction(SetContext{})
}

// Log is LogAction: it writes Message into the run record, with every
// ${name} replaced by the context variable name ("" when unset, Redacted
// when it holds a secret or a copy of one).
type Log struct{}

var _ engine.Action = Log{}

func (Log) Spec() engine.ActionSpec {
	return engine.ActionSpec{
		Name:        "LogAction",
		Description: "writes Message into the run record; ${name} is replaced by the context variable name",
		Params: []engine.Param{
			{Name: "Message", Type: engine.TypeString, Required: true, Template: true, Description: "the line to write, with ${name} placeholders"},
		},
	}
}

func (Log) Run(ctx context.Context, call *engine.Call) error {
	call.Logf("%s", Expand(call.String("Message"), func(name string) string {
		if call.SecretVar(name) {
			return engine.Redacted
		}
		v, _ := call.Var(name)
		return engine.FormatValue(v)
	}))
	return nil
}

// Expand replaces every ${name} in s by lookup(name) (engine.ExpandTemplate).
// A "${" without a closing brace is kept as it is.
func Expand(s string, lookup func(name string) string) string {
	return engine.ExpandTemplate(s, lookup)
}

// SetContext is SetContextAction: it sets the context variable Name to
// Value. Value takes the type its Parameter@DataType declares (a string
// when none is given).
type SetContext struct{}

var _ engine.Action = SetContext{}

func (SetContext) Spec() engine.ActionSpec {
	return engine.ActionSpec{
		Name:        "SetContextAction",
		Description: "sets the context variable Name to Value",
		Params: []engine.Param{
			{Name: "Name", Type: engine.TypeString, Required: true, SetsVariable: true, Description: "the context variable to set"},
			{Name: "Value", Type: engine.TypeAny, Description: "the value, of the type Parameter@DataType declares; unset clears the variable"},
		},
	}
}

func (SetContext) Run(ctx context.Context, call *engine.Call) error {
	name := call.String("Name")
	if name == "" {
		return engine.Permanent(fmt.Errorf("parameter Name is empty"))
	}
	call.SetVar(name, call.Value("Value"))
	return nil
}
