// Package engine compiles WorkFlowMapping models against a registry of
// actions, conditions and data types, and runs the compiled programs.
package engine

import (
	"context"
	"time"
)

// Param declares one parameter of an action or one input of a condition.
type Param struct {
	Name     string
	Type     string // canonical data type name, e.g. TypeString
	Required bool
	Default  string // literal used when neither context nor XML give a value
	Secret   bool   // redacted in run records and logs, also where a copy of the value shows
	// Template: the value may hold ${name} placeholders the action replaces
	// by context variables (ExpandTemplate); validation warns about names
	// that nothing in the workflow sets.
	Template bool
	// SetsVariable: the value names a context variable the action sets
	// (SetContextAction's Name); validation counts it as set.
	SetsVariable bool
	Description  string
}

// Output declares one named output of an action; outputs go into the run
// context and ride on the event the action raises.
type Output struct {
	Name        string
	Type        string
	Secret      bool // the value is a secret: redacted wherever it or a copy shows
	Description string
}

// ActionSpec describes an action: the name used in the XML, its parameters
// and outputs. It drives compile-time checks, `wfe actions` and redaction.
type ActionSpec struct {
	Name        string
	Description string
	Params      []Param
	Outputs     []Output
}

// Action is a step action. Run must honour ctx cancellation. Errors may be
// classified with Permanent or Retryable; unclassified errors count as
// permanent.
type Action interface {
	Spec() ActionSpec
	Run(ctx context.Context, call *Call) error
}

// ActionFunc adapts a function and a spec into an Action (handy in tests).
type ActionFunc struct {
	S ActionSpec
	F func(ctx context.Context, call *Call) error
}

func (a ActionFunc) Spec() ActionSpec                          { return a.S }
func (a ActionFunc) Run(ctx context.Context, call *Call) error { return a.F(ctx, call) }

// WorkSpace is the handle on what an action (e.g. a mail import) created
// (DESIGN "WorkSpace"). The engine closes work spaces left open at run end
// and records a warning.
type WorkSpace interface {
	// WorkSpaceName is a short human label, e.g. "ImportResult (3 activities)".
	WorkSpaceName() string
	Close(ctx context.Context) error
	Closed() bool
}

// RunOptions are the per-run settings given to Program.Run.
type RunOptions struct {
	RunAs      string        // login of the run-as user ("Ausführen als", docs/REQUIREMENTS.md R11)
	SessionID  string        // defaults to RunAs when empty
	DryRun     bool          // actions must change nothing (no DB writes, no server changes)
	Trigger    string        // e.g. "timer:ImportMails", "cli"
	Deadline   time.Duration // 0 means DefaultDeadline
	StepBudget int           // 0 means DefaultStepBudget
	// Observer, when set, receives log lines as they are written (e.g. to
	// print dry-run output); it must not retain the call.
	Observer func(line string)
}

// Call is what an action sees of one invocation: its bound parameters, the
// run's identity and options, and a way to set outputs and write into the
// run record. It is only valid during Run.
type Call struct {
	st   *runState
	act  *cAction
	vals []any  // bound parameter values by spec index
	has  []bool // which parameters have a value
	outs []any  // outputs by spec index
}
