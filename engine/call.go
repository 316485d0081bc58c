package engine

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrUndeclaredParam: an action read a parameter its spec does not declare
// (a typo in the action's code). The action fails at once: its context
// ends, the read gives the zero value, and the action's result is this
// error whatever Run returns.
var ErrUndeclaredParam = errors.New("the action's spec does not declare this parameter")

// param returns the spec index of parameter name. Reading an undeclared
// parameter fails the action (see ErrUndeclaredParam) and returns -1.
func (c *Call) param(name string) int {
	if c.act == nil {
		return -1
	}
	for i := range c.act.spec.Params {
		if c.act.spec.Params[i].Name == name {
			return i
		}
	}
	c.st.undeclared(c.act, name)
	return -1
}

// undeclared records the first read of an undeclared parameter in this
// action call and ends the run context, so that whatever the action does
// next with the context fails at once.
func (st *runState) undeclared(a *cAction, name string) {
	names := paramNames(a.spec.Params)
	err := fmt.Errorf("action %s read parameter %q: %w (%sparameters: %s)", a.name, name, ErrUndeclaredParam,
		didYouMean(name, names), strings.Join(names, ", "))
	st.misuseMu.Lock()
	if st.misuse == nil {
		st.misuse = err
	}
	st.misuseMu.Unlock()
	st.rc.end(err)
}

// takeMisuse returns and clears the recorded misuse of the current call.
func (st *runState) takeMisuse() error {
	st.misuseMu.Lock()
	defer st.misuseMu.Unlock()
	err := st.misuse
	st.misuse = nil
	return err
}

// Value returns the bound value of parameter name, or nil. Name must be a
// parameter the spec declares (see ErrUndeclaredParam); so for Has, String,
// Int, Bool, Time and WorkSpace.
func (c *Call) Value(name string) any {
	if i := c.param(name); i >= 0 {
		return c.vals[i]
	}
	return nil
}

// Has reports whether parameter name has a value (from the context, a
// literal or the spec's default).
func (c *Call) Has(name string) bool {
	i := c.param(name)
	return i >= 0 && c.has[i]
}

// String returns parameter name as a string ("" when unbound).
func (c *Call) String(name string) string {
	switch v := c.Value(name).(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return render(v)
	}
}

// Int returns parameter name as an integer (0 when unbound or not an
// integer; the data type has been checked when binding).
func (c *Call) Int(name string) int64 {
	n, _ := c.Value(name).(int64)
	return n
}

// Bool returns parameter name as a boolean (false when unbound).
func (c *Call) Bool(name string) bool {
	b, _ := c.Value(name).(bool)
	return b
}

// Time returns parameter name as a time (zero when unbound).
func (c *Call) Time(name string) time.Time {
	t, _ := c.Value(name).(time.Time)
	return t
}

// WorkSpace returns parameter name as a work space (nil when unbound).
func (c *Call) WorkSpace(name string) WorkSpace {
	ws, _ := c.Value(name).(WorkSpace)
	return ws
}

// RunAs returns the login of the run-as user.
func (c *Call) RunAs() string { return c.st.opts.RunAs }

// SessionID returns the run's session (the run-as user unless set).
func (c *Call) SessionID() string { return c.st.opts.SessionID }

// DryRun reports whether the action must change nothing.
func (c *Call) DryRun() bool { return c.st.opts.DryRun }

// WorkflowID returns the id of the running workflow.
func (c *Call) WorkflowID() string { return c.st.p.id }

// RunID returns the id of the run record.
func (c *Call) RunID() string { return c.st.rec.ID }

// Var returns context variable name; ok is false when it holds no value.
func (c *Call) Var(name string) (any, bool) {
	var v any
	if i, found := c.st.p.varIndex[name]; found {
		v = c.st.vars[i]
	} else {
		v = c.st.extra[name]
	}
	return v, v != nil
}

// SecretVar reports whether context variable name holds a secret: a
// value that came from a secret parameter or output, or a copy of one.
// Such a value must not be written anywhere; LogAction shows it as
// Redacted.
func (c *Call) SecretVar(name string) bool {
	i, found := c.st.p.varIndex[name]
	if !found {
		i = -1
	}
	v, _ := c.Var(name)
	return c.st.isSecretVar(i, name) || c.st.isSecretValue(v)
}

// SetVar sets context variable name (nil clears it). A value copied from
// a secret stays secret in its new variable.
func (c *Call) SetVar(name string, v any) {
	v = normalize(v)
	if i, found := c.st.p.varIndex[name]; found {
		c.st.vars[i] = v
		c.st.setSecret(i, name, false, v)
		return
	}
	c.st.setSecret(-1, name, false, v)
	if c.st.extra == nil {
		c.st.extra = map[string]any{}
	}
	c.st.extra[name] = v
}

// SetOutput sets output name of the action. Declared outputs go into the
// context and ride on the event the action raises; undeclared names only
// set a context variable.
func (c *Call) SetOutput(name string, v any) {
	if c.act != nil {
		for i := range c.act.spec.Outputs {
			if c.act.spec.Outputs[i].Name == name {
				c.outs[i] = normalize(v)
				return
			}
		}
	}
	c.SetVar(name, v)
}

// Logf writes a line into the run record and to RunOptions.Observer.
// Secret values (of secret parameters and outputs, and copies of them)
// show as Redacted.
func (c *Call) Logf(format string, args ...any) {
	line := c.line(format, args)
	c.st.rec.Log = append(c.st.rec.Log, line)
	if c.st.opts.Observer != nil {
		c.st.opts.Observer(line)
	}
}

// Warnf writes a warning into the run record (and to the Observer).
func (c *Call) Warnf(format string, args ...any) {
	line := c.line(format, args)
	c.st.rec.Warnings = append(c.st.rec.Warnings, line)
	if c.st.opts.Observer != nil {
		c.st.opts.Observer("warning: " + line)
	}
}

// line formats a log line with every secret value of the run redacted.
func (c *Call) line(format string, args []any) string {
	return c.st.redact(fmt.Sprintf(format, args...))
}
